// Test set-up shared by the cdn tests: tenants and sites inserted directly, rendered-looking
// files carrying a marker so a test can tell which deployment answered, and a raw HTTP client
// that can set the Host header (fetch cannot) and does not decompress.
import http from 'node:http';
import type { Sql } from '../db/index.ts';
import type { DeployFile } from './types.ts';

export async function insertTenant(sql: Sql, name: string): Promise<string> {
  const [row] = await sql<{ id: string }[]>`insert into tenants (name) values (${name}) returning id`;
  return row.id;
}

export async function insertSite(sql: Sql, tenantId: string, slug: string): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    insert into sites (tenant_id, name, slug, template, document)
    values (${tenantId}, ${`사이트 ${slug}`}, ${slug}, 'cafe', '{}'::jsonb) returning id`;
  return row.id;
}

/** A page whose every part names the deployment, long enough to be worth compressing. */
export function page(marker: string, title: string): Buffer {
  const paragraph = `<p>${title} — 배포 ${marker}. 신선한 원두로 내린 커피와 직접 구운 빵을 드립니다.</p>\n`;
  return Buffer.from(
    `<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>${title}</title>` +
      `<link rel="stylesheet" href="/styles.css"></head><body data-deployment="${marker}">` +
      `<h1>${title}</h1>\n${paragraph.repeat(20)}</body></html>`,
  );
}

/** A 50-file site: index, 404, a stylesheet, 45 pages and 2 images; `marker` is in every text file. */
export function siteFiles(marker: string, pageCount = 45): DeployFile[] {
  const files: DeployFile[] = [
    { path: '/index.html', contentType: 'text/html; charset=utf-8', body: page(marker, '홈') },
    { path: '/404.html', contentType: 'text/html; charset=utf-8', body: page(marker, '페이지 없음') },
    { path: '/styles.css', contentType: 'text/css', body: Buffer.from(`/* ${marker} */\n${'body{margin:0;font-family:sans-serif}\n'.repeat(40)}`) },
  ];
  for (let i = 1; i <= pageCount; i++) {
    files.push({ path: `/page-${i}/index.html`, contentType: 'text/html; charset=utf-8', body: page(marker, `페이지 ${i}`) });
  }
  files.push({ path: '/assets/logo.png', contentType: 'image/png', body: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex') });
  files.push({ path: '/assets/photo.jpg', contentType: 'image/jpeg', body: Buffer.alloc(4096, 7) });
  return files;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export function request(
  port: number,
  host: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; agent?: http.Agent } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { host, ...options.headers }, agent: options.agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Calls `check` until it returns a value (not undefined) or the deadline passes. */
export async function pollUntil<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Waits out the last `marginMs` before midnight in Seoul. Traffic seeded for "the last ten days"
 * counts from the database's Seoul today, and the router scales what it measured by the days from
 * the first row to today: a test that seeds, then reads across midnight KST, sees 11 days (30/11,
 * not 30/10). Call it before seeding, with a margin longer than seeding-to-last-assertion takes.
 */
export async function clearOfSeoulMidnight(marginMs: number): Promise<void> {
  const day = 86_400_000;
  const kst = Date.now() + 9 * 3_600_000;
  const left = day - (kst % day);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 500));
}

/**
 * The owners' DNS as a test sets it: `cnames` maps a name to its CNAME target, and
 * `resolveCname` answers from it as node:dns does (ENODATA for a name without one).
 */
export function ownerDns(): { cnames: Map<string, string>; resolveCname: (name: string) => Promise<string[]> } {
  const cnames = new Map<string, string>();
  const resolveCname = async (name: string): Promise<string[]> => {
    const target = cnames.get(name);
    if (!target) throw Object.assign(new Error(`queryCname ENODATA ${name}`), { code: 'ENODATA' });
    return [target];
  };
  return { cnames, resolveCname };
}
