// The monitor: every interval (a minute) it samples this host's capacity and each developer-mode
// agent host's sessions and memory (devmode-hosts.ts), syncs the host
// inventory (the Proxmox cluster when configured, else this machine) and runs one worker
// autoscaling round when Proxmox autoscaling is configured; every hour (and at start) it rolls
// up today's and yesterday's costs and checks the budgets. Each collector runs on its own: one
// that fails logs and the others go on.
// cdn/index.ts lost this export in the router commit (74f2732); imported from its module until it is back.
import { deleteExpiredSubmissions } from '../cdn/contact-forms.ts';
import type { FailoverRound, RecheckRound, TrafficMovesRound, UsageSyncResult } from '../cdn/index.ts';
import type { Sql } from '../db/index.ts';
import { startHeartbeat } from '../db/index.ts';
import { autoscaleWorkers, syncHosts, syncLocalHost, type ProxmoxClient, type WorkerNeed } from '../proxmox/index.ts';
import { evaluateBudgets, markCdnSwitchApplied, type CdnSwitchAdvice, type EvaluateBudgetsResult } from './budgets.ts';
import { rollUpDailyCosts, seoulDay, type RollUpResult } from './costs.ts';
import { sampleAndRecordDevmodeHosts } from './devmode-hosts.ts';
import { buildLoad, createHostSampler, recordHostSample, type HostSample } from './host-capacity.ts';

export interface MonitorAutoscaling {
  templateVmid: number;
  min: number;
  max: number;
  jobsPerWorker: number;
  need: WorkerNeed;
}

export interface MonitorOptions {
  dataDir: string;
  intervalSeconds: number;
  /** Cost roll-up and budget check period; default one hour. */
  hourlySeconds?: number;
  /** The Proxmox cluster; null or absent in embedded mode (this machine is the only host). */
  proxmox?: ProxmoxClient | null;
  /** Worker autoscaling on Proxmox; needs `proxmox`. */
  autoscaling?: MonitorAutoscaling | null;
  /** The CDN router's advice per site, for the switch alerts; absent leaves those alerts alone. */
  cdnAdvice?: () => Promise<CdnSwitchAdvice[]>;
  /**
   * The router's advice applied (cdn runTrafficMoves: moves only when ops switched traffic moves on
   * at /ops/cdn, a bounded number per round), hourly before the advice and budget check; the moved
   * sites' switch alerts are marked applied. Absent: the advice stays an alert.
   */
  cdnTrafficMoves?: () => Promise<TrafficMovesRound>;
  /** CDN provider health checks and failover (cdn runFailoverRound), every minute; absent leaves providers unwatched. */
  cdnFailover?: () => Promise<FailoverRound>;
  /** The hosted CDNs' usage of yesterday and today into cdn_usage_daily (cdn syncHostedUsage), hourly before the roll-up. */
  cdnUsageSync?: () => Promise<UsageSyncResult>;
  /** Re-check of custom domains still waiting for DNS or a certificate (cdn recheckPendingDomains), every minute. */
  domainRecheck?: () => Promise<RecheckRound>;
  /** Where the monitor's lines go; default console. */
  log?: { info(message: string): void; error(message: string): void };
}

export interface CollectorOutcome {
  name: string;
  ok: boolean;
  error?: string;
  at: Date;
}

export interface Monitor {
  /** Takes and stores one host sample now. */
  sampleNow(): Promise<HostSample>;
  /** One minute round: host sample, host inventory, autoscaling. */
  runMinute(): Promise<CollectorOutcome[]>;
  /** One hourly round: roll-up of today and yesterday, then the budget check. */
  runHourly(): Promise<{ outcomes: CollectorOutcome[]; rollUps: RollUpResult[]; budgets: EvaluateBudgetsResult | null }>;
  stop(): Promise<void>;
}

const consoleLog = {
  info: (m: string) => console.log(`[monitor] ${m}`),
  error: (m: string) => console.error(`[monitor] ${m}`),
};

export async function startMonitor(sql: Sql, options: MonitorOptions): Promise<Monitor> {
  const log = options.log ?? consoleLog;
  const sampleHost = createHostSampler(options.dataDir);
  let last: HostSample | undefined;
  let lastOutcomes: CollectorOutcome[] = [];

  async function collect<T>(name: string, run: () => Promise<T>): Promise<{ outcome: CollectorOutcome; value?: T }> {
    try {
      const value = await run();
      return { outcome: { name, ok: true, at: new Date() }, value };
    } catch (error) {
      const message = (error as Error).message;
      log.error(`${name} failed: ${message}`);
      return { outcome: { name, ok: false, error: message, at: new Date() } };
    }
  }

  const sampleNow = async () => {
    last = await sampleHost(sql);
    await recordHostSample(sql, last);
    return last;
  };

  async function runMinute(): Promise<CollectorOutcome[]> {
    const outcomes: CollectorOutcome[] = [];
    outcomes.push((await collect('host-sample', sampleNow)).outcome);
    outcomes.push((await collect('devmode-hosts', () => sampleAndRecordDevmodeHosts(sql))).outcome);
    if (options.proxmox) {
      const client = options.proxmox;
      const synced = await collect('host-inventory', () => syncHosts(sql, client));
      outcomes.push(synced.outcome);
      if (synced.value?.unreachable.length) {
        log.error(`host-inventory: unreachable nodes ${synced.value.unreachable.map((u) => `${u.node} (${u.error})`).join(', ')}`);
      }
      if (options.autoscaling) {
        const scaling = options.autoscaling;
        const round = await collect('autoscaling', async () => {
          const load = await buildLoad(sql);
          return autoscaleWorkers({ sql, client, ...scaling, load: { queueDepth: load.queueDepth, running: load.runningBuilds } });
        });
        outcomes.push(round.outcome);
        if (round.value && !round.value.skipped && round.value.decision.action !== 'hold') {
          log.info(`autoscaling ${round.value.decision.action}: ${round.value.workersBefore} → ${round.value.workersAfter} (${round.value.decision.reason})`);
        }
      }
    } else {
      outcomes.push((await collect('host-inventory', () => syncLocalHost(sql, options.dataDir))).outcome);
    }
    if (options.cdnFailover) {
      const failover = await collect('cdn-failover', options.cdnFailover);
      outcomes.push(failover.outcome);
      const round = failover.value;
      if (round?.ran) {
        for (const p of round.wentDown) log.error(`cdn-failover: ${p} is down (failed its health checks); moving its sites`);
        for (const p of round.cameUp) log.info(`cdn-failover: ${p} is up again`);
        for (const m of round.moved) log.info(`cdn-failover: site ${m.siteId} ${m.from} → ${m.to} (${m.kind})`);
        for (const f of round.failed) log.error(`cdn-failover: site ${f.siteId} could not leave ${f.from}: ${f.error}`);
      }
    }
    if (options.domainRecheck) {
      const recheck = await collect('domain-recheck', options.domainRecheck);
      outcomes.push(recheck.outcome);
      for (const hostname of recheck.value?.verified ?? []) log.info(`domain-recheck: ${hostname} is connected`);
      for (const f of recheck.value?.failed ?? []) log.error(`domain-recheck: ${f.hostname}: ${f.error}`);
    }
    lastOutcomes = outcomes;
    return outcomes;
  }

  async function runHourly() {
    const outcomes: CollectorOutcome[] = [];
    const rollUps: RollUpResult[] = [];
    // Hosted CDN usage first, so the roll-up prices today's requests and bytes.
    if (options.cdnUsageSync) {
      const synced = await collect('cdn-usage-sync', options.cdnUsageSync);
      outcomes.push(synced.outcome);
      const failed = synced.value?.outcomes.filter((o) => o.status === 'failed') ?? [];
      if (failed.length) log.error(`cdn-usage-sync: ${failed.length} site(s) failed: ${failed.slice(0, 3).map((o) => `${o.provider} ${o.siteId}: ${o.detail}`).join('; ')}`);
    }
    // Yesterday and today of one instant: two clock reads straddling midnight KST gave the day
    // before yesterday and tomorrow, and the day that had just ended missed its final roll-up.
    const now = new Date();
    for (const day of [seoulDay(now, -1), seoulDay(now)]) {
      const r = await collect(`cost-roll-up ${day}`, () => rollUpDailyCosts(sql, day));
      outcomes.push(r.outcome);
      if (r.value) {
        rollUps.push(r.value);
        if (r.value.unpricedModels.length) log.error(`cost-roll-up ${day}: no price for LLM models ${r.value.unpricedModels.join(', ')} — add them to llm_prices`);
        if (r.value.unpricedProviders.length) log.error(`cost-roll-up ${day}: no price for CDN providers ${r.value.unpricedProviders.join(', ')} — add them to cdn_prices`);
      }
    }
    // Traffic moves before the advice, so the advice (and its alerts) reflects where sites are now.
    if (options.cdnTrafficMoves) {
      const moves = await collect('cdn-traffic-moves', options.cdnTrafficMoves);
      outcomes.push(moves.outcome);
      const round = moves.value;
      if (round?.ran && round.enabled) {
        for (const m of round.moved) log.info(`cdn-traffic-moves: site ${m.siteId} ${m.from} → ${m.to} (${m.reason})`);
        for (const f of round.failed) log.error(`cdn-traffic-moves: site ${f.siteId} could not move ${f.from} → ${f.to}: ${f.error}`);
        const limited = round.skipped.filter((k) => k.why === 'round_limit').length;
        if (limited) log.info(`cdn-traffic-moves: ${limited} more site(s) wait for the next round (per-round limit)`);
        if (round.moved.length) outcomes.push((await collect('cdn-switch-applied', () => markCdnSwitchApplied(sql, round.moved))).outcome);
      }
    }
    let advice: CdnSwitchAdvice[] | undefined;
    if (options.cdnAdvice) {
      const a = await collect('cdn-advice', options.cdnAdvice);
      outcomes.push(a.outcome);
      advice = a.value;
    }
    // Contact-form submissions past the retention period the form promised (개인정보 보호법 제21조).
    outcomes.push((await collect('expired-submissions', () => deleteExpiredSubmissions(sql))).outcome);
    const b = await collect('budgets', () => evaluateBudgets(sql, { cdnAdvice: advice }));
    outcomes.push(b.outcome);
    if (b.value && (b.value.fired.length || b.value.cleared.length)) {
      log.info(`budgets: ${b.value.fired.length} alert(s) fired, ${b.value.cleared.length} cleared`);
    }
    return { outcomes, rollUps, budgets: b.value ?? null };
  }

  const heartbeat = await startHeartbeat(sql, {
    kind: 'monitor',
    info: () => ({
      ...(last ? { cpuPercent: last.cpuPercent, queueDepth: last.queueDepth, runningBuilds: last.runningBuilds } : {}),
      failing: lastOutcomes.filter((o) => !o.ok).map((o) => o.name),
    }),
  });

  await runMinute();
  let stopped = false;
  let hourlyRunning: Promise<unknown> | null = runHourly().finally(() => (hourlyRunning = null));
  let minuteRunning: Promise<unknown> | null = null;
  const minuteTimer = setInterval(() => {
    if (minuteRunning || stopped) return; // the previous round is still going
    minuteRunning = runMinute().finally(() => (minuteRunning = null));
  }, options.intervalSeconds * 1000);
  const hourlyTimer = setInterval(() => {
    if (hourlyRunning || stopped) return;
    hourlyRunning = runHourly().finally(() => (hourlyRunning = null));
  }, (options.hourlySeconds ?? 3600) * 1000);

  return {
    sampleNow,
    runMinute,
    runHourly,
    async stop() {
      stopped = true;
      clearInterval(minuteTimer);
      clearInterval(hourlyTimer);
      await Promise.allSettled([minuteRunning, hourlyRunning]);
      await heartbeat.stop();
    },
  };
}
