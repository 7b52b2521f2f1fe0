// loadtest.mixed_max_vus: the highest of 50 / 100 / 250 / 500 VUs at which the mixed scenario (80%
// visitors, 20% owners) meets p95 < 500 ms and errors < 0.1%, stopping at the first target that
// misses (short phases: 10 s ramp + 20 s steady); mem.web_peak_mb_under_load: the web process's
// peak resident memory during the mixed run at that target; edge.vs_nginx_ratio: requests per
// second of our edge ÷ nginx serving the same published files, side by side in this run.
//
// The comparison is made fair on purpose: nginx gets the files of the sites the edge serves (the
// live deployments' manifests read from the local CDN's object store), one worker process against
// the one edge process, the same Host header (<slug>.localhost:<port>) routed to the site on both,
// keep-alive on both, compression off on both (the client asks for identity; nginx gzip off), the
// same security and cache headers, and the same k6 script at the same concurrency for the same
// time. Edge and nginx alternate (edge, nginx, edge, nginx) so a change in the machine's load
// touches both. CPU milliseconds per request are reported too: when the load generator (k6, on the
// same 2 cores) is what saturates, requests per second stop telling the servers apart.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readObject, type DeploymentManifest } from '../cdn/index.ts';
import { freePort } from '../db/embedded.ts';
import { connect, type Sql } from '../db/index.ts';
import { CONCURRENCY_TARGETS } from '../loadtest/index.ts';
import { ensureK6 } from '../loadtest/k6.ts';
import { watchProcessUsage } from '../loadtest/process-usage.ts';
import { highestPassing, openPlatform, runLoadtest, type MeasuredRun } from '../loadtest/runner.ts';
import { round, type Figures } from './figures.ts';

/** Concurrent users on both static servers, and seconds per measurement. */
const STATIC_VUS = 50;
const STATIC_SECONDS = 15;
const STATIC_ROUNDS = 2;

const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; script-src 'none'; form-action 'self'; frame-ancestors 'none'",
};

interface PublishedFile {
  slug: string;
  /** The path a visitor asks for: '/', '/about/', '/styles.css'. */
  path: string;
}

/** The nginx binary, or null with the sentence to print when it is not installed. */
function findNginx(): string | null {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx']) if (existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : null;
}

/** Writes every live published site's files from the object store into <root>/<slug>/…; returns what visitors ask for. */
async function writePublishedFiles(sql: Sql, dataDir: string, root: string): Promise<PublishedFile[]> {
  const sites = await sql<{ slug: string; manifest: DeploymentManifest }[]>`
    select s.slug, d.manifest
    from sites s join deployments d on d.id = s.live_deployment_id
    where d.provider = 'local' and d.status = 'ready'
    order by s.slug`;
  if (sites.length === 0) throw new Error('No published site is live on the edge: the load-test seed should have published some.');
  const requested: PublishedFile[] = [];
  for (const site of sites) {
    for (const [filePath, entry] of Object.entries(site.manifest)) {
      const target = path.join(root, site.slug, filePath);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, await readObject(dataDir, entry.sha256));
      if (filePath === '/404.html') continue;
      requested.push({ slug: site.slug, path: filePath.endsWith('/index.html') ? filePath.slice(0, -'index.html'.length) : filePath });
    }
  }
  return requested;
}

function nginxConfig(options: { root: string; prefix: string; port: number }): string {
  const headers = Object.entries(SECURITY_HEADERS)
    .map(([name, value]) => `      add_header ${name} "${value}" always;`)
    .join('\n');
  return `daemon off;
master_process on;
worker_processes 1;
pid ${options.prefix}/nginx.pid;
error_log ${options.prefix}/error.log warn;
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  charset utf-8;
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  gzip off;
  client_body_temp_path ${options.prefix}/client_body;
  proxy_temp_path ${options.prefix}/proxy;
  fastcgi_temp_path ${options.prefix}/fastcgi;
  uwsgi_temp_path ${options.prefix}/uwsgi;
  scgi_temp_path ${options.prefix}/scgi;
  server {
    listen 127.0.0.1:${options.port};
    server_name ~^(?<slug>[a-z0-9-]+)\\.localhost$;
    root ${options.root}/$slug;
    index index.html;
    location / {
      try_files $uri $uri/ =404;
      add_header Cache-Control "public, max-age=0, must-revalidate" always;
${headers}
    }
  }
}
`;
}

async function waitForPort(port: number, nginx: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (nginx.exitCode !== null) throw new Error(`nginx exited with ${nginx.exitCode}: ${output()}`);
    try {
      await fetch(`http://127.0.0.1:${port}/`, { headers: { host: 'nothing.localhost' } });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`nginx did not listen on 127.0.0.1:${port} within 10 s: ${output()}`);
}

/** nginx's worker processes: the children of its master. */
async function childPids(parent: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

interface StaticRun {
  server: 'edge' | 'nginx';
  requests: number;
  rps: number;
  failedRate: number;
  p95Ms: number;
  cpuSeconds: number;
}

async function driveStaticServer(options: {
  k6: string;
  sql: Sql;
  server: 'edge' | 'nginx';
  port: number;
  serverPids: number[];
  targetsFile: string;
  work: string;
}): Promise<StaticRun> {
  const summaryFile = path.join(options.work, `summary-${options.server}-${Date.now()}.json`);
  const usage = await watchProcessUsage(options.sql, {});
  for (const pid of options.serverPids) usage.add(options.server, pid);
  const script = path.resolve('bench/static-files.k6.js');
  const args = ['run', '--quiet', '--no-color', '--no-usage-report'];
  const env = { VUS: String(STATIC_VUS), DURATION: `${STATIC_SECONDS}s`, BASE_URL: `http://127.0.0.1:${options.port}`, PORT: String(options.port), TARGETS_FILE: options.targetsFile, SUMMARY_FILE: summaryFile };
  for (const [name, value] of Object.entries(env)) args.push('-e', `${name}=${value}`);
  args.push(script);
  const k6 = spawn(options.k6, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, K6_NO_USAGE_REPORT: 'true' } });
  let stderr = '';
  k6.stderr!.on('data', (d) => (stderr += d));
  if (k6.pid) usage.add('k6', k6.pid);
  const code = await new Promise<number | null>((resolve) => k6.on('exit', resolve));
  const measured = await usage.stop();
  if (!existsSync(summaryFile)) throw new Error(`k6 against ${options.server} exited with ${code} and wrote no summary: ${stderr.slice(-2000)}`);
  const summary = JSON.parse(await readFile(summaryFile, 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> };
  const requests = summary.metrics.http_reqs.values.count;
  const run: StaticRun = {
    server: options.server,
    requests,
    rps: summary.metrics.http_reqs.values.rate,
    failedRate: summary.metrics.http_req_failed?.values.rate ?? 0,
    p95Ms: summary.metrics.http_req_duration.values['p(95)'],
    cpuSeconds: measured.cpuSeconds[options.server] ?? 0,
  };
  console.log(
    `[bench] ${run.server.padEnd(5)} ${STATIC_VUS} VUs ${STATIC_SECONDS} s: ${round(run.rps)} req/s, p95 ${round(run.p95Ms)} ms, ` +
      `errors ${(run.failedRate * 100).toFixed(2)}%, ${round((run.cpuSeconds * 1000) / Math.max(1, requests))} ms CPU per request ` +
      `(k6 ${measured.cpuSeconds.k6 ?? '-'} s CPU; machine busy ${measured.machineBusySeconds} of ${round(measured.wallSeconds * measured.cores)} core-s)`,
  );
  if (run.failedRate > 0) throw new Error(`${run.failedRate * 100}% of the requests to ${run.server} failed: the two servers do not serve the same files.`);
  return run;
}

/** Edge vs nginx on the same published files; no figures (and a sentence saying why) when nginx is not installed. */
async function compareEdgeWithNginx(sql: Sql, platform: { dataDir: string; edgeUrl: string }): Promise<Figures> {
  const nginxBinary = findNginx();
  if (!nginxBinary) {
    console.log('[bench] edge.vs_nginx_ratio NOT MEASURED: nginx is not installed. Install it (apt-get install -y nginx-light) and run `npm run bench -- loadtest` again.');
    return {};
  }
  const k6 = ensureK6();
  const work = await mkdtemp(path.join(os.tmpdir(), 'ww-bench-nginx-'));
  await chmod(work, 0o755); // nginx's worker runs as an unprivileged user and must read the files
  let nginx: ChildProcess | null = null;
  try {
    const root = path.join(work, 'sites');
    const requested = await writePublishedFiles(sql, platform.dataDir, root);
    const targetsFile = path.join(work, 'targets.json');
    await writeFile(targetsFile, JSON.stringify(requested));
    const port = await freePort();
    const prefix = path.join(work, 'nginx');
    await mkdir(prefix, { recursive: true });
    const conf = path.join(prefix, 'nginx.conf');
    await writeFile(conf, nginxConfig({ root, prefix, port }));
    let output = '';
    nginx = spawn(nginxBinary, ['-e', path.join(prefix, 'error.log'), '-p', prefix, '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.stdout!.on('data', (d) => (output += d));
    nginx.stderr!.on('data', (d) => (output += d));
    await waitForPort(port, nginx, () => output);
    const nginxPids = [nginx.pid!, ...(await childPids(nginx.pid!))];
    const edgePort = Number(new URL(platform.edgeUrl).port);
    console.log(`[bench] edge (port ${edgePort}) vs nginx ${nginxBinary} (port ${port}, 1 worker) on ${requested.length} published paths of the same sites`);

    const runs: StaticRun[] = [];
    for (let pass = 0; pass < STATIC_ROUNDS; pass++) {
      runs.push(await driveStaticServer({ k6, sql, server: 'edge', port: edgePort, serverPids: [], targetsFile, work }));
      runs.push(await driveStaticServer({ k6, sql, server: 'nginx', port, serverPids: nginxPids, targetsFile, work }));
    }
    const total = (server: 'edge' | 'nginx', pick: (r: StaticRun) => number) => runs.filter((r) => r.server === server).reduce((n, r) => n + pick(r), 0);
    const edgeRps = total('edge', (r) => r.rps) / STATIC_ROUNDS;
    const nginxRps = total('nginx', (r) => r.rps) / STATIC_ROUNDS;
    const cpuPerRequestMs = (server: 'edge' | 'nginx') => (total(server, (r) => r.cpuSeconds) * 1000) / total(server, (r) => r.requests);
    const how = `${STATIC_VUS} VUs, ${STATIC_ROUNDS}×${STATIC_SECONDS} s each, same files/Host/keep-alive, no compression, 1 process each`;
    return {
      'edge.vs_nginx_ratio': {
        value: edgeRps / nginxRps,
        unit: `ratio (${how})`,
        baseline: { name: 'nginx', value: nginxRps, unit: 'req/s' },
        goal: '>= 0.5',
      },
      'edge.static_rps': { value: edgeRps, unit: 'req/s', baseline: { name: 'nginx', value: nginxRps, unit: 'req/s' } },
      'edge.static_cpu_ms_per_request': {
        value: cpuPerRequestMs('edge'),
        unit: 'ms CPU per request',
        baseline: { name: 'nginx', value: cpuPerRequestMs('nginx'), unit: 'ms CPU per request' },
      },
    };
  } finally {
    if (nginx?.pid && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx!.once('exit', resolve));
      process.kill(nginx.pid, 'SIGQUIT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (nginx.exitCode === null) process.kill(nginx.pid, 'SIGKILL');
    }
    await rm(work, { recursive: true, force: true });
  }
}

export async function benchLoadtest(): Promise<Figures> {
  const log = (line: string) => console.log(line);
  const platform = await openPlatform({ targetUrl: null, targetEdgeUrl: null, name: 'bench-loadtest', keepData: true, log });
  try {
    const runs: MeasuredRun[] = await runLoadtest({
      platform,
      scenarios: ['mixed'],
      vus: [...CONCURRENCY_TARGETS],
      model: 'closed',
      rampUp: '10s',
      duration: '20s',
      thinkTime: 1,
      publishRatio: 0.02,
      stopOnFail: true,
      profile: false,
      targetUrl: null,
      targetEdgeUrl: null,
      log,
    });
    const [best] = highestPassing(runs);
    const bestRun = runs.find((r) => r.targetVus === best?.targetVus) ?? null;
    const memoryRun = bestRun ?? runs[0];
    const tried = runs.map((r) => `${r.targetVus} ${r.thresholdsPassed ? 'pass' : 'FAIL'}`).join(', ');
    const figures: Figures = {
      'loadtest.mixed_max_vus': {
        value: best?.targetVus ?? 0,
        unit: `VUs (${tried}; 10 s ramp + 20 s steady, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)} at the end)`,
        goal: '500 on 2 cores',
      },
    };
    if (memoryRun?.webPeakRssMb != null) {
      figures['mem.web_peak_mb_under_load'] = {
        value: memoryRun.webPeakRssMb,
        unit: bestRun ? `MB (mixed ${memoryRun.targetVus} VUs)` : `MB (mixed ${memoryRun.targetVus} VUs, which did not pass)`,
        goal: '< 300',
      };
    }

    const sql = connect(platform.databaseUrl, { max: 2, applicationName: 'windwalker-bench-loadtest' });
    try {
      Object.assign(figures, await compareEdgeWithNginx(sql, { dataDir: platform.dataDir!, edgeUrl: platform.edgeUrl }));
    } finally {
      await sql.end({ timeout: 5 });
    }
    return figures;
  } finally {
    await platform.stop();
  }
}
