// The web server reads the disk only for files the client build has: /assets/* (hashed, cached for
// a year) and what Vite copied from web/public to the client root (favicon.ico, robots.txt …).
// Every other path goes straight to Remix.
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { startWebServer, type WebServer } from './server/start.ts';

const builtDir = path.resolve('web/build');
let db: TestDatabase;
let buildDirectory: string;
let web: WebServer;

beforeAll(async () => {
  db = await createTestDatabase();
  // The real build, plus one public file at the client root as a web/public/robots.txt would be.
  buildDirectory = await mkdtemp(path.join(os.tmpdir(), 'ww-web-static-'));
  await symlink(path.join(builtDir, 'server'), path.join(buildDirectory, 'server'));
  await mkdir(path.join(buildDirectory, 'client'));
  await symlink(path.join(builtDir, 'client', 'assets'), path.join(buildDirectory, 'client', 'assets'));
  await writeFile(path.join(buildDirectory, 'client', 'robots.txt'), 'User-agent: *\nAllow: /\n');
  web = await startWebServer({ sql: db.sql, port: 0, heartbeat: false, buildDirectory });
});

afterAll(async () => {
  await web?.close();
  await db?.drop();
  if (buildDirectory) await rm(buildDirectory, { recursive: true, force: true });
});

describe('static files of the web app', () => {
  it('serves a hashed client asset from /assets with a year of caching', async () => {
    const [asset] = (await readdir(path.join(builtDir, 'client', 'assets'))).filter((name) => name.endsWith('.js'));
    const response = await fetch(`${web.url}/assets/${asset}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toContain('immutable');
    expect(response.headers.get('cache-control')).toContain('max-age=31536000');
    await response.arrayBuffer();
  });

  it('serves a file Vite copied from web/public at the root with an hour of caching', async () => {
    const response = await fetch(`${web.url}/robots.txt`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(await response.text()).toBe('User-agent: *\nAllow: /\n');
  });

  it('answers a missing asset with 404 from Remix, not a file listing', async () => {
    const response = await fetch(`${web.url}/assets/no-such-file-1234.js`);
    expect(response.status).toBe(404);
    expect(response.headers.get('cache-control') ?? '').not.toContain('immutable');
    await response.text();
  });

  it('hands other paths to Remix, which renders its pages', async () => {
    const login = await fetch(`${web.url}/login`);
    expect(login.status).toBe(200);
    expect(login.headers.get('content-type')).toContain('text/html');
    expect(await login.text()).toContain('<html');
    const unknown = await fetch(`${web.url}/robots.txt.bak`);
    expect(unknown.status).toBe(404);
    await unknown.text();
  });
});
