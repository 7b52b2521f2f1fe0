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

describe('pagesAssetKey', () => {
  it('is blake3 over base64(body) + extension, first 32 hex characters, as wrangler computes it', () => {
    // blake3("YWJj" + "txt") — base64 of "abc" followed by the extension.
    const key = pagesAssetKey(Buffer.from('abc'), '/notes/a.txt');
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(key).not.toBe(pagesAssetKey(Buffer.from('abc'), '/notes/a.html'));
    expect(key).toBe(pagesAssetKey(Buffer.from('abc'), '/other/b.txt'));
  });
});
