import { describe, expect, it } from 'vitest';
import { startCloudflareContract } from '../contracts/cloudflare.ts';
import { createCloudflareBackend, pagesAssetKey, pagesProjectName } from './cloudflare.ts';
import { describeProviderContract } from './provider-contract.ts';
import { createRemoteProvider } from './remote.ts';

describeProviderContract('cloudflare', async (db) => {
  const contract = await startCloudflareContract();
  const provider = createRemoteProvider(db.sql, createCloudflareBackend({ apiToken: contract.apiToken, accountId: contract.accountId, baseUrl: contract.url }));
  return {
    provider,
    serve: async (siteId, path) => contract.serve(pagesProjectName(siteId), path),
    verifyDomain: async (siteId, hostname) => contract.verifyDomain(pagesProjectName(siteId), hostname),
    request: async (host, pathAndQuery) => contract.request(`https://${host}${pathAndQuery}`),
    failNext: (count, fault) => contract.failNext(count, fault),
    log: contract.log,
    uploadedBytes: () => contract.uploadedBytes(),
    close: () => contract.close(),
  };
});

describe('Cloudflare Pages contract server', () => {
  it('refuses the API token on asset endpoints (they need the upload JWT)', async () => {
    const contract = await startCloudflareContract();
    try {
      const response = await fetch(`${contract.url}/pages/assets/check-missing`, {
        method: 'POST',
        headers: { authorization: `Bearer ${contract.apiToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ hashes: ['0'.repeat(32)] }),
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ success: false, errors: [{ code: 8000013 }] });
    } finally {
      await contract.close();
    }
  });

  it('refuses an asset over 25 MiB and a wrong account id', async () => {
    const contract = await startCloudflareContract();
    try {
      const auth = { authorization: `Bearer ${contract.apiToken}`, 'content-type': 'application/json' };
      await fetch(`${contract.url}/accounts/${contract.accountId}/pages/projects`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'big', production_branch: 'main' }) });
      const { result } = (await (await fetch(`${contract.url}/accounts/${contract.accountId}/pages/projects/big/upload-token`, { headers: auth })).json()) as { result: { jwt: string } };
      const big = Buffer.alloc(25 * 1024 * 1024 + 1, 1).toString('base64');
      const upload = await fetch(`${contract.url}/pages/assets/upload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${result.jwt}`, 'content-type': 'application/json' },
        body: JSON.stringify([{ key: 'a'.repeat(32), value: big, base64: true, metadata: { contentType: 'image/png' } }]),
      });
      expect(upload.status).toBe(413);
      const wrongAccount = await fetch(`${contract.url}/accounts/${'f'.repeat(32)}/pages/projects`, { headers: auth });
      expect(wrongAccount.status).toBe(403);
    } finally {
      await contract.close();
    }
  });
});

describe('Cloudflare Bulk Redirects contract server', () => {
  it('checks lists, items, the one pending operation, and the redirect phase rule as Cloudflare does', async () => {
    const contract = await startCloudflareContract();
    try {
      const auth = { authorization: `Bearer ${contract.apiToken}`, 'content-type': 'application/json' };
      const api = (path: string, method = 'GET', body?: unknown, headers: Record<string, string> = auth) =>
        fetch(`${contract.url}/accounts/${contract.accountId}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      expect((await api('/rules/lists', 'GET', undefined, {})).status).toBe(403);
      expect((await api('/rules/lists', 'POST', { name: 'Bad-Name', kind: 'redirect' })).status).toBe(400);
      const created = (await (await api('/rules/lists', 'POST', { name: 'shop_redirects', kind: 'redirect' })).json()) as { result: { id: string } };
      const items = `/rules/lists/${created.result.id}/items`;

      // A target must be an absolute URL; the status one of 301, 302, 307, 308.
      expect((await api(items, 'POST', [{ redirect: { source_url: 'a.kr/', target_url: 'b.kr/' } }])).status).toBe(400);
      expect((await api(items, 'POST', [{ redirect: { source_url: 'a.kr/', target_url: 'https://b.kr/', status_code: 303 } }])).status).toBe(400);

      const first = (await (await api(items, 'POST', [{ redirect: { source_url: 'a.kr/', target_url: 'https://b.kr/' } }])).json()) as { result: { operation_id: string } };
      // One pending bulk operation per account.
      expect((await api(items, 'POST', [{ redirect: { source_url: 'c.kr/', target_url: 'https://b.kr/' } }])).status).toBe(409);
      const look = async (id: string) => ((await (await api(`/rules/lists/bulk_operations/${id}`)).json()) as { result: { status: string; error?: string } }).result;
      expect((await look(first.result.operation_id)).status).toBe('running');
      expect((await look(first.result.operation_id)).status).toBe('completed');
      // The same source URL twice: the operation fails and the list is unchanged.
      const twice = (await (await api(items, 'POST', [{ redirect: { source_url: 'a.kr/', target_url: 'https://c.kr/' } }])).json()) as { result: { operation_id: string } };
      await look(twice.result.operation_id);
      expect(await look(twice.result.operation_id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/more than once/) });
      const listed = (await (await api(`${items}?per_page=10`)).json()) as { result: { redirect: { target_url: string; status_code: number; preserve_path_suffix: boolean } }[] };
      expect(listed.result.map((i) => i.redirect)).toEqual([expect.objectContaining({ target_url: 'https://b.kr/', status_code: 301, preserve_path_suffix: true })]);

      // The phase entrypoint does not exist until a PUT makes it; its rules must name a redirect list by its key field.
      const phase = '/rulesets/phases/http_request_redirect/entrypoint';
      expect((await api(phase)).status).toBe(404);
      const rule = { action: 'redirect', expression: 'http.request.full_uri in $nope', action_parameters: { from_list: { name: 'nope', key: 'http.request.full_uri' } } };
      expect((await api(phase, 'PUT', { rules: [rule] })).status).toBe(400);
      const ok = { ...rule, expression: 'http.request.full_uri in $shop_redirects', action_parameters: { from_list: { name: 'shop_redirects', key: 'http.request.full_uri' } } };
      expect((await api(phase, 'PUT', { rules: [ok] })).status).toBe(200);
      // Defaults: the exact path only (no subpath matching), the query string dropped.
      expect(contract.request('https://a.kr/?x=1')).toMatchObject({ status: 301, location: 'https://b.kr/' });
      expect(contract.request('https://a.kr/menu').status).toBe(522);
      expect((await api(phase)).status).toBe(200);
    } finally {
      await contract.close();
    }
  });
});

describe('pagesAssetKey', () => {
  it('is blake3 over base64(body) + extension, first 32 hex characters, as wrangler computes it', () => {
    // blake3("YWJj" + "txt") — base64 of "abc" followed by the extension.
    const key = pagesAssetKey(Buffer.from('abc'), '/notes/a.txt');
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(key).not.toBe(pagesAssetKey(Buffer.from('abc'), '/notes/a.html'));
    expect(key).toBe(pagesAssetKey(Buffer.from('abc'), '/other/b.txt'));
  });
});
