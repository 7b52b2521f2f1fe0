import { describe, expect, it } from 'vitest';
import { startVercelContract } from '../contracts/vercel.ts';
import { describeProviderContract } from './provider-contract.ts';
import { createRemoteProvider } from './remote.ts';
import { createVercelBackend, sha1Hex, vercelSiteHost } from './vercel.ts';

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
});
