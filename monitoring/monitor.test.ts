import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { listProcesses } from '../db/index.ts';
import { startMonitor } from './monitor.ts';
import { latestHostSamples } from './host-capacity.ts';
import { cpuPercentBetween } from './host-capacity.ts';
import { createProxmoxClient } from '../proxmox/index.ts';
import { seoulDay } from './costs.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const errors: string[] = [];
const quiet = { info: () => {}, error: (m: string) => errors.push(m) };

describe('the monitor', () => {
  it('records this machine’s capacity and the build queue at start, and beats', async () => {
    const [tenant] = await db.sql`insert into tenants (name) values ('모니터 카페') returning id`;
    const [site] = await db.sql`
      insert into sites (tenant_id, name, slug, template, document)
      values (${tenant.id}, '카페', 'monitor-cafe', 'cafe', '{}') returning id`;
    const [version] = await db.sql`
      insert into site_versions (tenant_id, site_id, number, document, reason)
      values (${tenant.id}, ${site.id}, 1, '{}', 'publish') returning id`;
    await db.sql`
      insert into builds (tenant_id, site_id, version_id, status)
      values (${tenant.id}, ${site.id}, ${version.id}, 'queued'), (${tenant.id}, ${site.id}, ${version.id}, 'running'),
             (${tenant.id}, ${site.id}, ${version.id}, 'succeeded')`;
    await db.sql`
      insert into devmode_hosts (name, address, data_dir, pid, mem_total_bytes, mem_free_bytes, capacity_bytes)
      values ('monitor-agent', 'http://127.0.0.1:7999', '/srv/agent', 1, ${2 ** 34}, ${2 ** 33}, ${2 ** 33})`;

    const monitor = await startMonitor(db.sql, { dataDir: '.', intervalSeconds: 3600, log: quiet });
    try {
      const [sample] = await latestHostSamples(db.sql, 1);
      expect(sample.cpuCount).toBeGreaterThan(0);
      expect(sample.memTotalBytes).toBeGreaterThan(sample.memUsedBytes);
      expect(sample.memUsedBytes).toBeGreaterThan(0);
      expect(sample.diskTotalBytes).toBeGreaterThan(sample.diskUsedBytes);
      expect(sample.queueDepth).toBe(1);
      expect(sample.runningBuilds).toBe(1);
      // Each developer-mode agent host is sampled too.
      const agents = await db.sql`select host, live, sessions, capacity_bytes from devmode_host_samples`;
      expect(agents.map((a) => [a.host, a.live, a.sessions, Number(a.capacity_bytes)])).toEqual([['monitor-agent', true, 0, 2 ** 33]]);
      const processes = await listProcesses(db.sql);
      expect(processes.find((p) => p.kind === 'monitor')?.alive).toBe(true);
    } finally {
      await monitor.stop();
    }
    const after = await listProcesses(db.sql);
    expect(after.find((p) => p.kind === 'monitor')?.alive).toBe(false);
  });

  it('re-checks pending custom domains every minute and says which got connected', async () => {
    const lines: string[] = [];
    let rounds = 0;
    const monitor = await startMonitor(db.sql, {
      dataDir: '.', intervalSeconds: 3600, log: { info: (m) => lines.push(m), error: (m) => errors.push(m) },
      domainRecheck: async () => {
        rounds += 1;
        return { checked: 1, verified: ['www.monitor-cafe.kr'], failed: [] };
      },
    });
    try {
      expect(rounds).toBe(1);
      const outcomes = await monitor.runMinute();
      expect(rounds).toBe(2);
      expect(outcomes.find((o) => o.name === 'domain-recheck')).toMatchObject({ ok: true });
      expect(lines).toContain('domain-recheck: www.monitor-cafe.kr is connected');
    } finally {
      await monitor.stop();
    }
  });

  it('computes CPU use from two readings of busy and idle time', () => {
    expect(cpuPercentBetween({ idle: 100, total: 200 }, { idle: 150, total: 400 })).toBe(75);
    expect(cpuPercentBetween({ idle: 100, total: 200 }, { idle: 100, total: 200 })).toBe(0);
  });

  it('records this machine as the only host and rolls up today and yesterday at start', async () => {
    const monitor = await startMonitor(db.sql, { dataDir: '.', intervalSeconds: 3600, log: quiet });
    try {
      const before = new Date();
      const hourly = await monitor.runHourly();
      const after = new Date();
      expect(hourly.outcomes.every((o) => o.ok)).toBe(true);
      // Yesterday and today at the moment it ran: of `before`, or of `after` when midnight KST fell in between.
      const days = hourly.rollUps.map((r) => r.day);
      const at = days[1] === seoulDay(before) ? before : after;
      expect(days).toEqual([seoulDay(at, -1), seoulDay(at)]);
      const hosts = await db.sql`select source, status from hosts`;
      expect(hosts).toEqual([{ source: 'local', status: 'online' }]);
    } finally {
      await monitor.stop();
    }
  });

  it('keeps sampling when the Proxmox API cannot be reached, and logs what failed', async () => {
    errors.length = 0;
    const unreachable = createProxmoxClient({ baseUrl: 'http://127.0.0.1:9', token: 'monitor@pve!test=secret' });
    const before = (await latestHostSamples(db.sql, 1000)).length;
    const monitor = await startMonitor(db.sql, {
      dataDir: '.',
      intervalSeconds: 3600,
      proxmox: unreachable,
      autoscaling: { templateVmid: 9000, min: 1, max: 2, jobsPerWorker: 1, need: { cpus: 1, memBytes: 2 ** 30 } },
      log: quiet,
    });
    try {
      const outcomes = await monitor.runMinute();
      expect(outcomes.map((o) => [o.name, o.ok])).toEqual([
        ['host-sample', true],
        ['devmode-hosts', true],
        ['host-inventory', false],
        ['autoscaling', false],
      ]);
      expect((await latestHostSamples(db.sql, 1000)).length).toBe(before + 2); // at start and now
      expect(errors.some((e) => e.startsWith('host-inventory failed'))).toBe(true);
    } finally {
      await monitor.stop();
    }
  });
});
