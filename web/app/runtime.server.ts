// What the web process shares with the Remix app: the database pool, the database URL (for the
// publishing queue) and the current request's scope (client IP, cookies to add to the answer).
//
// The express server (web/server/start.ts, run by tsx) and the Remix server bundle
// (web/build/server/index.js) are separate module graphs, so the state lives on globalThis
// under one symbol: whichever copy of this module runs, it sees the same runtime.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Sql } from '../../db/index.ts';

export interface RequestScope {
  /** The client's address as express sees it (X-Forwarded-For only from a loopback proxy). */
  clientIp: string;
  /** Adds a Set-Cookie header to this request's response (used when a session is refreshed). */
  appendSetCookie(header: string): void;
}

export interface WebRuntime {
  sql: Sql;
  databaseUrl: string | null;
  requestScope: AsyncLocalStorage<RequestScope>;
  /** Started on first use by getBoss() in db.server.ts; stopped by the server's close(). */
  boss: Promise<unknown> | null;
}

const RUNTIME = Symbol.for('windwalker.web.runtime');
type GlobalWithRuntime = typeof globalThis & { [RUNTIME]?: WebRuntime };

/** Called once by the web server before it serves requests. One runtime per process. */
export function installWebRuntime(options: { sql: Sql; databaseUrl?: string | null }): WebRuntime {
  const g = globalThis as GlobalWithRuntime;
  const existing = g[RUNTIME];
  const runtime: WebRuntime = {
    sql: options.sql,
    databaseUrl: options.databaseUrl ?? null,
    requestScope: existing?.requestScope ?? new AsyncLocalStorage<RequestScope>(),
    boss: null,
  };
  g[RUNTIME] = runtime;
  return runtime;
}

export function webRuntime(): WebRuntime {
  const runtime = (globalThis as GlobalWithRuntime)[RUNTIME];
  if (!runtime) {
    throw new Error('The web runtime is not installed: start the app through startWebServer() (web/server/start.ts).');
  }
  return runtime;
}

/** Forgets the runtime (the server's close()). */
export function uninstallWebRuntime(runtime: WebRuntime): void {
  const g = globalThis as GlobalWithRuntime;
  if (g[RUNTIME] === runtime) delete g[RUNTIME];
}

export function currentRequestScope(): RequestScope | undefined {
  return (globalThis as GlobalWithRuntime)[RUNTIME]?.requestScope.getStore();
}
