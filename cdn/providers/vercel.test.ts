import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startVercelContract } from '../contracts/vercel.ts';
import { buildManifest } from '../deployments.ts';
import { siteFiles } from '../test-fixtures.ts';
import { describeProviderContract } from './provider-contract.ts';
import { createRemoteProvider, objectsOf, type RemoteSite } from './remote.ts';
import { createVercelBackend, sha1Hex, vercelProjectName, vercelSiteHost } from './vercel.ts';

describeProviderContract('vercel', async (db) => {
  const contract = await startVercelContract();
  const provider = createRemoteProvider(db.sql, createVercelBackend({ token: contract.token, teamId: contract.teamId, baseUrl: contract.url }));
  return {
    provider,
    serve: async (siteId, path) => contract.serve(vercelSiteHost(siteId), path),
    verifyDomain: async (_siteId, hostname) => contract.publishDns(hostname),
    request: async (host, pathAndQuery) => contract.request(host, pathAndQuery),
    failNext: (count, fault) => contract.failNext(count, fault),
    log: contract.log,
    uploadedBytes: () => contract.uploadedBytes(),
    close: () => contract.close(),
  };
});

describe('Vercel project domain redirects at the contract server', () => {
  it('accepts a redirect to another domain of the project only: no chains, no self, the documented codes, no unknown fields', async () => {
    const contract = await startVercelContract();
    try {
      const headers = { authorization: `Bearer ${contract.token}`, 'content-type': 'application/json' };
      const api = (path: string, method: string, body?: unknown, h: Record<string, string> = headers) =>
        fetch(`${contract.url}${path}?teamId=${contract.teamId}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
      await api('/v11/projects', 'POST', { name: 'ww-shop' });
      await api('/v11/projects', 'POST', { name: 'ww-other' });
      for (const name of ['a.kr', 'www.a.kr', 'shop.a.kr']) await api('/v10/projects/ww-shop/domains', 'POST', { name });
      await api('/v10/projects/ww-other/domains', 'POST', { name: 'other.kr' });
      const patch = (name: string, body: unknown) => api(`/v9/projects/ww-shop/domains/${name}`, 'PATCH', body);

      expect((await patch('www.a.kr', { redirect: 'a.kr', redirectStatusCode: 301 })).status).toBe(200);
      expect((await api('/v9/projects/ww-shop/domains/www.a.kr', 'PATCH', { redirect: 'a.kr' }, {})).status).toBe(403);
      const refused = async (name: string, body: unknown) => {
        const response = await patch(name, body);
        return [response.status, ((await response.json()) as { error: { code: string } }).error.code];
      };
      expect(await refused('shop.a.kr', { redirect: 'other.kr', redirectStatusCode: 301 })).toEqual([400, 'invalid_redirect']);
      expect(await refused('shop.a.kr', { redirect: 'www.a.kr', redirectStatusCode: 301 })).toEqual([400, 'invalid_redirect']); // www redirects
      expect(await refused('a.kr', { redirect: 'shop.a.kr', redirectStatusCode: 301 })).toEqual([400, 'invalid_redirect']); // www points at a.kr
      expect(await refused('a.kr', { redirect: 'a.kr' })).toEqual([400, 'invalid_redirect']);
      expect(await refused('shop.a.kr', { redirect: 'a.kr', redirectStatusCode: 303 })).toEqual([400, 'bad_request']);
      expect(await refused('shop.a.kr', { redirect: 'a.kr', target: 'production' })).toEqual([400, 'bad_request']);
      // Without a status code Vercel uses 307; null clears the redirect.
      const set = (await (await patch('shop.a.kr', { redirect: 'a.kr' })).json()) as { redirect: string; redirectStatusCode: number };
      expect(set).toMatchObject({ redirect: 'a.kr', redirectStatusCode: 307 });
      const cleared = (await (await patch('shop.a.kr', { redirect: null, redirectStatusCode: null })).json()) as { redirect: string | null };
      expect(cleared.redirect).toBeNull();
    } finally {
      await contract.close();
    }
  });
});

describe('Vercel contract server', () => {
  it('refuses a file whose x-vercel-digest does not match its body, and a missing team id', async () => {
    const contract = await startVercelContract();
    try {
      const body = Buffer.from('<h1>안녕하세요</h1>');
      const wrong = await fetch(`${contract.url}/v2/files?teamId=${contract.teamId}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${contract.token}`, 'x-vercel-digest': sha1Hex(Buffer.from('other')), 'content-type': 'application/octet-stream' },
        body,
      });
      expect(wrong.status).toBe(400);
      expect(await wrong.json()).toMatchObject({ error: { code: 'invalid_digest' } });
      const noTeam = await fetch(`${contract.url}/v2/files`, {
        method: 'POST',
        headers: { authorization: `Bearer ${contract.token}`, 'x-vercel-digest': sha1Hex(body) },
        body,
      });
      expect(noTeam.status).toBe(403);
      const ok = await fetch(`${contract.url}/v2/files?teamId=${contract.teamId}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${contract.token}`, 'x-vercel-digest': sha1Hex(body) },
        body,
      });
      expect(ok.status).toBe(200);
    } finally {
      await contract.close();
    }
  });

  it('answers missing_files with the digests it lacks', async () => {
    const contract = await startVercelContract();
    try {
      const auth = { authorization: `Bearer ${contract.token}`, 'content-type': 'application/json' };
      await fetch(`${contract.url}/v11/projects?teamId=${contract.teamId}`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'p1' }) });
      const sha = sha1Hex(Buffer.from('x'));
      const response = await fetch(`${contract.url}/v13/deployments?teamId=${contract.teamId}`, {
        method: 'POST', headers: auth, body: JSON.stringify({ name: 'p1', files: [{ file: 'index.html', sha, size: 1 }] }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: { code: 'missing_files', message: 'Missing files', missing: [sha] } });
    } finally {
      await contract.close();
    }
  });

  it('deletes a project by name or id as DELETE /v9/projects/{idOrName} does: team and token checked, 204 without a body, 404 for an unknown one, its deployments and domains with it', async () => {
    const contract = await startVercelContract();
    try {
      const auth = { authorization: `Bearer ${contract.token}`, 'content-type': 'application/json' };
      const api = (path: string, method: string, body?: unknown, query = `?teamId=${contract.teamId}`, headers: Record<string, string> = auth) =>
        fetch(`${contract.url}${path}${query}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const created = (await (await api('/v11/projects', 'POST', { name: 'ww-gone' })).json()) as { id: string };
      await api('/v11/projects', 'POST', { name: 'ww-stays' });
      await api('/v10/projects/ww-gone/domains', 'POST', { name: 'gone.kr' });
      await api('/v10/projects/ww-stays/domains', 'POST', { name: 'stays.kr' });
      const body = Buffer.from('<h1>gone</h1>');
      await fetch(`${contract.url}/v2/files?teamId=${contract.teamId}`, { method: 'POST', headers: { ...auth, 'x-vercel-digest': sha1Hex(body) }, body });
      const deployment = (await (await api('/v13/deployments', 'POST', { name: 'ww-gone', files: [{ file: 'index.html', sha: sha1Hex(body), size: body.length }] })).json()) as { id: string };
      expect(contract.deploymentsOf('ww-gone')).toEqual([deployment.id]);

      expect((await api('/v9/projects/ww-gone', 'DELETE', undefined, '')).status).toBe(403);
      expect((await api('/v9/projects/ww-gone', 'DELETE', undefined, `?teamId=${contract.teamId}`, { authorization: 'Bearer nope' })).status).toBe(403);
      const unknown = await api('/v9/projects/ww-never', 'DELETE');
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ error: { code: 'not_found' } });
      const deleted = await api(`/v9/projects/${created.id}`, 'DELETE');
      expect(deleted.status).toBe(204);
      expect(await deleted.text()).toBe('');
      expect((await api('/v9/projects/ww-gone', 'GET')).status).toBe(404);
      expect((await api('/v9/projects/ww-gone', 'DELETE')).status).toBe(404);
      expect(contract.deploymentsOf('ww-gone')).toEqual([]);
      expect([...contract.domains.keys()]).toEqual(['stays.kr']);
      expect([...contract.projects.keys()]).toEqual(['ww-stays']);
    } finally {
      await contract.close();
    }
  });
});

describe('Vercel deleteSite', () => {
  it('deletes the project once (gone already is no error) and forgets it: the same backend creates it again if asked to deploy', async () => {
    const contract = await startVercelContract();
    try {
      const backend = createVercelBackend({ token: contract.token, teamId: contract.teamId, baseUrl: contract.url, retry: { retries: 0 } });
      const site: RemoteSite = { tenantId: randomUUID(), siteId: randomUUID(), slug: 'gone-twice', domains: [] };
      const deploy = async (marker: string) => {
        const files = siteFiles(marker, 1);
        const manifest = buildManifest(files);
        return backend.upload(site, { id: randomUUID(), providerRef: null, manifest, providerData: {} }, objectsOf(files, manifest));
      };
      await deploy('v1');
      const project = vercelProjectName(site.siteId);
      expect(contract.projects.has(project)).toBe(true);

      await backend.deleteSite!(site);
      expect(contract.projects.has(project)).toBe(false);
      await backend.deleteSite!(site);
      expect(contract.log.filter((r) => r.method === 'DELETE' && r.path === `/v9/projects/${project}`).map((r) => r.status)).toEqual([204, 404]);

      const again = await deploy('v2');
      expect(contract.deploymentsOf(project)).toEqual([again.providerRef]);
    } finally {
      await contract.close();
    }
  });

  it('says which project it left when Vercel refuses', async () => {
    const contract = await startVercelContract();
    try {
      const backend = createVercelBackend({ token: contract.token, teamId: contract.teamId, baseUrl: contract.url, retry: { retries: 0 } });
      const site: RemoteSite = { tenantId: randomUUID(), siteId: randomUUID(), slug: 'refused', domains: [] };
      contract.failNext(1, { status: 500 });
      await expect(backend.deleteSite!(site)).rejects.toThrow(`Vercel project ${vercelProjectName(site.siteId)} was not deleted`);
    } finally {
      await contract.close();
    }
  });
});
