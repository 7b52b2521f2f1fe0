// Vercel REST API contract server (test support): the endpoints WindWalker calls, checked the
// way api.vercel.com checks them and answered with its shapes ({ error: { code, message } }).
//
// - every call needs `Authorization: Bearer <token>`; with a team, `?teamId=` must name it;
// - POST /v2/files needs x-vercel-digest (40 hex) equal to the body's SHA1 and a Content-Length
//   equal to the body's length; uploading the same file again is accepted (idempotent);
// - POST /v13/deployments answers `missing_files` with the digests it lacks (a file's size must
//   match what was uploaded); a deployment is QUEUED, then READY;
// - an alias may be a *.vercel.app name or a verified domain of the deployment's project;
// - a domain verifies only once its TXT record is "published" (publishDns());
// - a project domain may redirect to another domain of the same project (`redirect`,
//   `redirectStatusCode` 301/302/307/308, 307 when left out) — set when added (POST /v10) or
//   changed (PATCH /v9 …/domains/{name}); not to itself, not to a domain that redirects, and not
//   while another domain redirects to it (no chains). `request(host, path)` answers as Vercel's
//   edge would: the redirect first, else the aliased deployment;
// - GET and DELETE /v9/projects/{idOrName} take the project's id or name, 404 not_found for
//   neither; DELETE answers 204 without a body and takes the project's deployments (and the
//   aliases pointing at them) and domains with it, as Vercel does.
import { createHash } from 'node:crypto';
import { bearer, json, parseJson, randomHex, startContractServer, type ContractRequest, type ContractResponse, type ContractServer } from './http.ts';
import { createVercelUsage, type VercelUsage } from './vercel-usage.ts';

interface Deployment {
  id: string;
  project: string;
  url: string;
  files: Map<string, string>;
  readyState: 'QUEUED' | 'READY';
  createdAt: number;
}

interface Domain {
  name: string;
  project: string;
  verified: boolean;
  txtValue: string;
  redirect: string | null;
  redirectStatusCode: number | null;
}

const REDIRECT_CODES = new Set([301, 302, 307, 308]);

export interface VercelContract extends ContractServer {
  token: string;
  teamId: string;
  /** Bytes of file bodies accepted by /v2/files. */
  uploadedBytes(): number;
  /** The owner created the DNS records (TXT for verification, CNAME to Vercel). */
  publishDns(hostname: string): void;
  /** What an alias (host) serves now. */
  serve(host: string, path: string): { status: number; body: Buffer };
  /** A visitor's request to `host`: the domain's redirect when it has one, else what serve() answers. */
  request(host: string, pathAndQuery: string): { status: number; location?: string; body: Buffer };
  domains: Map<string, Domain>;
  aliases: Map<string, string>;
  /** Projects by name. */
  projects: Map<string, { id: string; name: string }>;
  /** Vercel deployment ids of a project, for tests that check what is left. */
  deploymentsOf(project: string): string[];
  /** GET /v2/usage (record traffic there for usage tests). */
  usage: VercelUsage;
}

function error(status: number, code: string, message: string, extra: Record<string, unknown> = {}): ContractResponse {
  return json(status, { error: { code, message, ...extra } });
}

const SHA1 = /^[0-9a-f]{40}$/;

export async function startVercelContract(opts: { token?: string; teamId?: string } = {}): Promise<VercelContract> {
  const token = opts.token ?? `vc-test-${randomHex(12)}`;
  const teamId = opts.teamId ?? `team_${randomHex(8)}`;
  const files = new Map<string, Buffer>();
  const projects = new Map<string, { id: string; name: string }>();
  const usage = createVercelUsage(projects);
  const deployments = new Map<string, Deployment>();
  const aliases = new Map<string, string>();
  const domains = new Map<string, Domain>();
  const dnsPublished = new Set<string>();
  let uploadedBytes = 0;

  function domainJson(d: Domain) {
    const apex = d.name.split('.').slice(-3).join('.');
    return {
      name: d.name, apexName: apex, projectId: projects.get(d.project)?.id, verified: d.verified,
      verification: d.verified ? [] : [{ type: 'TXT', domain: `_vercel.${apex}`, value: d.txtValue, reason: 'pending_domain_verification' }],
      redirect: d.redirect, redirectStatusCode: d.redirectStatusCode, gitBranch: null,
    };
  }

  /** Checks a redirect change for `name` in `project` as Vercel does; the values to store, or the error. */
  function redirectChange(project: string, name: string, body: Record<string, unknown>): { redirect: string | null; redirectStatusCode: number | null } | ContractResponse {
    const redirect = body.redirect ?? null;
    const code = body.redirectStatusCode ?? null;
    if (redirect !== null && typeof redirect !== 'string') return error(400, 'bad_request', 'Invalid request: `redirect` should be string or null');
    if (code !== null && (typeof code !== 'number' || !REDIRECT_CODES.has(code))) {
      return error(400, 'bad_request', 'Invalid request: `redirectStatusCode` should be equal to one of the allowed values 301, 302, 307, 308');
    }
    if (redirect === null) return { redirect: null, redirectStatusCode: null };
    if (redirect === name) return error(400, 'invalid_redirect', `${name} cannot redirect to itself`);
    const target = domains.get(redirect);
    if (!target || target.project !== project) return error(400, 'invalid_redirect', `The redirect target ${redirect} is not a domain of this project`);
    if (target.redirect) return error(400, 'invalid_redirect', `${redirect} redirects to ${target.redirect} itself; redirect to ${target.redirect} instead`);
    const pointing = [...domains.values()].find((d) => d.project === project && d.redirect === name);
    if (pointing) return error(400, 'invalid_redirect', `${pointing.name} redirects to ${name}; change it first`);
    return { redirect, redirectStatusCode: code ?? 307 };
  }

  /** A project by its id (prj_…) or its name, as /v9/projects/{idOrName} takes either. */
  function projectOf(idOrName: string): { id: string; name: string } | undefined {
    return projects.get(idOrName) ?? [...projects.values()].find((p) => p.id === idOrName);
  }

  function handle(req: ContractRequest): ContractResponse {
    if (bearer(req.headers) !== token) return error(403, 'forbidden', 'Not authorized');
    if (req.url.searchParams.get('teamId') !== teamId) return error(403, 'forbidden', 'You do not have access to this team (teamId missing or wrong)');
    const parts = req.url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const route = `${req.method} /${parts[0]}/${parts[1] ?? ''}`;
    if (route === 'GET /v2/usage') return usage.handle(req);

    if (route === 'POST /v2/files') {
      const digest = req.headers['x-vercel-digest'] ?? req.headers['x-now-digest'];
      if (typeof digest !== 'string' || !SHA1.test(digest)) return error(400, 'missing_digest', 'x-vercel-digest must be the SHA1 of the file (40 hex characters)');
      const length = Number(req.headers['content-length']);
      if (!Number.isInteger(length) || length !== req.body.length) return error(400, 'invalid_content_length', 'Content-Length does not match the body');
      const actual = createHash('sha1').update(req.body).digest('hex');
      if (actual !== digest) return error(400, 'invalid_digest', `The file's SHA1 is ${actual}, not ${digest}`);
      if (!files.has(digest)) {
        files.set(digest, req.body);
        uploadedBytes += req.body.length;
      }
      return { status: 200 };
    }

    if (route === 'GET /v9/projects' && !parts[2]) {
      return json(200, { projects: [...projects.values()], pagination: { count: projects.size, next: null, prev: null } });
    }
    if ((route === 'GET /v9/projects' || route === 'DELETE /v9/projects') && parts[2] && !parts[3]) {
      const project = projectOf(parts[2]);
      if (!project) return error(404, 'not_found', 'Project not found');
      if (req.method === 'GET') return json(200, project);
      // The project goes with its deployments (their aliases too) and its domains; 204, no body.
      projects.delete(project.name);
      for (const [id, deployment] of deployments) {
        if (deployment.project !== project.name) continue;
        deployments.delete(id);
        for (const [alias, target] of aliases) if (target === id) aliases.delete(alias);
      }
      for (const [name, domain] of domains) if (domain.project === project.name) domains.delete(name);
      return { status: 204 };
    }
    if (route === 'POST /v11/projects') {
      const body = parseJson(req.body) as { name?: unknown } | undefined;
      if (typeof body?.name !== 'string' || !/^[a-z0-9._-]{1,100}$/.test(body.name)) return error(400, 'bad_request', 'Invalid request: `name` should match the project name rules');
      if (projects.has(body.name)) return error(409, 'conflict', 'A project with that name already exists');
      const project = { id: `prj_${randomHex(12)}`, name: body.name };
      projects.set(project.name, project);
      return json(200, project);
    }

    if (route === 'POST /v13/deployments') {
      const body = parseJson(req.body) as { name?: unknown; project?: unknown; files?: unknown } | undefined;
      if (typeof body?.name !== 'string') return error(400, 'bad_request', 'Invalid request: missing required property `name`');
      const projectName = typeof body.project === 'string' ? body.project : body.name;
      if (!projects.has(projectName)) return error(404, 'not_found', 'Project not found');
      if (!Array.isArray(body.files) || body.files.length === 0) return error(400, 'bad_request', 'Invalid request: `files` should be a non-empty array');
      const missing: string[] = [];
      const paths = new Map<string, string>();
      for (const f of body.files as { file?: unknown; sha?: unknown; size?: unknown }[]) {
        if (typeof f.file !== 'string' || f.file.startsWith('/') || typeof f.sha !== 'string' || !SHA1.test(f.sha) || typeof f.size !== 'number') {
          return error(400, 'bad_request', 'Invalid request: each file needs `file` (relative path), `sha` (SHA1) and `size`');
        }
        const stored = files.get(f.sha);
        if (!stored) missing.push(f.sha);
        else if (stored.length !== f.size) return error(400, 'bad_request', `Invalid request: size of ${f.file} does not match the uploaded file`);
        paths.set(`/${f.file}`, f.sha);
      }
      if (missing.length) return error(400, 'missing_files', 'Missing files', { missing: [...new Set(missing)] });
      const id = `dpl_${randomHex(12)}`;
      const deployment: Deployment = { id, project: projectName, url: `${projectName}-${randomHex(4)}.vercel.app`, files: paths, readyState: 'QUEUED', createdAt: Date.now() };
      deployments.set(id, deployment);
      return json(200, { id, url: deployment.url, name: body.name, readyState: deployment.readyState, target: null, createdAt: deployment.createdAt });
    }
    if (parts[0] === 'v13' && parts[1] === 'deployments' && parts[2]) {
      const deployment = deployments.get(parts[2]);
      if (!deployment) return error(404, 'not_found', 'Deployment not found');
      if (req.method === 'GET') {
        const answer = { id: deployment.id, url: deployment.url, readyState: deployment.readyState, createdAt: deployment.createdAt };
        deployment.readyState = 'READY';
        return json(200, answer);
      }
      if (req.method === 'DELETE') {
        deployments.delete(deployment.id);
        for (const [alias, target] of aliases) if (target === deployment.id) aliases.delete(alias);
        return json(200, { uid: deployment.id, state: 'DELETED' });
      }
    }
    if (req.method === 'POST' && parts[0] === 'v2' && parts[1] === 'deployments' && parts[3] === 'aliases') {
      const deployment = deployments.get(parts[2]);
      if (!deployment) return error(404, 'not_found', 'Deployment not found');
      if (deployment.readyState !== 'READY') return error(400, 'deployment_not_ready', 'The deployment is not READY yet');
      const body = parseJson(req.body) as { alias?: unknown } | undefined;
      if (typeof body?.alias !== 'string') return error(400, 'bad_request', 'Invalid request: missing required property `alias`');
      const domain = domains.get(body.alias);
      const allowed = body.alias.endsWith('.vercel.app') || (domain && domain.project === deployment.project && domain.verified);
      if (!allowed) return error(400, 'invalid_alias', `The alias ${body.alias} is not a verified domain of this project`);
      const oldDeploymentId = aliases.get(body.alias) ?? null;
      aliases.set(body.alias, deployment.id);
      return json(200, { uid: `alias_${randomHex(8)}`, alias: body.alias, created: new Date().toISOString(), oldDeploymentId });
    }

    if (parts[1] === 'projects' && parts[3] === 'domains') {
      const project = projects.get(parts[2]);
      if (!project) return error(404, 'not_found', 'Project not found');
      if (req.method === 'POST' && parts[0] === 'v10' && !parts[4]) {
        const body = parseJson(req.body) as Record<string, unknown> | undefined;
        if (typeof body?.name !== 'string' || !/^([a-z0-9-]+\.)+[a-z]{2,}$/.test(body.name)) return error(400, 'invalid_domain', 'Invalid domain name');
        const existing = domains.get(body.name);
        if (existing) return error(409, 'domain_already_in_use', `${body.name} is already assigned to a project`);
        const redirect = redirectChange(project.name, body.name, body);
        if ('status' in redirect) return redirect;
        const domain: Domain = { name: body.name, project: project.name, verified: false, txtValue: `vc-domain-verify=${body.name},${randomHex(10)}`, ...redirect };
        domains.set(domain.name, domain);
        return json(200, domainJson(domain));
      }
      const domain = parts[4] ? domains.get(parts[4]) : undefined;
      if (!domain || domain.project !== project.name) return error(404, 'not_found', 'Domain not found on this project');
      if (req.method === 'GET' && parts[0] === 'v9' && !parts[5]) return json(200, domainJson(domain));
      if (req.method === 'PATCH' && parts[0] === 'v9' && !parts[5]) {
        const body = parseJson(req.body);
        if (!body || typeof body !== 'object' || Array.isArray(body)) return error(400, 'bad_request', 'Invalid request: the body should be an object');
        const extra = Object.keys(body).find((k) => !['gitBranch', 'redirect', 'redirectStatusCode', 'customEnvironmentId'].includes(k));
        if (extra) return error(400, 'bad_request', `Invalid request: should NOT have additional property \`${extra}\``);
        const redirect = redirectChange(project.name, domain.name, body as Record<string, unknown>);
        if ('status' in redirect) return redirect;
        Object.assign(domain, redirect);
        return json(200, domainJson(domain));
      }
      if (req.method === 'DELETE' && parts[0] === 'v9' && !parts[5]) {
        domains.delete(domain.name);
        return json(200, {});
      }
      if (req.method === 'POST' && parts[0] === 'v9' && parts[5] === 'verify') {
        if (!dnsPublished.has(domain.name)) return error(400, 'missing_txt_record', `The TXT record for ${domain.name} was not found`);
        domain.verified = true;
        return json(200, domainJson(domain));
      }
    }
    if (req.method === 'GET' && parts[0] === 'v6' && parts[1] === 'domains' && parts[3] === 'config') {
      return json(200, { configuredBy: dnsPublished.has(parts[2]) ? 'CNAME' : null, misconfigured: !dnsPublished.has(parts[2]), acceptedChallenges: [] });
    }
    return error(404, 'not_found', `No route for ${req.method} ${req.url.pathname}`);
  }

  function serve(host: string, path: string): { status: number; body: Buffer } {
    const deployment = deployments.get(aliases.get(host) ?? '');
    if (!deployment) return { status: 404, body: Buffer.from('DEPLOYMENT_NOT_FOUND') };
    const sha = deployment.files.get(path) ?? deployment.files.get(`${path.replace(/\/$/, '')}/index.html`);
    const body = sha ? files.get(sha) : undefined;
    return body ? { status: 200, body } : { status: 404, body: Buffer.from('NOT_FOUND') };
  }

  const server = await startContractServer(handle, (fault) => fault.status === 429
    ? error(429, 'rate_limited', 'Rate limit exceeded', { limit: { remaining: 0, reset: Math.floor(Date.now() / 1000) + 1, total: 100 } })
    : error(fault.status, 'internal_server_error', 'An unexpected internal error occurred'));

  return {
    ...server,
    token,
    teamId,
    aliases,
    usage,
    domains,
    projects,
    deploymentsOf: (project) => [...deployments.values()].filter((d) => d.project === project).map((d) => d.id),
    uploadedBytes: () => uploadedBytes,
    request(host, pathAndQuery) {
      const domain = domains.get(host);
      if (domain?.redirect) {
        return { status: domain.redirectStatusCode ?? 307, location: `https://${domain.redirect}${pathAndQuery}`, body: Buffer.alloc(0) };
      }
      return serve(host, pathAndQuery.split('?')[0]);
    },
    publishDns(hostname) {
      dnsPublished.add(hostname);
    },
    serve,
  };
}
