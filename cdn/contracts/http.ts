// What every contract server shares (test support): a node:http server on 127.0.0.1 port 0,
// request bodies read whole, a log of what came in, and the fault switch — the next N requests
// answer 429 with Retry-After, or a 5xx, the way the real services do under load.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
  bytesIn: number;
}

export interface Fault {
  status: 429 | 500 | 502 | 503;
  /** Seconds for the Retry-After header (429 only). */
  retryAfter?: number;
}

export interface ContractRequest {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  raw: IncomingMessage;
}

export interface ContractResponse {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

export interface ContractServer {
  url: string;
  port: number;
  log: LoggedRequest[];
  /** The next `count` requests (matching `pathPrefix`, when given) fail with `fault`. */
  failNext(count: number, fault: Fault, pathPrefix?: string): void;
  /** Every request fails with `fault` until heal() (a provider that is down). */
  failAll(fault: Fault): void;
  heal(): void;
  close(): Promise<void>;
}

const MAX_BODY = 200 * 1024 * 1024;

export async function startContractServer(
  handle: (req: ContractRequest) => Promise<ContractResponse> | ContractResponse,
  renderFault: (fault: Fault) => ContractResponse,
): Promise<ContractServer> {
  const log: LoggedRequest[] = [];
  let pending: { count: number; fault: Fault; pathPrefix?: string }[] = [];
  let down: Fault | null = null;

  function takeFault(path: string): Fault | null {
    if (down) return down;
    const match = pending.find((p) => p.count > 0 && (!p.pathPrefix || path.startsWith(p.pathPrefix)));
    if (!match) return null;
    match.count -= 1;
    pending = pending.filter((p) => p.count > 0);
    return match.fault;
  }

  function send(res: ServerResponse, answer: ContractResponse): void {
    const body = answer.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(answer.body) ? answer.body : Buffer.from(answer.body);
    res.writeHead(answer.status, { 'content-length': String(body.length), ...answer.headers });
    res.end(body);
  }

  const server = http.createServer((raw, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    raw.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    raw.on('end', () => {
      const url = new URL(raw.url ?? '/', 'http://127.0.0.1');
      const entry: LoggedRequest = { method: raw.method ?? 'GET', path: url.pathname, status: 0, bytesIn: size };
      log.push(entry);
      const reply = (answer: ContractResponse) => {
        entry.status = answer.status;
        send(res, answer);
      };
      if (size > MAX_BODY) return reply({ status: 413, body: 'request body too large' });
      const fault = takeFault(url.pathname);
      if (fault) {
        const answer = renderFault(fault);
        if (fault.status === 429) answer.headers = { ...answer.headers, 'retry-after': String(fault.retryAfter ?? 1) };
        return reply(answer);
      }
      Promise.resolve()
        .then(() => handle({ method: entry.method, url, headers: raw.headers, body: Buffer.concat(chunks), raw }))
        .then(reply, (error: unknown) => {
          console.error(`[contract] ${entry.method} ${url.pathname}: ${(error as Error).stack ?? error}`);
          reply({ status: 500, body: 'contract server error' });
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    failNext(count, fault, pathPrefix) {
      pending.push({ count, fault, pathPrefix });
    },
    failAll(fault) {
      down = fault;
    },
    heal() {
      down = null;
      pending = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): ContractResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

export function bearer(headers: http.IncomingHttpHeaders): string | null {
  const value = headers.authorization;
  if (typeof value !== 'string') return null;
  const match = /^Bearer (\S+)$/.exec(value);
  return match ? match[1] : null;
}

export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function randomHex(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');
}
