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
