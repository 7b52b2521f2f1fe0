// Opening the code editor when no host has room: the owner is told plainly, in Korean, with each
// host's reason, and nothing is started, recorded or left waiting for room. Placement reads the Proxmox cluster
// (the contract server stands in for the Proxmox API); the Docker engine is one that does not
// exist, so a refusal that reached for it would fail differently.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantWithSite } from '../buildfarm/testing.ts';
import { connect, type Sql } from '../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { createProxmoxClient } from '../proxmox/index.ts';
import { startProxmoxContractServer, type ProxmoxContractServer } from '../proxmox/testing/index.ts';
import { createSourceWorkspace, DevmodeError, openSession, type DevmodeRuntime } from './index.ts';

const GiB = 2 ** 30;
const TOKEN = 'windwalker@pve!devmode=5ec12e7';
let db: TestDatabase;
let sql: Sql;
let pve: ProxmoxContractServer;
let dataDir: string;
let tenantId: string;
let siteId: string;
const owner = { id: 'user-devmode-capacity', name: '박개발', email: 'capacity@momo.kr' };

beforeAll(async () => {
  db = await createTestDatabase();
  sql = connect(db.url, { max: 4 });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-devmode-capacity-'));
  pve = await startProxmoxContractServer({
    token: TOKEN,
    nodes: [
      // 0.5 GiB and 0.75 GiB free; a premium editor needs 1 GiB. pve2 is down.
      { name: 'pve1', cpus: 16, memTotalBytes: 32 * GiB, memUsedBytes: 31.5 * GiB, diskTotalBytes: 1000 * GiB },
      { name: 'pve2', cpus: 16, memTotalBytes: 32 * GiB, diskTotalBytes: 1000 * GiB, status: 'offline' },
      { name: 'pve3', cpus: 16, memTotalBytes: 16 * GiB, memUsedBytes: 15.25 * GiB, diskTotalBytes: 1000 * GiB },
    ],
  });
  ({ tenantId, siteId } = await createTenantWithSite(sql, { slug: 'full-cafe', siteName: '만석 카페', planCode: 'premium' }));
  await sql`insert into users (id, email, password_hash, display_name) values (${owner.id}, ${owner.email}, 'x', ${owner.name})`;
  await createSourceWorkspace(sql, { dataDir, hostName: 'pve1', tenantId, siteId, user: owner });
});
afterAll(async () => {
  await pve?.close();
  await sql?.end({ timeout: 5 });
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('opening the editor when no host has room', () => {
  it('refuses in Korean with each host’s reason, and starts, records and queues nothing', async () => {
    const rt: DevmodeRuntime = {
      sql,
      dataDir,
      installDir: path.join(dataDir, 'no-install'),
      hostName: 'pve1',
      docker: new Docker({ socketPath: path.join(dataDir, 'no-docker.sock') }),
      proxmox: createProxmoxClient({ baseUrl: pve.url, token: TOKEN }),
      idleSeconds: 1800,
    };
    const refused = await openSession(rt, { tenantId, siteId, userId: owner.id }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(DevmodeError);
    const error = refused as DevmodeError;
    expect(error.code).toBe('NO_CAPACITY');
    expect(error.message).toContain('지금은 코드 편집기(메모리 1024MB)를 열 여유가 있는 서버가 없습니다');
    expect(error.message).toContain('pve1: 남은 메모리 0.5');
    expect(error.message).toContain('pve2: 상태가 offline입니다');
    expect(error.message).toContain('pve3: 남은 메모리 0.8');
    expect(error.message).toContain('열린 편집기가 닫히면 다시 시도해 주세요. 대기열에 넣지 않았습니다.');

    // Nothing recorded or waiting (an editor waiting for room would be a 'starting' session),
    // nothing asked of Proxmox but to read the nodes.
    expect(await sql`select id from devmode_sessions where site_id = ${siteId}`).toHaveLength(0);
    expect(pve.requests.length).toBeGreaterThan(0);
    expect(pve.requests.every((r) => r.method === 'GET')).toBe(true);
    expect(await sql`select 1 from audit_log where action = 'site.devmode.session.start'`).toHaveLength(0);
  });
});
