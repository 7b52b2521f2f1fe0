// The web process's HTTP server: express 4 serving the Vite client build, GET /healthz, the
// Origin check on mutations, and the Remix request handler from the server build.
//   const web = await startWebServer({ sql, databaseUrl, port: 0 });  // tests: a free port
//   … fetch(`http://127.0.0.1:${web.port}/`) …
//   await web.close();
import { existsSync, readdirSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequestHandler } from '@remix-run/express';
import type { ServerBuild } from '@remix-run/node';
import express from 'express';
import { env } from '../../config/env.ts';
import { migrationsCurrent, startHeartbeat, type Sql } from '../../db/index.ts';
import { startPublicApi } from '../app/api/router.server.ts';
import { getBoss } from '../app/db.server.ts';
import { installWebRuntime, uninstallWebRuntime } from '../app/runtime.server.ts';
import { startDevmodeProxy } from './devmode-proxy.ts';
import { refuseForeignOrigin } from './origin-check.ts';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface StartWebServerOptions {
  sql: Sql;
  /** Needed by the publishing queue (pg-boss opens its own connections). */
  databaseUrl?: string;
  port?: number;
  host?: string;
  /** Folder holding client/ and server/ from `npm run build`; default web/build. */
  buildDirectory?: string;
  /** Write a process heartbeat (kind 'web'); default true. */
  heartbeat?: boolean;
}

export interface WebServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function checkHealth(sql: Sql): Promise<{ ok: boolean; database: boolean; migrations: boolean }> {
  const database = await sql`select 1`.then(() => true, () => false);
  const migrations = database ? await migrationsCurrent(sql).catch(() => false) : false;
  return { ok: database && migrations, database, migrations };
}

/** 'favicon.ico', 'robots.txt' …: the client build's top-level files and folders other than assets/. */
function clientRootEntries(clientDir: string): Set<string> {
  if (!existsSync(clientDir)) return new Set();
  return new Set(readdirSync(clientDir).filter((name) => name !== 'assets'));
}

export async function startWebServer(options: StartWebServerOptions): Promise<WebServer> {
  const buildDirectory = options.buildDirectory ?? path.join(webDir, 'build');
  const serverEntry = path.join(buildDirectory, 'server', 'index.js');
  if (!existsSync(serverEntry)) {
    throw new Error(`The web app is not built (${serverEntry} is missing). Run \`npm run build\` first.`);
  }
  const build = (await import(pathToFileURL(serverEntry).href)) as ServerBuild;
  const runtime = installWebRuntime({ sql: options.sql, databaseUrl: options.databaseUrl });
  const mode = env().NODE_ENV === 'development' ? 'development' : 'production';

  const app = express();
  app.disable('x-powered-by');
  // X-Forwarded-* are believed only from a proxy on this machine (a local load balancer).
  app.set('trust proxy', 'loopback');
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('X-Frame-Options', 'SAMEORIGIN');
    next();
  });

  app.get('/healthz', async (_req, res) => {
    const health = await checkHealth(options.sql);
    res.status(health.ok ? 200 : 503).set('Cache-Control', 'no-store').json(health);
  });

  const clientDir = path.join(buildDirectory, 'client');
  app.use('/assets', express.static(path.join(clientDir, 'assets'), { immutable: true, maxAge: '1y', index: false }));
  // What Vite copies from web/public sits at the client root (favicon.ico, robots.txt …). Only
  // those names go to the disk; every other request reaches Remix without a stat per request.
  const publicEntries = clientRootEntries(clientDir);
  if (publicEntries.size > 0) {
    const serveClientRoot = express.static(clientDir, { maxAge: '1h', index: false });
    app.use((req, res, next) => (publicEntries.has(req.path.split('/')[1]) ? serveClientRoot(req, res, next) : next()));
  }

  // The public API authenticates by key only (never the session cookie), so it sits before the
  // Origin check: a cross-site page cannot make a browser send a key it does not have.
  const publicApi = await startPublicApi({ sql: options.sql, boss: getBoss });
  app.use('/api/v1', publicApi.router);

  app.use(refuseForeignOrigin(env().PUBLIC_URL));

  // Developer mode: /sites/<id>/code/editor/… to the site's code-server session (HTTP and WebSockets).
  const devmodeProxy = startDevmodeProxy({ sql: options.sql, boss: getBoss });
  app.use(devmodeProxy.handle);

  const handleRemix = createRequestHandler({ build, mode });
  app.all('*', (req, res, next) => {
    const scope = {
      clientIp: req.ip ?? req.socket.remoteAddress ?? 'unknown',
      appendSetCookie: (header: string) => {
        if (!res.headersSent) res.append('Set-Cookie', header);
      },
    };
    runtime.requestScope.run(scope, () => {
      handleRemix(req, res, next).catch(next);
    });
  });

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  devmodeProxy.attach(server);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const heartbeat = options.heartbeat === false ? null : await startHeartbeat(options.sql, { kind: 'web', info: () => ({ port }) });

  let closed: Promise<void> | undefined;
  return {
    port,
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close() {
      closed ??= (async () => {
        await heartbeat?.stop();
        await publicApi.close();
        await devmodeProxy.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        const boss = (await runtime.boss?.catch(() => null)) as { stop(o?: object): Promise<void> } | null | undefined;
        if (boss) await boss.stop({ graceful: true, timeout: 10_000 });
        uninstallWebRuntime(runtime);
      })();
      return closed;
    },
  };
}
