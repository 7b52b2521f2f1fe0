// Developer-mode capacity per agent host (decision 145): the monitor samples every host in
// devmode_hosts — live or not, the sessions open there and the memory their containers use,
// what their limits reserve, the agent's free memory and capacity — and the capacity report adds
// up the hosts' latest samples against the business plan's targets (basic 1-server: 10–20
// concurrent sessions; standard 3-server: 50–80).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { AGENT_LIVE_SECONDS } from '../devmode/sessions.ts';
import { DEVMODE_AGENT_LIVE_SECONDS, devmodeCapacityNow, sampleAndRecordDevmodeHosts, sampleDevmodeHosts } from './devmode-hosts.ts';
import { devSessionTarget } from './reports.ts';
import { addSite, createTenantWithSite } from './testing.ts';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

/** An agent host that last beat `ago` seconds back. */
async function addAgent(name: string, ago: number, free: number, capacity: number, stopped = false): Promise<void> {
  await db.sql`
    insert into devmode_hosts (name, address, data_dir, pid, mem_total_bytes, mem_free_bytes, capacity_bytes, heartbeat_at, stopped_at)
    values (${name}, ${`http://127.0.0.1:${7000 + name.length}`}, ${`/srv/${name}`}, 4242, ${16 * GiB}, ${free}, ${capacity},
            now() - make_interval(secs => ${ago}), ${stopped ? new Date() : null})`;
}

/** A site in developer mode with one session in `status` on `host`, its limit `limitMb`. */
async function addSession(tenantId: string, slug: string, host: string, status: string, memoryUsedBytes: number | null, limitMb = 1024): Promise<void> {
  const { siteId } = await addSite(db.sql, tenantId, slug, slug);
  await db.sql`insert into devmode_workspaces (site_id, tenant_id, host, base_commit) values (${siteId}, ${tenantId}, 'web-1', ${'a'.repeat(40)})`;
  await db.sql`
    insert into devmode_sessions (tenant_id, site_id, host, status, memory_mb, cpus, pids, memory_used_bytes, stopped_at)
    values (${tenantId}, ${siteId}, ${host}, ${status}, ${limitMb}, 1, 256, ${memoryUsedBytes}, ${status === 'stopped' || status === 'failed' ? new Date() : null})`;
}

describe('developer sessions per agent host', () => {
  it('samples every agent host: live or not, its open sessions, their memory and reservations, its free memory and capacity', async () => {
    await addAgent('wk1', 2, 10 * GiB, 14 * GiB);
    await addAgent('wk2', 4, 3 * GiB, 14 * GiB);
    await addAgent('wk3', 1, 12 * GiB, 14 * GiB);
    await addAgent('wk-gone', 120, 8 * GiB, 14 * GiB);
    await addAgent('wk-off', 1, 8 * GiB, 14 * GiB, true);
    const a = await createTenantWithSite(db.sql, { tenant: '코드 카페', site: '카페', slug: 'cap-cafe', plan: { code: 'premium', status: 'active' } });
    const b = await createTenantWithSite(db.sql, { tenant: '에이전시', site: '에이전시', slug: 'cap-agency', plan: { code: 'enterprise', status: 'active' } });
    // wk1: two running (400 + 300 MiB) and one starting, not measured yet → 3 sessions, 700 MiB, 3 × 1 GiB reserved.
    await addSession(a.tenantId, 'cap-1', 'wk1', 'running', 400 * MiB);
    await addSession(b.tenantId, 'cap-2', 'wk1', 'running', 300 * MiB);
    await addSession(b.tenantId, 'cap-3', 'wk1', 'starting', null);
    // Over: not counted.
    await addSession(a.tenantId, 'cap-4', 'wk1', 'stopped', 500 * MiB);
    await addSession(b.tenantId, 'cap-5', 'wk1', 'failed', 450 * MiB);
    // wk2: one closing (still holds its memory) with a 2 GiB limit. wk3: none. wk-gone: one the web has not closed yet.
    await addSession(a.tenantId, 'cap-6', 'wk2', 'stopping', 200 * MiB, 2048);
    await addSession(b.tenantId, 'cap-7', 'wk-gone', 'running', 250 * MiB);

    const samples = await sampleDevmodeHosts(db.sql);
    expect(samples.map((s) => [s.host, s.live, s.sessions, s.memoryUsedBytes, s.reservedBytes, s.memFreeBytes, s.capacityBytes])).toEqual([
      ['wk-gone', false, 1, 250 * MiB, 1 * GiB, 8 * GiB, 14 * GiB],
      ['wk-off', false, 0, 0, 0, 8 * GiB, 14 * GiB],
      ['wk1', true, 3, 700 * MiB, 3 * GiB, 10 * GiB, 14 * GiB],
      ['wk2', true, 1, 200 * MiB, 2 * GiB, 3 * GiB, 14 * GiB],
      ['wk3', true, 0, 0, 0, 12 * GiB, 14 * GiB],
    ]);
    expect(samples.every((s) => s.memTotalBytes === 16 * GiB)).toBe(true);
  });

  it('shows each host’s latest sample and adds up the cluster against the 3-server target (live hosts only for capacity)', async () => {
    // An older wk3 sample that said 7 sessions is not the latest.
    await db.sql`
      insert into devmode_host_samples (at, host, live, heartbeat_at, sessions, memory_used_bytes, reserved_bytes, mem_total_bytes, mem_free_bytes, capacity_bytes)
      values (now() - interval '30 minutes', 'wk3', true, now() - interval '30 minutes', 7, ${7 * 300 * MiB}, ${7 * GiB}, ${16 * GiB}, ${5 * GiB}, ${14 * GiB})`;
    await sampleAndRecordDevmodeHosts(db.sql);
    const capacity = await devmodeCapacityNow(db.sql);
    expect(capacity.hosts.map((h) => [h.name, h.live, h.stopped, h.sample?.sessions, h.sample?.memoryUsedBytes, h.sample?.roomBytes])).toEqual([
      ['wk-gone', false, false, 1, 250 * MiB, 8 * GiB],
      ['wk-off', false, true, 0, 0, 8 * GiB],
      // room = min(MemAvailable, capacity − reserved): min(10, 14 − 3) = 10 GiB; min(3, 14 − 2) = 3 GiB; min(12, 14) = 12 GiB.
      ['wk1', true, false, 3, 700 * MiB, 10 * GiB],
      ['wk2', true, false, 1, 200 * MiB, 3 * GiB],
      ['wk3', true, false, 0, 0, 12 * GiB],
    ]);
    expect(capacity.hosts.find((h) => h.name === 'wk-gone')!.secondsSinceBeat).toBeGreaterThanOrEqual(120);
    expect(capacity.hosts.find((h) => h.name === 'wk1')!.address).toBe('http://127.0.0.1:7003');
    // Sessions: every fresh sample (the dead host's session is still open): 3 + 1 + 0 + 1 = 5, 1150 MiB.
    // Capacity and room: the 3 live hosts only: 42 GiB, 10 + 3 + 12 = 25 GiB. 3 live hosts → 50–80.
    expect(capacity).toMatchObject({
      liveHosts: 3,
      sessions: 5,
      memoryUsedBytes: 1150 * MiB,
      capacityBytes: 42 * GiB,
      roomBytes: 25 * GiB,
      target: { min: 50, max: 80, label: '표준형 3서버 클러스터 계획: 동시 개발 50~80명' },
    });
  });

  it('leaves a host whose latest sample is older than 10 minutes out of the cluster figure, and still shows it', async () => {
    await db.sql`update devmode_host_samples set at = at - interval '15 minutes' where host = 'wk1'`;
    const capacity = await devmodeCapacityNow(db.sql);
    expect([capacity.sessions, capacity.memoryUsedBytes, capacity.capacityBytes]).toEqual([2, 450 * MiB, 28 * GiB]);
    expect(capacity.hosts.find((h) => h.name === 'wk1')!.sample).toMatchObject({ sessions: 3, memoryUsedBytes: 700 * MiB });
  });

  it('counts a host live as placement does', () => {
    expect(DEVMODE_AGENT_LIVE_SECONDS).toBe(AGENT_LIVE_SECONDS);
  });

  it('takes the targets from the business plan: 1 server 10–20, 3 servers 50–80, scaled per server between and beyond', () => {
    expect(devSessionTarget(1)).toEqual({ min: 10, max: 20, label: '기본형 1서버 계획: 동시 개발 10~20명' });
    expect(devSessionTarget(0)).toMatchObject({ min: 10, max: 20 });
    expect(devSessionTarget(2)).toMatchObject({ min: 20, max: 40 });
    expect(devSessionTarget(3)).toMatchObject({ min: 50, max: 80 });
    expect(devSessionTarget(6)).toMatchObject({ min: 100, max: 160 });
  });
});
