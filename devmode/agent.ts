// The developer-mode host agent: one process on each worker host, beside the build worker (in
// embedded mode scripts/start.ts runs it on this machine). It
// - registers the host in devmode_hosts and beats every few seconds with the memory it has
//   (MemTotal, MemAvailable) and how much of it editor sessions may take (capacity);
// - starts and stops the editor containers on its own Docker engine, over its own clone of the
//   site's workspace (the web sends the history as a git bundle; the agent sends the tree back on
//   every sync and at stop — devmode/transfer.ts, decision 145);
// - forwards HTTP and WebSockets from the web's authenticated proxy to the session's code-server
//   over its unix socket;
// - removes the containers of its own installation whose session is no longer open (after a web
//   process closed a session of a host that had stopped answering, or a start it never finished).
// Every request must carry the web's HMAC signature (agent-auth.ts), each signature good for one
// request; the rest is refused with 401.
// The web decides who may use which session; the agent only knows session ids.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import httpProxy from 'http-proxy';
import { dockerEngineAnswers } from '../buildfarm/index.ts';
import { isUuid, type Sql } from '../db/index.ts';
import { AGENT_AUTH_HEADER, AGENT_META_HEADER, decodeMeta, encodeMeta, SeenNonces, SIGNATURE_TTL_MS, verifyAgentRequest, type VerifyResult } from './agent-auth.ts';
import type { PublishStatus, StartRequest, SyncAnswer } from './agent-client.ts';
import {
  codeServerArguments,
  prepareFolders,
  reachableSocketPath,
  removeShortLink,
  requestOverSocket,
  SESSION_CONTAINER_LABEL,
  SESSION_DIR_IN_CONTAINER,
  SESSION_SCOPE_LABEL,
  sessionDir,
  sessionMemoryBytes,
  sessionScope,
} from './container.ts';
import type { Repo } from './git.ts';
import { devmodeImageExists, devmodeImageTag, EDITOR_GID, EDITOR_UID } from './image.ts';
import { cloneFromBundle, snapshotTree } from './transfer.ts';
import { handTreeToEditor, repositoryDir, workspaceDir } from './workspace.ts';

const GiB = 2 ** 30;
/** A workspace bundle larger than this is refused (a source snapshot may hold 200 MB). */
const MAX_BUNDLE_BYTES = 512 * 2 ** 20;
const PATH = /^\/v1\/sessions\/([^/?]+)(\/(start|sync|stop|publish-status)|\/proxy(\/[^?]*)?)?(\?.*)?$/;

export interface HostMemory {
  totalBytes: number;
  availableBytes: number;
}

/** MemTotal and MemAvailable of this host. */
export async function readHostMemory(): Promise<HostMemory> {
  const text = await readFile('/proc/meminfo', 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { totalBytes: field('MemTotal'), availableBytes: field('MemAvailable') };
}

export interface DevmodeAgentOptions {
  sql: Sql;
  /** The host's name (WORKER_HOST_NAME or the machine's name); sessions record it. */
  name: string;
  /** Where the agent keeps its clones, session folders and editor state. */
  dataDir: string;
  installDir: string;
  docker: Docker;
  secret: string;
  bindHost?: string;
  port?: number;
  /** How the web reaches this agent; http://<bindHost>:<port> unless given. */
  address?: string;
  /** Memory editor sessions may take on this host, their limits added up; MemTotal − 2 GiB unless given. */
  capacityBytes?: number;
  /** The host's memory: /proc/meminfo unless given (tests stand in for hosts of other sizes). */
  memory?: () => Promise<HostMemory>;
  heartbeatMs?: number;
  sweepMs?: number;
  /** How many signed requests' nonces the agent remembers at most (SeenNonces; 100,000 unless given). */
  maxNonces?: number;
  log?: (line: string) => void;
}

export interface DevmodeAgent {
  name: string;
  address: string;
  port: number;
  /** The first beat and sweep are done. */
  ready: Promise<void>;
  beat(): Promise<void>;
  sweep(): Promise<void>;
  /** Stops serving and says so in devmode_hosts (no new sessions are placed here); containers keep running. */
  stop(): Promise<void>;
  /** How many signed requests' nonces the agent remembers now (each until its signature expires). */
  rememberedNonces(): number;
}

/** What the agent keeps about a session it started (outside the folder the container sees). */
interface SessionRecord {
  siteId: string;
  containerId: string;
  socketPath: string;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Refusal(413, 'TOO_LARGE', `the workspace bundle is over ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startDevmodeAgent(opts: DevmodeAgentOptions): Promise<DevmodeAgent> {
  const log = opts.log ?? ((line: string) => console.error(`[devmode-agent] ${line}`));
  const { sql, docker, dataDir, name } = opts;
  const memory = opts.memory ?? readHostMemory;
  const records = new Map<string, SessionRecord>();
  const recordsDir = path.join(dataDir, 'devmode', 'agent-sessions');
  await mkdir(recordsDir, { recursive: true });
  const recordFile = (id: string) => path.join(recordsDir, `${id}.json`);
  const repoOf = (siteId: string): Repo => ({ dir: workspaceDir(dataDir, siteId), gitDir: repositoryDir(dataDir, siteId) });
  const scopeHost = { sql, dataDir, hostName: name };

  const loadRecord = async (id: string): Promise<SessionRecord | null> => {
    const known = records.get(id);
    if (known) return known;
    // Started by this agent before it restarted: the record is on disk.
    const text = await readFile(recordFile(id), 'utf8').catch(() => null);
    if (!text) return null;
    const record = JSON.parse(text) as SessionRecord;
    records.set(id, record);
    return record;
  };

  // Kept-alive connections to the sessions' sockets; an idle one closes after 4 s, before
  // code-server's own 5 s could close it under a request (as the web's proxy did before).
  const socketAgent = new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16, timeout: 4_000 });
  const proxy = httpProxy.createProxyServer({ ws: true, xfwd: false, proxyTimeout: 0, agent: socketAgent });
  const openSockets = new Set<Duplex>();
  proxy.on('proxyReq', (proxyReq) => proxyReq.removeHeader(AGENT_AUTH_HEADER));
  proxy.on('proxyReqWs', (proxyReq) => proxyReq.removeHeader(AGENT_AUTH_HEADER));
  proxy.on('error', (_error, _req, target) => {
    const res = target as ServerResponse | Duplex;
    if ('writeHead' in res && typeof res.writeHead === 'function') {
      const response = res as ServerResponse;
      if (!response.headersSent) {
        response.writeHead(502, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
        response.end('코드 편집기가 응답하지 않습니다. 코드 편집기 페이지에서 편집기를 다시 열어 주세요.');
      } else {
        response.destroy();
      }
    } else {
      (res as Duplex).destroy();
    }
  });

  // Each signature is good for one request: its nonce is remembered until it expires. Signed
  // before this agent started (a restart forgets what it had seen): refused.
  const seen = new SeenNonces({ maxEntries: opts.maxNonces, notBefore: Date.now() + SIGNATURE_TTL_MS });
  /** This agent's address (set once it listens): signatures are made for it. */
  let ownAddress = '';
  let replayLines = { second: 0, written: 0, withheld: 0 };
  /** One line per refused replay, at most 5 a second (a replayed request repeated in a loop does not flood the log). */
  const logReplay = (req: IncomingMessage, verdict: VerifyResult) => {
    const second = Math.floor(Date.now() / 1000);
    if (second !== replayLines.second) {
      if (replayLines.withheld) log(`… and ${replayLines.withheld} more replayed signed requests refused`);
      replayLines = { second, written: 0, withheld: 0 };
    }
    if (replayLines.written >= 5) {
      replayLines.withheld += 1;
      return;
    }
    replayLines.written += 1;
    const why = !verdict.ok && verdict.reason === 'replayed' ? 'its signature was already used once' : 'its signature is older than the nonces this agent remembers';
    log(`refused ${req.method} ${req.url} from ${req.socket.remoteAddress ?? '?'}: ${why} (a replayed request?)`);
  };
  const authentic = (req: IncomingMessage): VerifyResult => {
    const verdict = verifyAgentRequest(
      opts.secret, ownAddress, req.method ?? 'GET', req.url ?? '/', req.headers[AGENT_AUTH_HEADER] as string | undefined, (req.headers[AGENT_META_HEADER] as string | undefined) ?? '', Date.now(), seen,
    );
    if (!verdict.ok && (verdict.reason === 'replayed' || verdict.reason === 'unverifiable')) logReplay(req, verdict);
    return verdict;
  };
  const refusalCode = (verdict: VerifyResult) => (!verdict.ok && (verdict.reason === 'replayed' || verdict.reason === 'unverifiable') ? 'REPLAYED' : 'UNSIGNED');

  const answerJson = (res: ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}) => {
    const body = Buffer.from(JSON.stringify(value));
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length, 'Cache-Control': 'no-store', ...extra });
    res.end(body);
  };

  const answerSync = (res: ServerResponse, facts: Omit<SyncAnswer, 'bundle'>, bundle: Buffer | null) => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': bundle?.length ?? 0, [AGENT_META_HEADER]: encodeMeta(facts), 'Cache-Control': 'no-store' });
    res.end(bundle ?? undefined);
  };

  // --- sessions ------------------------------------------------------------------------------

  const start = async (id: string, meta: StartRequest | null, req: IncomingMessage): Promise<unknown> => {
    if (!meta || !isUuid(meta.siteId) || !isUuid(meta.tenantId) || !meta.limits) throw new Refusal(400, 'BAD_REQUEST', 'the start request has no valid session facts');
    if (await loadRecord(id)) throw new Refusal(409, 'EXISTS', `session ${id} was already started here`);
    const bundle = await readBody(req, MAX_BUNDLE_BYTES);
    if (!(await dockerEngineAnswers(docker))) {
      throw new Refusal(503, 'NO_ENGINE', `서버 ${name}의 Docker 엔진이 응답하지 않아 코드 편집기를 열 수 없습니다. 운영팀에 알려 주세요.`);
    }
    let image: string;
    try {
      image = await devmodeImageTag(opts.installDir);
    } catch (error) {
      throw new Refusal(503, 'NO_IMAGE', (error as Error).message);
    }
    if (!(await devmodeImageExists(docker, image))) {
      throw new Refusal(503, 'NO_IMAGE', `코드 편집기 이미지(${image})가 서버 ${name}에 없습니다. 운영팀이 devmode/build-image.sh 로 만들어야 합니다.`);
    }
    const repo = repoOf(meta.siteId);
    let container: Docker.Container | null = null;
    let socketPath: string | null = null;
    try {
      await cloneFromBundle(repo, bundle);
      await handTreeToEditor(repo.dir);
      const tree = (await snapshotTree(repo, null)).tree;
      const folders = await prepareFolders({ dataDir }, id, meta.siteId);
      const { limits } = meta;
      const memoryBytes = limits.memoryMb * 2 ** 20;
      container = await docker.createContainer({
        Image: image,
        name: `ww-devmode-${id}`,
        Cmd: codeServerArguments(),
        User: `${EDITOR_UID}:${EDITOR_GID}`,
        WorkingDir: '/workspace',
        Env: [
          'HOME=/home/coder', 'SHELL=/bin/sh', `WINDWALKER_SESSION_DIR=${SESSION_DIR_IN_CONTAINER}`,
          'NODE_OPTIONS=--max-old-space-size=' + Math.floor(limits.memoryMb * 0.6),
          // Node's compiled-code cache in the site's own editor state: the next open of this site
          // on this host starts code-server and its extension host from it (never shared).
          'NODE_COMPILE_CACHE=/home/coder/.cache/node-compile',
        ],
        NetworkDisabled: true,
        Labels: { [SESSION_CONTAINER_LABEL]: id, 'windwalker.site': meta.siteId, [SESSION_SCOPE_LABEL]: await sessionScope(scopeHost) },
        HostConfig: {
          NetworkMode: 'none',
          ReadonlyRootfs: true,
          Tmpfs: { '/tmp': 'rw,nosuid,size=128m' },
          Binds: [
            `${repo.dir}:/workspace:rw`,
            `${folders.session}:${SESSION_DIR_IN_CONTAINER}:rw`,
            `${folders.state}:/home/coder:rw`,
          ],
          Memory: memoryBytes,
          MemorySwap: memoryBytes,
          NanoCpus: Math.round(limits.cpus * 1e9),
          PidsLimit: limits.pids,
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges'],
          AutoRemove: false,
        },
      });
      socketPath = await reachableSocketPath(folders.session);
      const record: SessionRecord = { siteId: meta.siteId, containerId: container.id, socketPath };
      await writeFile(recordFile(id), JSON.stringify(record));
      records.set(id, record);
      await container.start();
      const timeoutMs = meta.startTimeoutMs ?? 60_000;
      const deadline = Date.now() + timeoutMs;
      // The socket is looked for every 25 ms (a stat), the container asked whether it still runs
      // every 500 ms (a Docker API call): a 100 ms sleep after each inspect left the ready
      // editor waiting ~50–150 ms for the next look, and a busy engine answered 40 inspects per
      // start for nothing.
      let inspectedAt = Date.now();
      for (;;) {
        if (existsSync(socketPath)) {
          const health = await requestOverSocket(socketPath, '/healthz', 1000).catch(() => null);
          if (health?.status === 200) {
            // code-server loads VS Code's server on the first workbench request; start that now,
            // while the owner's browser follows the redirect to the editor.
            requestOverSocket(socketPath, '/', 60_000).catch(() => {});
            break;
          }
        }
        if (Date.now() - inspectedAt >= 500) {
          inspectedAt = Date.now();
          const state = (await container.inspect()).State;
          if (!state.Running) {
            const logs = (await container.logs({ stdout: true, stderr: true, tail: 20 })).toString('utf8');
            throw new Error(`the editor container exited (${state.OOMKilled ? 'out of memory' : `code ${state.ExitCode}`}): ${logs.replace(/[\x00-\x08]/g, '').slice(-1500)}`);
          }
        }
        if (Date.now() > deadline) throw new Error(`code-server did not answer on ${socketPath} within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return { containerId: container.id, socketPath, tree };
    } catch (error) {
      if (container) await container.remove({ force: true }).catch(() => {});
      await forget(id, meta.siteId);
      await removeShortLink(socketPath);
      if (error instanceof Refusal) throw error;
      throw new Refusal(500, 'START_FAILED', (error as Error).message);
    }
  };

  /** The session's tree when it changed since `have`; with `stop`, the container is stopped first. */
  const sync = async (id: string, have: string | null, mode: 'sync' | 'stop'): Promise<{ facts: Omit<SyncAnswer, 'bundle'>; bundle: Buffer | null }> => {
    const record = await loadRecord(id);
    if (!record) return { facts: { running: false, tree: null, memoryBytes: null, publishRequestId: null }, bundle: null };
    const container = docker.getContainer(record.containerId);
    let running: boolean | null;
    try {
      running = (await container.inspect()).State.Running;
    } catch (error) {
      running = (error as { statusCode?: number }).statusCode === 404 ? false : null;
    }
    const memoryBytes = running ? await sessionMemoryBytes(docker, record.containerId) : null;
    let publishRequestId: string | null = null;
    const folder = sessionDir(dataDir, id);
    if (mode === 'stop') {
      await container.stop({ t: 3 }).catch(() => {});
      await container.remove({ force: true }).catch(() => {});
      await rm(folder, { recursive: true, force: true }).catch(() => {});
      await removeShortLink(record.socketPath);
      running = false;
    } else {
      const request = path.join(folder, 'publish-request.json');
      if (existsSync(request)) {
        // Claimed by renaming it: a second sync in flight does not publish twice.
        const taken = path.join(folder, `publish-request.${process.pid}.taken`);
        if (await rename(request, taken).then(() => true, () => false)) {
          try {
            const parsed = JSON.parse(await readFile(taken, 'utf8')) as { requestId?: unknown };
            publishRequestId = String(parsed.requestId ?? 'unknown').slice(0, 100);
          } catch {
            publishRequestId = 'unknown'; // an unreadable request still publishes; its answer carries no id
          }
          await rm(taken, { force: true });
        }
      }
    }
    const repo = repoOf(record.siteId);
    if (!existsSync(repo.gitDir)) return { facts: { running, tree: null, memoryBytes, publishRequestId }, bundle: null };
    const snapshot = await snapshotTree(repo, have);
    return { facts: { running, tree: snapshot.tree, memoryBytes, publishRequestId }, bundle: snapshot.bundle };
  };

  /** Removes what is kept for a session that is over: its folder, its record, its clone. */
  const forget = async (id: string, siteId?: string) => {
    const record = await loadRecord(id).catch(() => null);
    const site = record?.siteId ?? siteId;
    if (record) {
      await docker.getContainer(record.containerId).remove({ force: true }).catch(() => {});
      await removeShortLink(record.socketPath);
    }
    await rm(sessionDir(dataDir, id), { recursive: true, force: true }).catch(() => {});
    await rm(recordFile(id), { force: true });
    records.delete(id);
    if (site) {
      const repo = repoOf(site);
      await rm(repo.dir, { recursive: true, force: true });
      await rm(repo.gitDir, { recursive: true, force: true });
    }
  };

  const writePublishStatus = async (id: string, status: PublishStatus | null) => {
    if (!status || typeof status.state !== 'string') throw new Refusal(400, 'BAD_REQUEST', 'no publish status');
    const folder = sessionDir(dataDir, id);
    if (!existsSync(folder)) throw new Refusal(404, 'NO_SESSION', `session ${id} is not running here`);
    const file = path.join(folder, 'publish-status.json');
    await writeFile(`${file}.tmp`, JSON.stringify(status));
    await rename(`${file}.tmp`, file);
  };

  // --- HTTP ----------------------------------------------------------------------------------

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const verdict = authentic(req);
    if (!verdict.ok) return answerJson(res, 401, { code: refusalCode(verdict), message: `refused: ${verdict.reason} signature` });
    if (req.url === '/v1/health') return answerJson(res, 200, { name });
    const match = PATH.exec(req.url ?? '');
    if (!match || !isUuid(decodeURIComponent(match[1]))) return answerJson(res, 404, { code: 'NOT_FOUND', message: 'no such path' });
    const id = decodeURIComponent(match[1]);
    const action = match[3];
    const meta = decodeMeta<Record<string, unknown>>(req.headers[AGENT_META_HEADER] as string | undefined);
    const have = typeof meta?.have === 'string' ? meta.have : null;

    if (match[2]?.startsWith('/proxy')) {
      loadRecord(id)
        .then((record) => {
          if (!record || !existsSync(sessionDir(dataDir, id))) {
            // The web drops its grant on this header: the session it knew is over.
            res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'x-windwalker-session': 'gone' });
            return res.end('열린 코드 편집기가 없습니다. 코드 편집기 페이지에서 편집기를 다시 열어 주세요.');
          }
          req.url = `${match[4] || '/'}${match[5] ?? ''}`;
          proxy.web(req, res, { target: { socketPath: record.socketPath } as never });
        })
        .catch((error) => answerJson(res, 500, { code: 'ERROR', message: (error as Error).message }));
      return;
    }

    const work = async () => {
      if (req.method === 'POST' && action === 'start') return answerJson(res, 200, await start(id, meta as unknown as StartRequest, req));
      if (req.method === 'POST' && (action === 'sync' || action === 'stop')) {
        const { facts, bundle } = await sync(id, have, action);
        return answerSync(res, facts, bundle);
      }
      if (req.method === 'POST' && action === 'publish-status') {
        await writePublishStatus(id, meta as unknown as PublishStatus);
        return answerJson(res, 200, { ok: true });
      }
      if (req.method === 'DELETE' && !action) {
        await forget(id);
        return answerJson(res, 200, { ok: true });
      }
      return answerJson(res, 404, { code: 'NOT_FOUND', message: 'no such action' });
    };
    work().catch((error) => {
      if (!(error instanceof Refusal)) log(`${req.method} ${req.url}: ${(error as Error).message}`);
      if (res.headersSent) return res.destroy();
      const refusal = error instanceof Refusal ? error : new Refusal(500, 'ERROR', (error as Error).message);
      answerJson(res, refusal.status, { code: refusal.code, message: refusal.message });
    });
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: number, text: string) => socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n\r\n`);
    const verdict = authentic(req);
    if (!verdict.ok) return refuse(401, 'Unauthorized');
    const match = PATH.exec(req.url ?? '');
    if (!match || !match[2]?.startsWith('/proxy') || !isUuid(decodeURIComponent(match[1]))) return refuse(404, 'Not Found');
    const id = decodeURIComponent(match[1]);
    loadRecord(id)
      .then((record) => {
        if (!record || !existsSync(sessionDir(dataDir, id))) return refuse(404, 'Not Found');
        openSockets.add(socket);
        socket.on('close', () => openSockets.delete(socket));
        req.url = `${match[4] || '/'}${match[5] ?? ''}`;
        proxy.ws(req, socket, head, { target: { socketPath: record.socketPath } as never });
      })
      .catch(() => refuse(500, 'Internal Server Error'));
  };

  const server: Server = http.createServer(onRequest);
  server.on('upgrade', onUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.bindHost ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const address = opts.address ?? `http://${opts.bindHost ?? '127.0.0.1'}:${port}`;
  ownAddress = address;

  // --- registration and clean-up -------------------------------------------------------------

  const beat = async () => {
    const mem = await memory();
    const capacity = opts.capacityBytes ?? Math.max(0, mem.totalBytes - 2 * GiB);
    await sql`
      insert into devmode_hosts (name, address, data_dir, pid, mem_total_bytes, mem_free_bytes, capacity_bytes, started_at, heartbeat_at, stopped_at)
      values (${name}, ${address}, ${path.resolve(dataDir)}, ${process.pid}, ${mem.totalBytes}, ${mem.availableBytes}, ${capacity}, now(), now(), null)
      on conflict (name) do update set address = excluded.address, data_dir = excluded.data_dir, pid = excluded.pid,
        mem_total_bytes = excluded.mem_total_bytes, mem_free_bytes = excluded.mem_free_bytes, capacity_bytes = excluded.capacity_bytes,
        heartbeat_at = now(), stopped_at = null,
        started_at = case when devmode_hosts.pid = excluded.pid then devmode_hosts.started_at else now() end`;
  };

  /**
   * Containers of this agent's installation whose session is not open (or was never recorded),
   * and what it keeps for sessions that are over but were never forgotten (a web process closed
   * them while this host did not answer): their folders, records and clones.
   */
  const sweep = async () => {
    if (!(await dockerEngineAnswers(docker))) return;
    const scope = await sessionScope(scopeHost);
    const containers = await docker.listContainers({ all: true, filters: { label: [`${SESSION_SCOPE_LABEL}=${scope}`] } });
    // Containers and records first, then the rows: a container and its record come after its session's row.
    const recorded = (await readdir(recordsDir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    if (containers.length === 0 && recorded.length === 0) return;
    const openRows = await sql<{ id: string; site_id: string }[]>`
      select id, site_id from devmode_sessions where host = ${name} and status in ('starting', 'running', 'stopping')`;
    const open = new Set(openRows.map((r) => r.id));
    const openSites = new Set(openRows.map((r) => r.site_id));
    for (const container of containers) {
      const sessionId = container.Labels[SESSION_CONTAINER_LABEL];
      if (sessionId && open.has(sessionId)) continue;
      log(`container ${container.Id.slice(0, 12)} of session ${sessionId ?? '?'} has no open session; removing it`);
      await docker.getContainer(container.Id).remove({ force: true }).catch((error: { statusCode?: number; message: string }) => {
        if (error.statusCode !== 404 && error.statusCode !== 409) log(`container ${container.Id.slice(0, 12)}: ${error.message}`);
      });
    }
    for (const sessionId of recorded) {
      if (!isUuid(sessionId) || open.has(sessionId)) continue;
      const record = await loadRecord(sessionId).catch(() => null);
      // The clone is the site's: a newer session of the same site here works in it.
      if (record && openSites.has(record.siteId)) {
        await rm(sessionDir(dataDir, sessionId), { recursive: true, force: true }).catch(() => {});
        await removeShortLink(record.socketPath);
        await rm(recordFile(sessionId), { force: true });
        records.delete(sessionId);
        continue;
      }
      log(`session ${sessionId} is over; removing its folders and its clone of the workspace`);
      await forget(sessionId);
    }
  };

  let stopped = false;
  const beatTimer = setInterval(() => {
    if (!stopped) beat().catch((error) => log(`heartbeat: ${(error as Error).message}`));
  }, opts.heartbeatMs ?? 5_000);
  beatTimer.unref();
  let sweeping: Promise<void> | null = null;
  const runSweep = () => {
    sweeping ??= sweep().finally(() => {
      sweeping = null;
    });
    return sweeping;
  };
  const sweepTimer = setInterval(() => {
    if (!stopped) runSweep().catch((error) => log(`sweep: ${(error as Error).message}`));
  }, opts.sweepMs ?? 30_000);
  sweepTimer.unref();
  const ready = (async () => {
    await beat();
    await runSweep().catch((error) => log(`first sweep: ${(error as Error).message}`));
  })();
  await ready;

  return {
    name,
    address,
    port,
    ready,
    beat,
    sweep: runSweep,
    async stop() {
      stopped = true;
      clearInterval(beatTimer);
      clearInterval(sweepTimer);
      server.off('upgrade', onUpgrade);
      for (const socket of openSockets) socket.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      proxy.close();
      socketAgent.destroy();
      await sweeping?.catch(() => {});
      await sql`update devmode_hosts set stopped_at = now() where name = ${name} and pid = ${process.pid}`.catch(() => {});
    },
    rememberedNonces() {
      seen.forget();
      return seen.size;
    },
  };
}
