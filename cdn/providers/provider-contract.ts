// The story every hosted provider must tell against its contract server (test support, used
// by cloudflare.test.ts, vercel.test.ts and cloudfront.test.ts): a 50-file site deployed and
// live, a one-page change that uploads one file, a rollback, a custom domain attached and
// verified, a custom domain redirecting to the site's primary domain (and back when the primary
// changes), a deployment deleted, and 429 / 5xx answers survived by retrying.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../db/testing/index.ts';
import type { Fault, LoggedRequest } from '../contracts/http.ts';
import { insertSite, insertTenant, page, siteFiles } from '../test-fixtures.ts';
import type { DeployFile } from '../types.ts';
import type { CdnProvider } from './types.ts';

export interface ContractHarness {
  provider: CdnProvider;
  /** What the provider serves for the site at `path` now. */
  serve(siteId: string, path: string): Promise<{ status: number; body: Buffer }>;
  /** The owner created the DNS records the provider asked for. */
  verifyDomain(siteId: string, hostname: string): Promise<void>;
  /** A visitor's GET of https://<host><pathAndQuery> at the provider's edge: a redirect's status and Location, or what is served. */
  request(host: string, pathAndQuery: string): Promise<{ status: number; location?: string; body: Buffer }>;
  failNext(count: number, fault: Fault): void;
  log: LoggedRequest[];
  /** Bytes of file bodies the contract server has received so far. */
  uploadedBytes(): number;
  close(): Promise<void>;
}

export function describeProviderContract(
  name: string,
  start: (db: TestDatabase) => Promise<ContractHarness>,
  options: { customDomains: boolean } = { customDomains: true },
): void {
  describe(`${name} provider against its contract server`, () => {
    let db: TestDatabase;
    let harness: ContractHarness;
    let tenantId: string;
    let siteId: string;
    const deployments: string[] = [];

    beforeAll(async () => {
      db = await createTestDatabase();
      harness = await start(db);
      tenantId = await insertTenant(db.sql, `${name} 카페`);
      siteId = await insertSite(db.sql, tenantId, `${name}-cafe`);
    });
    afterAll(async () => {
      await harness?.close();
      await db?.drop();
    });

    const deploy = (files: DeployFile[]) => harness.provider.deploy({ tenantId, siteId, buildId: null, files });
    const bodyAt = async (path: string) => (await harness.serve(siteId, path)).body.toString('utf8');

    it('deploys a 50-file site, uploading every file once, and serves it after activation', async () => {
      const files = siteFiles('v1');
      const total = files.reduce((sum, f) => sum + f.body.length, 0);
      const result = await deploy(files);
      expect(result).toMatchObject({ fileCount: 50, totalBytes: total, uploadedFiles: 50, uploadedBytes: total });
      expect(harness.uploadedBytes()).toBe(total);
      deployments.push(result.deploymentId);
      expect((await harness.serve(siteId, '/index.html')).status).toBe(404);

      await harness.provider.activate({ tenantId, siteId, deploymentId: result.deploymentId });
      expect(await bodyAt('/index.html')).toContain('data-deployment="v1"');
      expect(await bodyAt('/page-45/index.html')).toContain('페이지 45');
      const [site] = await db.sql`select live_deployment_id, cdn_provider from sites where id = ${siteId}`;
      expect(site).toEqual({ live_deployment_id: result.deploymentId, cdn_provider: name });
    });

    it('redeploys a one-page change by uploading only that page', async () => {
      const files = siteFiles('v1');
      const changed = files.find((f) => f.path === '/page-7/index.html')!;
      changed.body = page('v2', '페이지 7 새 소식');
      const before = harness.uploadedBytes();
      const result = await deploy(files);
      expect(result.uploadedFiles).toBe(1);
      expect(result.uploadedBytes).toBe(changed.body.length);
      expect(harness.uploadedBytes() - before).toBe(changed.body.length);
      deployments.push(result.deploymentId);

      await harness.provider.activate({ tenantId, siteId, deploymentId: result.deploymentId });
      expect(await bodyAt('/page-7/index.html')).toContain('페이지 7 새 소식');
      expect(await bodyAt('/page-8/index.html')).toContain('data-deployment="v1"');
    });

    it('rolls back to the first deployment and forward again', async () => {
      await harness.provider.rollback({ tenantId, siteId, deploymentId: deployments[0] });
      expect(await bodyAt('/page-7/index.html')).not.toContain('새 소식');
      await harness.provider.rollback({ tenantId, siteId, deploymentId: deployments[1] });
      expect(await bodyAt('/page-7/index.html')).toContain('새 소식');
    });

    it.runIf(!options.customDomains)('says in Korean that custom domains are not available on this provider yet', async () => {
      await expect(harness.provider.attachDomain({ tenantId, siteId, hostname: `www.${name}-cafe.co.kr` })).rejects.toThrow(/사용자 도메인을 연결할 수 없습니다/);
    });

    it.runIf(options.customDomains)('attaches a custom domain with DNS records to create, and reports it active once verified', async () => {
      const hostname = `www.${name}-cafe.co.kr`;
      const attached = await harness.provider.attachDomain({ tenantId, siteId, hostname: ` WWW.${name}-cafe.co.kr. ` });
      expect(attached.hostname).toBe(hostname);
      expect(attached.status).toBe('pending');
      expect(attached.dnsRecords.length).toBeGreaterThan(0);
      expect(attached.dnsRecords.every((r) => r.name.length > 0 && r.value.length > 0 && /[가-힣]/.test(r.purpose))).toBe(true);

      await harness.verifyDomain(siteId, hostname);
      const verified = await harness.provider.domainStatus({ tenantId, siteId, hostname });
      expect(verified).toMatchObject({ hostname, status: 'active', certificate: 'active' });
      const [row] = await db.sql`select status, certificate_status, provider from cdn_domains where hostname = ${hostname}`;
      expect(row).toEqual({ status: 'active', certificate_status: 'active', provider: name });
    });

    it.runIf(options.customDomains)('detaches the custom domain at the provider', async () => {
      const hostname = `www.${name}-cafe.co.kr`;
      expect(harness.provider.detachDomain).toBeTypeOf('function');
      await harness.provider.detachDomain!({ tenantId, siteId, hostname });
      // The provider no longer knows the name: asking about it fails there.
      await expect(harness.provider.domainStatus({ tenantId, siteId, hostname })).rejects.toThrow();
      await db.sql`delete from cdn_domains where hostname = ${hostname}`;
    });

    it.runIf(options.customDomains)('redirects the other custom domain to the primary, follows a change of primary, and stops when cleared', async () => {
      const apex = `${name}-cafe.kr`;
      const shop = `shop.${name}-cafe.kr`;
      for (const hostname of [apex, shop]) {
        await harness.provider.attachDomain({ tenantId, siteId, hostname });
        await harness.verifyDomain(siteId, hostname);
        expect(await harness.provider.domainStatus({ tenantId, siteId, hostname })).toMatchObject({ status: 'active' });
      }
      expect(harness.provider.setRedirects).toBeTypeOf('function');
      await harness.provider.setRedirects!({ tenantId, siteId, primary: apex, from: [shop] });
      expect(await harness.request(shop, '/page-7/index.html?utm=kakao')).toMatchObject({ status: 301, location: `https://${apex}/page-7/index.html?utm=kakao` });
      expect(await harness.request(shop, '/')).toMatchObject({ status: 301, location: `https://${apex}/` });
      const primary = await harness.request(apex, '/page-7/index.html');
      expect(primary.status).toBe(200);
      expect(primary.body.toString('utf8')).toContain('페이지 7');
      // The same plan again changes nothing and still holds.
      await harness.provider.setRedirects!({ tenantId, siteId, primary: apex, from: [shop] });
      expect((await harness.request(shop, '/')).status).toBe(301);

      await harness.provider.setRedirects!({ tenantId, siteId, primary: shop, from: [apex] });
      expect(await harness.request(apex, '/page-8/index.html')).toMatchObject({ status: 301, location: `https://${shop}/page-8/index.html` });
      expect((await harness.request(shop, '/page-8/index.html')).status).toBe(200);

      await harness.provider.setRedirects!({ tenantId, siteId, primary: null, from: [] });
      expect((await harness.request(apex, '/index.html')).status).toBe(200);
      expect((await harness.request(shop, '/index.html')).status).toBe(200);
      for (const hostname of [apex, shop]) {
        await harness.provider.detachDomain!({ tenantId, siteId, hostname });
        await db.sql`delete from cdn_domains where hostname = ${hostname}`;
      }
    });

    it('refuses a malformed domain with a Korean sentence naming it', async () => {
      await expect(harness.provider.attachDomain({ tenantId, siteId, hostname: 'not a domain' })).rejects.toThrow(/도메인 'not a domain'의 형식/);
    });

    it('retries a 429 (after Retry-After) and a 5xx, and the deploy still succeeds', async () => {
      const files = siteFiles('v3');
      harness.failNext(1, { status: 429, retryAfter: 1 });
      harness.failNext(1, { status: 503 });
      const seen = harness.log.length;
      const started = Date.now();
      const result = await deploy(files);
      const statuses = harness.log.slice(seen).map((r) => r.status);
      expect(statuses).toContain(429);
      expect(statuses).toContain(503);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      await harness.provider.activate({ tenantId, siteId, deploymentId: result.deploymentId });
      expect(await bodyAt('/index.html')).toContain('data-deployment="v3"');
      deployments.push(result.deploymentId);
    });

    it('deletes a deployment that is not live, and refuses to delete the live one', async () => {
      await expect(harness.provider.deleteDeployment({ tenantId, siteId, deploymentId: deployments[2] })).rejects.toThrow(/게시 중인 배포/);
      await harness.provider.deleteDeployment({ tenantId, siteId, deploymentId: deployments[0] });
      const [row] = await db.sql`select status from deployments where id = ${deployments[0]}`;
      expect(row.status).toBe('deleted');
      expect(await bodyAt('/index.html')).toContain('data-deployment="v3"');
    });

    it('answers its health check', async () => {
      const health = await harness.provider.health();
      expect(health).toMatchObject({ provider: name, ok: true });
    });
  });
}
