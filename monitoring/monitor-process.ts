// Entry for `npm run start:monitor`: every MONITOR_INTERVAL_SECONDS a host sample, the host
// inventory (Proxmox when PROXMOX_URL/PROXMOX_TOKEN are set, else this machine) and, with
// PROXMOX_WORKER_TEMPLATE_VMID, one worker autoscaling round; every hour and at start the cost
// roll-up of today and yesterday and the budget check.
import { env } from '../config/env.ts';
import { connect, migrate, resolveDatabaseUrl } from '../db/index.ts';
import { createProviders, eligibleProviderNames, recheckPendingDomains, runFailoverRound, runTrafficMoves, seoulDate, syncHostedUsage } from '../cdn/index.ts';
import { proxmoxClientFromEnv } from '../proxmox/index.ts';
import { cdnSwitchAdvice } from './cdn-advice.ts';
import { startMonitor, type MonitorAutoscaling } from './monitor.ts';

const config = env();
const sql = connect(await resolveDatabaseUrl(), { max: 3, applicationName: 'windwalker-monitor' });
await migrate(sql);
const proxmox = proxmoxClientFromEnv(config);
// Build workers: a container of 2 CPUs and 2 GiB running two builds at once (the worker's
// default concurrency), between one worker and six (two per server of the 3-server standard cluster).
const autoscaling: MonitorAutoscaling | null =
  proxmox && config.PROXMOX_WORKER_TEMPLATE_VMID
    ? { templateVmid: config.PROXMOX_WORKER_TEMPLATE_VMID, min: 1, max: 6, jobsPerWorker: 2, need: { cpus: 2, memBytes: 2 * 2 ** 30 } }
    : null;
// The CDN providers this installation has credentials for: health checks and failover every
// minute, their usage of yesterday and today every hour.
const providers = createProviders(sql, { dataDir: config.dataDir, config });
const monitor = await startMonitor(sql, {
  dataDir: config.dataDir,
  intervalSeconds: config.MONITOR_INTERVAL_SECONDS,
  proxmox,
  autoscaling,
  cdnAdvice: () => cdnSwitchAdvice(sql, eligibleProviderNames(config)),
  cdnFailover: () => runFailoverRound(sql, { providers, dataDir: config.dataDir }),
  cdnTrafficMoves: () => runTrafficMoves(sql, { providers, dataDir: config.dataDir }),
  cdnUsageSync: () => syncHostedUsage(sql, { providers, days: [seoulDate(new Date(), -1), seoulDate()] }),
  domainRecheck: () => recheckPendingDomains(sql, providers),
});
console.log(
  `[monitor] every ${config.MONITOR_INTERVAL_SECONDS}s: host sample, ${proxmox ? 'Proxmox host sync' : 'this machine as the only host'}` +
    `${autoscaling ? ', worker autoscaling' : ''}; hourly: cost roll-up and budgets`,
);

async function shutdown() {
  await monitor.stop();
  await sql.end({ timeout: 5 });
  process.exit(0);
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
