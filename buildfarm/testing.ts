// Shared by the build farm's tests: a tenant with a site, waiting for a build, fetching the
// published site from a real edge.
import http from 'node:http';
import { expect } from 'vitest';
import type { Sql } from '../db/index.ts';
import { createSiteDocument } from '../site/index.ts';

export async function createTenantWithSite(
  sql: Sql,
  opts: { slug: string; siteName: string; planCode?: string },
): Promise<{ tenantId: string; siteId: string }> {
  const [tenant] = await sql<{ id: string }[]>`
    insert into tenants (name, plan_code) values (${opts.siteName}, ${opts.planCode ?? 'trial'}) returning id`;
  const siteId = await createSiteFor(sql, tenant.id, opts);
  return { tenantId: tenant.id, siteId };
}

export async function createSiteFor(sql: Sql, tenantId: string, opts: { slug: string; siteName: string }): Promise<string> {
  const document = createSiteDocument('cafe', { siteName: opts.siteName });
  const [site] = await sql<{ id: string }[]>`
    insert into sites (tenant_id, name, slug, template, document)
    values (${tenantId}, ${opts.siteName}, ${opts.slug}, 'cafe', ${sql.json(document as never)})
    returning id`;
  return site.id;
}

/** What an owner's edit does to the stored document: a new site name in the same template. */
export async function renameSite(sql: Sql, siteId: string, siteName: string): Promise<void> {
  const document = createSiteDocument('cafe', { siteName });
  await sql`update sites set document = ${sql.json(document as never)}, revision = revision + 1 where id = ${siteId}`;
}

export async function waitForBuild(sql: Sql, buildId: string, statuses: string[], timeoutMs = 20_000): Promise<Record<string, unknown>> {
  let row: Record<string, unknown> | undefined;
  await expect
    .poll(
      async () => {
        [row] = await sql`select * from builds where id = ${buildId}`;
        return row?.status;
      },
      { timeout: timeoutMs, interval: 50 },
    )
    .toSatisfy((status) => statuses.includes(status as string));
  return row!;
}

/** GET through the edge the way a browser asks for <slug>.localhost. */
export function fetchFromEdge(port: number, host: string, pathname = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path: pathname, headers: { host } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end();
  });
}
