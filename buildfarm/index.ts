// The build farm's front door: the queue, publishing, the worker, and reading builds.
export { startQueue, BUILD_QUEUE, BUILD_DEAD_LETTER_QUEUE, buildJobSchema, type BuildJob } from './queue.ts';
export { publishSite, PublishError, type PublishResult } from './publish.ts';
export { cancelBuild, CancelBuildError, getBuild, listBuilds, listBuildLogs, type Build, type BuildLogLine } from './builds.ts';
export {
  subscribeToBuild,
  BUILD_EVENTS_CHANNEL,
  type BuildEvent,
  type BuildLogEvent,
  type BuildStatusEvent,
  type BuildStatus,
} from './build-events.ts';
export { startWorker, type BuildWorker, type WorkerOptions } from './worker.ts';
export { buildLimitsForPlan, type BuildLimits } from './plan-limits.ts';
export { dockerEngineAnswers, type ExecutorChoice, type ExecutorName } from './executors/index.ts';
export {
  getBuildFarmStatus,
  listDeadLetteredBuilds,
  rerunBuild,
  RerunBuildError,
  type BuildFarmStatus,
  type DeadLetteredBuild,
  type FarmBuild,
} from './farm-status.ts';
