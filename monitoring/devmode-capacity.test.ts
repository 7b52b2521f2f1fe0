// Developer-mode capacity: the monitor's host sample counts the editor sessions open on its host
// and their memory, and the capacity report shows them per host and for the cluster against the
// business plan's targets (basic 1-server: 10–20 concurrent sessions; standard 3-server: 50–80).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { createHostSampler, recordHostSample } from './host-capacity.ts';
import { devSessionTarget, hostsNow, workloadNow } from './reports.ts';
import { addHost, addSite, createTenantWithSite } from './testing.ts';

const MiB = 2 ** 20;
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

/** A site in developer mode with one session in `status` on `host`. */
async function addSession(tenantId: string, slug: string, host: string, status: string, memoryUsedBytes: number | null): Promise<void> {
  const { siteId } = await addSite(db.sql, tenantId, slug, slug);
  await db.sql`insert into devmode_workspaces (site_id, tenant_id, host, base_commit) values (${siteId}, ${tenantId}, ${host}, ${'a'.repeat(40)})`;
  await db.sql`
    insert into devmode_sessions (tenant_id, site_id, host, status, memory_mb, cpus, pids, memory_used_bytes, stopped_at)
    values (${tenantId}, ${siteId}, ${host}, ${status}, 1024, 1, 256, ${memoryUsedBytes}, ${status === 'stopped' || status === 'failed' ? new Date() : null})`;
}

describe('developer sessions on the capacity view', () => {
  it('counts the open sessions and their memory per host, and for the cluster against the 3-server target', async () => {
    for (const host of ['pve1', 'pve2', 'pve3']) await addHost(db.sql, host, 16, 1_000_000);
    const a = await createTenantWithSite(db.sql, { tenant: '코드 카페', site: '카페', slug: 'cap-cafe', plan: { code: 'premium', status: 'active' } });
    const b = await createTenantWithSite(db.sql, { tenant: '에이전시', site: '에이전시', slug: 'cap-agency', plan: { code: 'enterprise', status: 'active' } });
    // pve1: two running (400 + 300 MiB) and one starting, not measured yet → 3 sessions, 700 MiB.
    await addSession(a.tenantId, 'cap-1', 'pve1', 'running', 400 * MiB);
    await addSession(b.tenantId, 'cap-2', 'pve1', 'running', 300 * MiB);
    await addSession(b.tenantId, 'cap-3', 'pve1', 'starting', null);
    // Over: not counted.
    await addSession(a.tenantId, 'cap-4', 'pve1', 'stopped', 500 * MiB);
    await addSession(b.tenantId, 'cap-5', 'pve1', 'failed', 450 * MiB);
    // pve2: one closing (still holds its memory) → 1 session, 200 MiB. pve3: none.
    await addSession(a.tenantId, 'cap-6', 'pve2', 'stopping', 200 * MiB);

    for (const host of ['pve1', 'pve2', 'pve3']) {
      const sample = await createHostSampler('.', host)(db.sql);
      await recordHostSample(db.sql, sample);
    }
    // An older pve3 sample that said 7 is not the latest.
    await db.sql`
      insert into host_samples (at, host, cpu_count, cpu_percent, load1, mem_total_bytes, mem_used_bytes, disk_total_bytes, disk_used_bytes, running_builds, queue_depth, devmode_sessions, devmode_memory_bytes)
      values (now() - interval '30 minutes', 'pve3', 16, 10, 1, ${16 * 2 ** 30}, ${2 ** 30}, ${2 ** 40}, ${2 ** 30}, 0, 0, 7, ${7 * 300 * MiB})`;

    const hosts = await hostsNow(db.sql);
    expect(hosts.map((h) => [h.name, h.devmodeSessions, h.devmodeMemoryBytes])).toEqual([
      ['pve1', 3, 700 * MiB],
      ['pve2', 1, 200 * MiB],
      ['pve3', 0, 0],
    ]);

    // Cluster: 3 + 1 + 0 = 4 sessions, 700 + 200 = 900 MiB of 3 × 16 GiB; 3 servers → 50–80.
    const workload = await workloadNow(db.sql);
    expect(workload).toMatchObject({
      onlineHosts: 3,
      devSessions: 4,
      devMemoryBytes: 900 * MiB,
      hostMemTotalBytes: 48 * 2 ** 30,
      devTarget: { min: 50, max: 80, label: '표준형 3서버 클러스터 계획: 동시 개발 50~80명' },
    });
  });

  it('leaves out a host whose latest sample is older than 10 minutes from the cluster figure', async () => {
    await db.sql`update host_samples set at = at - interval '15 minutes' where host = 'pve1'`;
    const workload = await workloadNow(db.sql);
    expect([workload.devSessions, workload.devMemoryBytes]).toEqual([1, 200 * MiB]);
    // The host table still shows pve1's last measurement (with its time).
    const pve1 = (await hostsNow(db.sql)).find((h) => h.name === 'pve1')!;
    expect([pve1.devmodeSessions, pve1.devmodeMemoryBytes]).toEqual([3, 700 * MiB]);
  });

  it('takes the targets from the business plan: 1 server 10–20, 3 servers 50–80, scaled per server between and beyond', () => {
    expect(devSessionTarget(1)).toEqual({ min: 10, max: 20, label: '기본형 1서버 계획: 동시 개발 10~20명' });
    expect(devSessionTarget(0)).toMatchObject({ min: 10, max: 20 });
    expect(devSessionTarget(2)).toMatchObject({ min: 20, max: 40 });
    expect(devSessionTarget(3)).toMatchObject({ min: 50, max: 80 });
    expect(devSessionTarget(6)).toMatchObject({ min: 100, max: 160 });
  });
});
