// monitoring/: host capacity, the cost model (daily roll-ups, revenue, margin), the business
// plan's scenario tables, budgets and alerts, and the monitor process that runs them.
export { startMonitor, type Monitor, type MonitorOptions, type MonitorAutoscaling, type CollectorOutcome } from './monitor.ts';
export { devmodeCapacityNow, sampleDevmodeHosts, recordDevmodeHostSamples, sampleAndRecordDevmodeHosts, DEVMODE_AGENT_LIVE_SECONDS, type DevmodeCapacity, type DevmodeHostNow, type DevmodeHostSample } from './devmode-hosts.ts';
export { latestHostSamples, buildLoad, type HostSample, type StoredHostSample } from './host-capacity.ts';
export { rollUpDailyCosts, allocateCore, daysInMonth, seoulDay, COST_SOURCES, type CostSource, type CostRow, type RollUpResult } from './costs.ts';
export { mrrByPlan, type MrrByPlan } from './revenue.ts';
export { listHostCosts, setHostCostParts, HostCostInputError, type HostCost } from './host-costs.ts';
export { cdnSwitchAdvice } from './cdn-advice.ts';
export { dailyCdnCost } from './cdn-pricing.ts';
export {
  cdnRouterSavings,
  computeCdnSavings,
  SAVINGS_BASELINE_PROVIDER,
  SAVINGS_BASELINE_LABEL,
  type CdnSavings,
  type CdnSavingsMonth,
  type SingleProviderCost,
  type SavingsUsageRow,
} from './cdn-savings.ts';
export {
  scenarioTables,
  computeScenarios,
  loadScenarioInputs,
  listAssumptions,
  updateAssumption,
  SCENARIO_CONCURRENT_USERS,
  ASSUMPTION_KEYS,
  type Assumption,
  type AssumptionKey,
  type ScenarioInputs,
  type ScenarioFigure,
  type ScenarioRow,
  type ScenarioMoney,
  type Architecture,
} from './scenarios.ts';
export {
  createBudget,
  listBudgets,
  setBudgetEnabled,
  deleteBudget,
  evaluateBudgets,
  markCdnSwitchApplied,
  listAlerts,
  listAlertDeliveries,
  busiestHostUse,
  signWebhook,
  BudgetInputError,
  METRIC_LABELS,
  SCOPE_LABELS,
  type Budget,
  type BudgetScope,
  type BudgetMetric,
  type AlertChannel,
  type Alert,
  type NewBudget,
  type CdnSwitchAdvice,
  type AppliedCdnMove,
  type EvaluateBudgetsOptions,
  type EvaluateBudgetsResult,
} from './budgets.ts';
export {
  costAndRevenueByDay,
  marginBySite,
  marginByTenant,
  marginByPlan,
  cdnProviderMix,
  hostsNow,
  capacityOverTime,
  workloadNow,
  loadtestRuns,
  type DayRange,
  type CostByDay,
  type MarginRow,
  type ProviderMixRow,
  type HostNow,
  type CapacityPoint,
  type WorkloadNow,
  type LoadtestPoint,
} from './reports.ts';
// The autoscaler's record, for the capacity view (web reaches proxmox/ through monitoring/).
export { listWorkerScalingEvents, type WorkerScalingEvent } from '../proxmox/index.ts';
