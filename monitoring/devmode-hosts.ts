// Developer-mode capacity per agent host (issue 10 item 4, decision 145): editor sessions run on
// the hosts whose devmode agent registered in devmode_hosts, not on the monitor's own host. Every
// minute the monitor records one sample per agent host — live or not, the sessions open there,
// the memory their containers use (devmode_sessions.memory_used_bytes: the web's supervisor reads
// it from the container through the agent every pass), the memory their limits reserve, and the
// agent's own MemTotal / MemAvailable / capacity — and /ops/capacity shows the latest of each
// against the business plan's cluster targets (devSessionTarget).
import type { Sql } from "../db/index.ts";
import { devSessionTarget, type DevSessionTarget } from "./reports.ts";

/** An agent is live with a beat within this many seconds and not stopped (devmode AGENT_LIVE_SECONDS). */
export const DEVMODE_AGENT_LIVE_SECONDS = 15;
/** The cluster figure adds up the hosts' latest samples of this many minutes. */
export const DEVMODE_SAMPLE_FRESH_MINUTES = 10;

export interface DevmodeHostSample {
  host: string;
  live: boolean;
  heartbeatAt: Date;
  sessions: number;
  memoryUsedBytes: number;
  reservedBytes: number;
  memTotalBytes: number;
  memFreeBytes: number;
  capacityBytes: number;
}

const num = (x: unknown) => (x === null || x === undefined ? 0 : Number(x));

/** Every registered agent host now, with the sessions open there (a platform figure over every tenant). */
export async function sampleDevmodeHosts(
  sql: Sql
): Promise<DevmodeHostSample[]> {
  const rows = await sql`
    select h.name, h.heartbeat_at, h.mem_total_bytes, h.mem_free_bytes, h.capacity_bytes,
           h.stopped_at is null and h.heartbeat_at > now() - make_interval(secs => ${DEVMODE_AGENT_LIVE_SECONDS}) as live,
           coalesce(s.sessions, 0)::int as sessions, coalesce(s.used, 0)::bigint as used, coalesce(s.reserved, 0)::bigint as reserved
    from devmode_hosts h
    left join (select host, count(*) as sessions, sum(memory_used_bytes) as used, sum(memory_mb)::bigint * 1048576 as reserved
               from devmode_sessions where status in ('starting', 'running', 'stopping') group by host) s on s.host = h.name
    order by h.name`;
  return rows.map((r) => ({
    host: r.name as string,
    live: r.live as boolean,
    heartbeatAt: r.heartbeat_at as Date,
    sessions: num(r.sessions),
    memoryUsedBytes: num(r.used),
    reservedBytes: num(r.reserved),
    memTotalBytes: num(r.mem_total_bytes),
    memFreeBytes: num(r.mem_free_bytes),
    capacityBytes: num(r.capacity_bytes),
  }));
}

export async function recordDevmodeHostSamples(
  sql: Sql,
  samples: DevmodeHostSample[]
): Promise<void> {
  if (!samples.length) return;
  await sql`insert into devmode_host_samples ${sql(
    samples.map((s) => ({
      host: s.host,
      live: s.live,
      heartbeat_at: s.heartbeatAt,
      sessions: s.sessions,
      memory_used_bytes: s.memoryUsedBytes,
      reserved_bytes: s.reservedBytes,
      mem_total_bytes: s.memTotalBytes,
      mem_free_bytes: s.memFreeBytes,
      capacity_bytes: s.capacityBytes,
    }))
  )}`;
}

/** The monitor's minute round: one sample per agent host. */
export async function sampleAndRecordDevmodeHosts(
  sql: Sql
): Promise<DevmodeHostSample[]> {
  const samples = await sampleDevmodeHosts(sql);
  await recordDevmodeHostSamples(sql, samples);
  return samples;
}

export interface DevmodeHostNow {
  name: string;
  address: string;
  /** Live now: a beat within 15 s and not stopped. */
  live: boolean;
  stopped: boolean;
  heartbeatAt: string;
  secondsSinceBeat: number;
  /** The monitor's latest sample of this host; null before the first. */
  sample: {
    at: string;
    sessions: number;
    memoryUsedBytes: number;
    reservedBytes: number;
    memTotalBytes: number;
    memFreeBytes: number;
    capacityBytes: number;
    /** What a new session could take there: min(MemAvailable, capacity − reserved), as placement counts it. */
    roomBytes: number;
  } | null;
}

export interface DevmodeCapacity {
  hosts: DevmodeHostNow[];
  /** Agent hosts live now; the target is the business plan's for a cluster of this many. */
  liveHosts: number;
  /** Sessions and their memory in the hosts' latest samples of the last 10 minutes. */
  sessions: number;
  memoryUsedBytes: number;
  /** Capacity and room of the live hosts, at their latest sample. */
  capacityBytes: number;
  roomBytes: number;
  target: DevSessionTarget;
}

export async function devmodeCapacityNow(sql: Sql): Promise<DevmodeCapacity> {
  const rows = await sql`
    select h.name, h.address, h.heartbeat_at, h.stopped_at is not null as stopped,
           extract(epoch from now() - h.heartbeat_at)::double precision as since,
           s.at, s.sessions, s.memory_used_bytes, s.reserved_bytes, s.mem_total_bytes, s.mem_free_bytes, s.capacity_bytes,
           s.at > now() - make_interval(mins => ${DEVMODE_SAMPLE_FRESH_MINUTES}) as fresh
    from devmode_hosts h
    left join lateral (select * from devmode_host_samples where host = h.name order by at desc limit 1) s on true
    order by h.name`;
  const hosts: DevmodeHostNow[] = [];
  let liveHosts = 0;
  let sessions = 0;
  let memoryUsedBytes = 0;
  let capacityBytes = 0;
  let roomBytes = 0;
  for (const r of rows) {
    const since = num(r.since);
    const stopped = r.stopped as boolean;
    const live = !stopped && since <= DEVMODE_AGENT_LIVE_SECONDS;
    let sample: DevmodeHostNow["sample"] = null;
    if (r.at) {
      const reserved = num(r.reserved_bytes);
      const room = Math.max(
        0,
        Math.min(num(r.mem_free_bytes), num(r.capacity_bytes) - reserved)
      );
      sample = {
        at: (r.at as Date).toISOString(),
        sessions: num(r.sessions),
        memoryUsedBytes: num(r.memory_used_bytes),
        reservedBytes: reserved,
        memTotalBytes: num(r.mem_total_bytes),
        memFreeBytes: num(r.mem_free_bytes),
        capacityBytes: num(r.capacity_bytes),
        roomBytes: room,
      };
      if (r.fresh) {
        sessions += sample.sessions;
        memoryUsedBytes += sample.memoryUsedBytes;
        if (live) {
          capacityBytes += sample.capacityBytes;
          roomBytes += room;
        }
      }
    }
    if (live) liveHosts += 1;
    hosts.push({
      name: r.name as string,
      address: r.address as string,
      live,
      stopped,
      heartbeatAt: (r.heartbeat_at as Date).toISOString(),
      secondsSinceBeat: Math.round(since),
      sample,
    });
  }
  return {
    hosts,
    liveHosts,
    sessions,
    memoryUsedBytes,
    capacityBytes,
    roomBytes,
    target: devSessionTarget(liveHosts),
  };
}
