// The build worker: takes build jobs from pg-boss, renders each build's site version through
// an executor (a container or a child process), deploys the files and switches the site live.
//
// The builds table, not the job, is the truth about a build. Every step checks it first, so a
// job delivered twice, a job retried after a crash and a build cancelled mid-way all end in
// one well-defined state, and a build that does not succeed never touches the live site.
import os from 'node:os';
import { createHash, randomBytes } from 'node:crypto';
import type PgBoss from 'pg-boss';
import {
  activateDeploymentInTransaction, insertDeploymentInTransaction, storeDeploymentFiles, touchStoredObjectsSoon, type StoredDeployment,
} from '../cdn/deployments.ts';
import {
  activatePlacedWithDomains, CdnError, createProviders, deploySite, placeDeployment, PROVIDER_LABELS, recordDeployFallback, siteUrl,
  type CdnProvider, type PlacedDeployment, type ProviderName,
} from '../cdn/index.ts';
import { startHeartbeat, withTenant, type Sql, type TransactionSql } from '../db/index.ts';
import {
  collectAssetIds, planSiteRender, validateSiteDocumentReusing,
  type PageHashes, type PlannedOutput, type ValidatedBefore, type RenderedFile, type SiteAsset, type SiteDocument, type SiteDocumentError,
} from '../site/index.ts';
import {
  announceBuildStatus, appendBuildLog, appendBuildLogs, BUILD_CANCEL_CHANNEL, BUILD_QUEUED_CHANNEL, updateBuildAndAnnounce, type LogLevel,
} from './build-events.ts';
import {
  BuildCancelledError,
  BuildContentError,
  prepareExecutor,
  type ExecutorChoice,
  type ExecutorName,
  type RenderInput,
  type WarmPoolStatus,
} from './executors/index.ts';
import { buildLimitsForPlan, type BuildLimits } from './plan-limits.ts';
import { enqueueBuild } from './publish.ts';
import { findCachedOutputs, forgetSiteCache, rememberOutputs, renderCacheKey, sha256Hex, type CachedOutput } from './render-cache.ts';
import { sourceBuildOutputs } from './source-build.ts';
import { BUILD_DEAD_LETTER_QUEUE, BUILD_QUEUE, buildJobSchema, type BuildJob } from './queue.ts';

export interface WorkerOptions {
  sql: Sql;
  boss: PgBoss;
  databaseUrl: string;
  dataDir: string;
  executor?: ExecutorChoice;
  /** Builds this worker runs at once; default: one per CPU, at most 8. */
  concurrency?: number;
  /** Holds each render this long (tests and the bench use it to watch a running build). */
  slowRenderMs?: number;
  /** How often this worker looks for builds stranded by a dead worker or a lost job. */
  recoveryIntervalMs?: number;
  /** A worker whose heartbeat (every 5 s) is older than this is taken for dead. Default 20. */
  deadWorkerAfterSeconds?: number;
  /**
   * The CDN providers a build may go to (the site's own, and the next cheapest when that one is
   * down or refuses the deploy). Default: those configured in the environment (cdn createProviders).
   */
  providers?: Map<ProviderName, CdnProvider>;
  /**
   * Docker executor: containers started ahead of the builds that take them (decision 121).
   * Default: one per build slot, at most 4; 0 starts every build's container when it begins.
   */
  warmContainers?: number;
}

export interface BuildWorker {
  id: string;
  executor: ExecutorName;
  concurrency: number;
  /** The docker executor's warm containers; null with the process executor. */
  warmPool(): WarmPoolStatus | null;
  /** Stops taking jobs and waits (up to `timeoutMs`) for the running builds to finish. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

/** A worker whose heartbeat is older than this is taken for dead; its builds are taken over. */
const DEFAULT_DEAD_WORKER_AFTER_SECONDS = 20;
/** A queued build with no job this long (its publisher died before sending) gets one. */
const ORPHANED_QUEUED_BUILD_SECONDS = 30;
/** How long a build waits before it tries again when its site or tenant is busy. */
const DEFER_SECONDS = 1;

/** Sites whose last validated document a worker keeps (a 50-page site's is well under 1 MB). */
const VALIDATED_SITES_KEPT = 16;

/** Warm containers a worker keeps by default (each idle one holds a loaded renderer, ~40 MB). */
const MAX_DEFAULT_WARM_CONTAINERS = 4;

class BuildNoLongerRunning extends Error {}

/** A line the renderer printed, as a build log line. */
interface OutputLine {
  stage: string;
  level: LogLevel;
  message: string;
}

/**
 * Renderer output is written to the build log this long after it is printed (several lines in
 * one transaction); what is left when the render ends goes into the upload stage's transaction,
 * so a short render adds no transaction of its own, and a long one still streams its output.
 */
const OUTPUT_FLUSH_MS = 250;

/**
 * The upload stage (its progress and its line, with renderer output not yet in the log) is
 * written when the upload and placement take longer than this; a quicker build (a one-page
 * edit) writes it in the switch's transaction instead of a transaction of its own.
 */
const UPLOAD_STAGE_AFTER_MS = 250;

/**
 * The limits of the plans whose builds the farm ran most in the last week (platform-wide, plan
 * codes only): what a starting worker warms containers for before its first build asks.
 */
async function recentBuildLimits(sql: Sql): Promise<BuildLimits[]> {
  const rows = await sql<{ plan_code: string }[]>`
    select t.plan_code from builds b join tenants t on t.id = b.tenant_id
    where b.queued_at > now() - interval '7 days'
    group by t.plan_code order by count(*) desc limit ${MAX_DEFAULT_WARM_CONTAINERS}`;
  return (rows.length ? rows.map((r) => r.plan_code) : ['trial']).map(buildLimitsForPlan);
}

/** An image of the site (an original or one of its resized variants), without its bytes. */
interface AssetRow {
  id: string;
  parent_id: string | null;
  file_name: string;
  content_type: string;
  width: number | null;
  height: number | null;
  sha256: string;
}

/** The site a build publishes: its validated document, its images (without bytes) and where it is served. */
interface BuiltSite {
  document: SiteDocument;
  assets: AssetRow[];
  siteUrl: string;
  hostingProvider: string;
}

/** One output of a build and its build cache key. */
interface PlannedEntry {
  output: PlannedOutput;
  key: string;
}

/**
 * What a claimed build publishes, worked out in the claim's transaction: the document checked
 * (or why it is not valid), its images, its outputs and the build cache entries among their
 * keys. A developer-mode build (a source snapshot) plans no outputs.
 */
type PreparedBuild =
  | { ok: false; errors: SiteDocumentError[] }
  | {
      ok: true; document: SiteDocument; built: BuiltSite; planned: PlannedEntry[] | null; cached: Map<string, CachedOutput>;
      /** The document handed to the executor's preload is exactly the validated one (it need not be sent again). */
      documentAsPreloaded: boolean;
    };

export async function startWorker(opts: WorkerOptions): Promise<BuildWorker> {
  const { sql, boss, dataDir } = opts;
  const providers = opts.providers ?? createProviders(sql, { dataDir });
  const concurrency = opts.concurrency ?? Math.max(1, Math.min(8, os.cpus().length));
  const warmContainers = opts.warmContainers ?? Math.min(concurrency, MAX_DEFAULT_WARM_CONTAINERS);
  const executor = await prepareExecutor(opts.executor ?? 'auto', {
    dataDir,
    warmContainers,
    warmProfiles: warmContainers > 0 && opts.executor !== 'process' ? await recentBuildLimits(sql) : [],
  });
  const workerId = `worker:${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const running = new Map<string, AbortController>();
  let stopped = false;
  const deadAfterSeconds = opts.deadWorkerAfterSeconds ?? DEFAULT_DEAD_WORKER_AFTER_SECONDS;

  const heartbeat = await startHeartbeat(sql, {
    kind: 'worker',
    id: workerId,
    executor: executor.name,
    capacity: concurrency,
    info: () => {
      const warm = executor.warmPoolStatus?.();
      return { running: running.size, builds: [...running.keys()], ...(warm ? { warmContainers: warm.idle.length, warmPoolSize: warm.size } : {}) };
    },
  });

  // Cancel reaches whichever worker runs the build: every worker listens, the one that has it
  // aborts, which kills the container or process at once.
  const cancelListener = await sql.listen(BUILD_CANCEL_CHANNEL, (buildId) => {
    running.get(buildId)?.abort();
  });

  const log = (tenantId: string, buildId: string, stage: string | null, message: string, level: LogLevel = 'info') =>
    withTenant(sql, tenantId, (tx) => appendBuildLog(tx, { tenantId, buildId, stage, message, level }));

  /**
   * Moves a running build on (stage, progress), only while it is still ours and running.
   * `earlier`: log lines of the stage before (renderer output not yet written), stored first.
   */
  const advance = async (job: BuildJob, stage: string, progress: number, message?: string, earlier: OutputLine[] = []) => {
    await withTenant(sql, job.tenantId, async (tx) => {
      const moved = await tx`
        update builds set stage = ${stage}, progress = ${progress}
        where id = ${job.buildId} and status = 'running' and worker_id = ${workerId}`;
      if (moved.count === 0) throw new BuildNoLongerRunning();
      // Sent together, run in this order (each starts when called).
      await Promise.all([
        ...earlier.map((line) => appendBuildLog(tx, { tenantId: job.tenantId, buildId: job.buildId, ...line })),
        ...(message ? [appendBuildLog(tx, { tenantId: job.tenantId, buildId: job.buildId, stage, message })] : []),
        announceBuildStatus(tx, job.buildId),
      ]);
    });
  };

  const workerAlive = async (id: string | null): Promise<boolean> => {
    if (!id) return false;
    const [row] = await sql<{ alive: boolean }[]>`
      select (stopped_at is null and last_seen_at > now() - make_interval(secs => ${deadAfterSeconds})) as alive
      from process_heartbeats where id = ${id}`;
    return row?.alive ?? false;
  };

  type Claim =
    | { outcome: 'skip'; reason: string }
    | { outcome: 'defer'; priority: number }
    | {
        outcome: 'run'; versionId: string; slug: string; provider: string; planCode: string; attempt: number;
        /** The site served a deployment when the build was claimed. */
        live: boolean;
        sourceSnapshotId: string | null;
        /** The version, read, checked and planned in the claim's transaction. */
        prepared: PreparedBuild;
      };

  /**
   * The last document this worker validated for each of the sites it built most recently (at
   * most VALIDATED_SITES_KEPT): the next build of the site validates only the pages that changed.
   */
  const validatedBefore = new Map<string, ValidatedBefore>();
  const rememberValidated = (siteId: string, validated: ValidatedBefore) => {
    validatedBefore.delete(siteId);
    validatedBefore.set(siteId, validated);
    for (const oldest of validatedBefore.keys()) {
      if (validatedBefore.size <= VALIDATED_SITES_KEPT) break;
      validatedBefore.delete(oldest);
    }
  };

  /** The input hashes of the pages of those documents: an unchanged page is not written out and hashed again. */
  const pageHashes: PageHashes = new WeakMap();

  const planOutputs = (built: BuiltSite): PlannedEntry[] => {
    const originals = built.assets.filter((a) => a.parent_id === null);
    // Planning needs what the markup shows (names, sizes, hashes), never the bytes.
    const planAssets = new Map(
      originals.map((a) => [a.id, {
        id: a.id, fileName: a.file_name, contentType: a.content_type, width: a.width, height: a.height, sha256: a.sha256, data: Buffer.alloc(0),
        variants: built.assets.filter((v) => v.parent_id === a.id).map((v) => ({
          width: v.width ?? 0, height: v.height ?? 0, contentType: v.content_type, fileName: v.file_name, sha256: v.sha256, data: Buffer.alloc(0),
        })),
      } as SiteAsset]),
    );
    return planSiteRender(built.document, { siteUrl: built.siteUrl, hostingProvider: built.hostingProvider, assets: planAssets, sha256Hex, pageHashes })
      .map((output) => ({ output, key: renderCacheKey(executor.rendererVersion, output.inputHash) }));
  };

  /**
   * Checks the claimed version's document, reads its images' rows (without bytes), plans its
   * outputs and looks them up in the build cache, inside the claim's transaction (decision 141).
   */
  const prepareBuild = async (
    tx: TransactionSql, job: BuildJob, document: unknown,
    site: { slug: string; provider: string; sourceSnapshotId: string | null; preloaded: boolean },
  ): Promise<PreparedBuild> => {
    const validated = validateSiteDocumentReusing(document, validatedBefore.get(job.siteId) ?? null);
    if (!validated.ok) return { ok: false, errors: validated.errors };
    rememberValidated(job.siteId, { input: document as ValidatedBefore['input'], document: validated.document, pagesAsInput: validated.pagesAsInput });
    // A document saved by the builder was validated then, so validating it again changes nothing
    // (no default filled in, no unknown field dropped) and the preloaded copy can be rendered as is.
    const documentAsPreloaded = site.preloaded && validated.asInput;
    const ids = collectAssetIds(validated.document);
    // Originals the document names, and their resized variants (parent_id) for <picture>;
    // their bytes are read later, only for the files this build renders.
    const assets = ids.length
      ? await tx<AssetRow[]>`
          select id, parent_id, file_name, content_type, width, height, sha256 from assets
          where site_id = ${job.siteId} and (id in ${tx(ids)} or parent_id in ${tx(ids)})
          order by variant_width nulls first, content_type`
      : [];
    const built: BuiltSite = { document: validated.document, assets, siteUrl: siteUrl(site.slug), hostingProvider: site.provider };
    // Developer mode: a source snapshot's files are published instead of a render.
    if (site.sourceSnapshotId) return { ok: true, document: validated.document, built, planned: null, cached: new Map(), documentAsPreloaded };
    const planned = planOutputs(built);
    const cached = await findCachedOutputs(tx, { siteId: job.siteId, keys: planned.map((entry) => entry.key) });
    return { ok: true, document: validated.document, built, planned, cached, documentAsPreloaded };
  };

  /**
   * Claims a build for this worker. A queued build (the usual case) takes one transaction. A
   * build already running is taken over only when its worker is this one without it running
   * here (a redelivered job) or a worker that stopped heartbeating: the first transaction
   * reports who runs it, liveness is checked outside any lock, and a second transaction takes
   * it over only if the same worker still holds it.
   */
  const claim = async (job: BuildJob, buildEnded: Promise<void>): Promise<Claim> => {
    const first = await claimTransaction(job, undefined, buildEnded);
    if (first.outcome !== 'running') return first;
    if (running.has(job.buildId)) return { outcome: 'skip', reason: 'already running here' };
    if (first.workerId !== workerId && (await workerAlive(first.workerId))) {
      return { outcome: 'skip', reason: `running on live worker ${first.workerId}` };
    }
    const second = await claimTransaction(job, first.workerId, buildEnded);
    return second.outcome === 'running' ? { outcome: 'skip', reason: 'taken over by another worker' } : second;
  };

  /**
   * `runningOn`: undefined → a running build is not taken, only reported ('running'); a worker
   * id (or null) → a running build held by exactly that worker is taken over. `buildEnded`: when
   * the build claimed here ends (the executor's preload keeps the build's container until then).
   */
  const claimTransaction = async (
    job: BuildJob, runningOn: string | null | undefined, buildEnded: Promise<void>,
  ): Promise<Claim | { outcome: 'running'; workerId: string | null }> => {
    return withTenant(sql, job.tenantId, async (tx): Promise<Claim | { outcome: 'running'; workerId: string | null }> => {
      // Serialises the claims of one tenant's builds, so its plan's concurrency holds across
      // every worker that races for them.
      // The lock, the build with the version it renders, and the tenant's running builds (RLS:
      // only its own, and whether one is this site's) in one round trip, run in this order: the
      // count is taken under the lock.
      //
      // The claim's commit does not wait for its WAL flush (synchronous_commit off, this
      // transaction only): a claim lost in a database crash leaves the build queued, and whatever
      // the worker rendered meanwhile never goes live — the switch only takes a build still
      // running and ours. The switch's commit stays synchronous.
      const [, , [build], [{ count, busy }]] = await Promise.all([
        tx`select set_config('synchronous_commit', 'off', true)`.execute(),
        tx`select pg_advisory_xact_lock(hashtext(${`ww-build-tenant:${job.tenantId}`}))`.execute(),
        tx<{
          status: string; worker_id: string | null; version_id: string; priority: number; attempts: number; slug: string; cdn_provider: string;
          live: boolean; plan_code: string; has_version: boolean; document_json: string | null; source_snapshot_id: string | null;
        }[]>`
          select b.status, b.worker_id, b.version_id, b.priority, b.attempts, s.slug, s.cdn_provider, s.live_deployment_id is not null as live,
            t.plan_code, v.id is not null as has_version, v.document::text as document_json, v.source_snapshot_id
          from builds b join sites s on s.id = b.site_id join tenants t on t.id = b.tenant_id
            left join site_versions v on v.id = b.version_id
          where b.id = ${job.buildId}
          for update of b`.execute(),
        tx<{ count: number; busy: boolean }[]>`
          select count(*)::int as count, coalesce(bool_or(site_id = ${job.siteId}), false) as busy
          from builds where status = 'running'`.execute(),
      ]);
      if (!build) return { outcome: 'skip', reason: 'build not found' };
      if (build.status !== 'queued' && build.status !== 'running') return { outcome: 'skip', reason: `build is ${build.status}` };
      if (build.status === 'running' && (runningOn === undefined || build.worker_id !== runningOn)) {
        return { outcome: 'running', workerId: build.worker_id };
      }
      const limits = buildLimitsForPlan(build.plan_code);
      if (build.status === 'queued' && (count >= limits.concurrentBuilds || busy)) return { outcome: 'defer', priority: build.priority };
      const takeover = build.status === 'running';
      // A missing version is an internal error (retried, then dead-lettered), as before.
      if (!build.has_version) throw new Error(`site version ${build.version_id} of build ${job.buildId} is missing`);
      // The document as stored goes to the build's container at once, to be read there while it is
      // validated and planned here (decision 151); the render then sends the rest.
      const preloaded = !build.source_snapshot_id && build.document_json !== null &&
        (executor.preload?.({ buildId: job.buildId, limits, documentJson: build.document_json, buildEnded }) ?? false);
      // The claim with its event, and its log line, pipelined on the transaction's connection and run
      // in the order they are started (execute() starts a query at once, as appendBuildLog's own
      // await does); the document is checked and planned meanwhile, and the build cache read is
      // sent after them (the cache's read rides on the claim's transaction instead of one of its
      // own). A document that is not valid still commits the claim; runBuild then fails the build
      // with the reason.
      const claiming = Promise.all([
        updateBuildAndAnnounce(tx, tx`
          update builds set status = 'running', stage = 'render', progress = 10, executor = ${executor.name},
            worker_id = ${workerId}, started_at = coalesce(started_at, now()), attempts = attempts + 1, error = null
          where id = ${job.buildId}`),
        appendBuildLog(tx, {
          tenantId: job.tenantId, buildId: job.buildId, stage: 'render',
          message: (takeover
            ? `멈춘 작업자(${build.worker_id})의 빌드를 이어받아 다시 시작합니다 (${executor.name} 실행기, 작업자 ${workerId}).`
            : `빌드를 시작합니다 (${executor.name} 실행기, 작업자 ${workerId}).`) +
            ` 메모리 ${limits.memoryMb}MB, 제한 시간 ${limits.timeoutSeconds}초로 페이지를 만듭니다.`,
        }),
      ]);
      claiming.catch(() => {}); // awaited below; this only keeps a failure from being unhandled meanwhile
      const preparing = prepareBuild(tx, job, build.document_json === null ? null : JSON.parse(build.document_json), {
        slug: build.slug, provider: build.cdn_provider, sourceSnapshotId: build.source_snapshot_id, preloaded,
      });
      const [, prepared] = await Promise.all([claiming, preparing]);
      return {
        outcome: 'run', versionId: build.version_id, slug: build.slug, provider: build.cdn_provider, live: build.live, planCode: build.plan_code,
        attempt: build.attempts + 1, sourceSnapshotId: build.source_snapshot_id, prepared,
      };
    });
  };

  /**
   * Renders a build's planned outputs. With the cache on, outputs whose cache key a build of
   * this site already rendered (`built.cached`, looked up with the claim) are reused — their
   * objects are in the store — and only the others go to the executor; when nothing changed
   * the executor is not started at all.
   */
  const renderOutputs = async (
    job: BuildJob,
    built: BuiltSite & { planned: PlannedEntry[]; cached: Map<string, CachedOutput>; documentAsPreloaded: boolean },
    limits: BuildLimits,
    signal: AbortSignal,
    useCache: boolean,
    buildEnded: Promise<void>,
  ) => {
    /** Renderer output not yet in the build log. */
    const pendingOutput: OutputLine[] = [];
    const originals = built.assets.filter((a) => a.parent_id === null);
    const variantsOf = (id: string) => built.assets.filter((v) => v.parent_id === id);
    const planned = built.planned;
    const cached = useCache ? built.cached : new Map<string, CachedOutput>();
    const reused: CachedOutput[] = [];
    const toRender: typeof planned = [];
    for (const entry of planned) {
      const hit = cached.get(entry.key);
      if (hit && hit.path === entry.output.path && hit.contentType === entry.output.contentType) reused.push(hit);
      else toRender.push(entry);
    }

    // The reused files' objects are checked and refreshed while the render runs (deploy waits for it).
    const stored = reused.map(({ path, contentType, sha256, size }) => ({ path, contentType, sha256, size }));
    const storedTouched = stored.length > 0 ? touchStoredObjectsSoon(dataDir, stored) : undefined;
    let files: RenderedFile[] = [];
    if (toRender.length > 0) {
      // Bytes only for the images whose own files are rendered this time.
      const needBytes = new Set(toRender.flatMap((entry) => (entry.output.assetId ? [entry.output.assetId] : [])));
      const data = needBytes.size
        ? await withTenant(sql, job.tenantId, (tx) => tx<{ id: string; data: Buffer }[]>`
            select id, data from assets
            where site_id = ${job.siteId} and (id in ${tx([...needBytes])} or parent_id in ${tx([...needBytes])})`)
        : [];
      const bytes = new Map(data.map((row) => [row.id, row.data.toString('base64')]));
      const input: RenderInput = {
        document: built.document,
        documentValidated: true, // runBuild validated it
        siteUrl: built.siteUrl,
        hostingProvider: built.hostingProvider,
        assets: originals.map((a) => ({
          id: a.id, fileName: a.file_name, contentType: a.content_type, width: a.width, height: a.height,
          sha256: a.sha256, dataBase64: bytes.get(a.id) ?? null,
          variants: variantsOf(a.id).map((v) => ({
            width: v.width ?? 0, height: v.height ?? 0, contentType: v.content_type, fileName: v.file_name, sha256: v.sha256, dataBase64: bytes.get(v.id) ?? null,
          })),
        })),
        ...(toRender.length < planned.length ? { only: toRender.map((entry) => entry.output.path) } : {}),
        ...(opts.slowRenderMs ? { slowRenderMs: opts.slowRenderMs } : {}),
      };
      // Renderer output becomes log lines, written in batches one after another so they keep
      // their order; the last batch is left to the upload stage (see OUTPUT_FLUSH_MS).
      let outputLogged: Promise<unknown> = Promise.resolve();
      let flushTimer: NodeJS.Timeout | null = null;
      const flush = () => {
        flushTimer = null;
        const batch = pendingOutput.splice(0);
        if (batch.length === 0) return;
        outputLogged = outputLogged.then(() =>
          withTenant(sql, job.tenantId, (tx) =>
            Promise.all(batch.map((line) => appendBuildLog(tx, { tenantId: job.tenantId, buildId: job.buildId, ...line })))).catch(() => {}),
        );
      };
      let rendered = false;
      try {
        files = await executor.render({
          buildId: job.buildId,
          input,
          limits,
          signal,
          buildEnded,
          documentAsPreloaded: built.documentAsPreloaded,
          onOutput: (line, stream) => {
            if (!line.trim()) return;
            pendingOutput.push({ stage: 'render', message: line.slice(0, 4000), level: stream === 'stderr' ? 'warn' : 'info' });
            flushTimer ??= setTimeout(flush, OUTPUT_FLUSH_MS);
          },
        });
        rendered = true;
      } finally {
        if (flushTimer) clearTimeout(flushTimer);
        // A failed render's output (why it failed) is written before the build ends.
        if (!rendered) flush();
        await outputLogged;
      }
      const expected = toRender.map((entry) => entry.output.path).sort();
      const got = files.map((file) => file.path).sort();
      if (expected.join('\n') !== got.join('\n')) {
        throw new Error(`the renderer returned ${got.length} files where ${expected.length} were asked for`);
      }
    } else if (opts.slowRenderMs) {
      await new Promise((resolve) => setTimeout(resolve, opts.slowRenderMs));
    }
    const renderedByPath = new Map(toRender.map((entry) => [entry.output.path, entry]));
    const fresh: CachedOutput[] = files.map((file) => ({
      key: renderedByPath.get(file.path)!.key, path: file.path, contentType: file.contentType,
      sha256: createHash('sha256').update(file.body).digest('hex'), size: file.body.length,
    }));
    const pages = planned.filter((entry) => entry.output.kind === 'page');
    const renderedPages = toRender.filter((entry) => entry.output.kind === 'page').length;
    return { files, reused, stored, storedTouched, fresh, pageCount: pages.length, renderedPages, outputCount: planned.length, output: pendingOutput };
  };

  /**
   * `unwritten`: log lines this build has not stored yet (they wait for the switch's
   * transaction); whoever handles a failure writes what is left there.
   */
  const runBuild = async (
    job: BuildJob, claimed: Extract<Claim, { outcome: 'run' }>, signal: AbortSignal, unwritten: OutputLine[], buildEnded: Promise<void>,
  ) => {
    const limits = buildLimitsForPlan(claimed.planCode);
    // The version came with the claim, checked and planned.
    const validated = claimed.prepared;
    if (!validated.ok) {
      const first = validated.errors[0];
      throw new BuildContentError(
        `사이트 문서에 고칠 곳이 있습니다 (${first?.path ?? '문서'}: ${first?.message ?? '형식 오류'}). 편집기에서 고친 뒤 다시 게시해 주세요.`,
        validated.errors,
      );
    }
    const document = validated.document;
    // Developer mode: a version with a source snapshot publishes those files, copied and checked
    // by the executor (its container or child process), instead of a render.
    const sourceSnapshotId = claimed.sourceSnapshotId;
    const { assets } = validated.built;
    const built = {
      ...validated.built, document, planned: validated.planned ?? [], cached: validated.cached, documentAsPreloaded: validated.documentAsPreloaded,
    };

    const imageCount = assets.filter((a) => a.parent_id === null).length;
    let reusedFiles = 0;
    /** The build cache entries of what was deployed: written in the switch's transaction. */
    let cacheEntries: CachedOutput[] = [];
    /** The upload stage, once written (see UPLOAD_STAGE_AFTER_MS). */
    let stageWritten: Promise<void> | null = null;
    let stageTimer: NodeJS.Timeout | null = null;
    const writeUploadStage = () => {
      if (stageTimer) clearTimeout(stageTimer);
      stageTimer = null;
      stageWritten ??= advance(job, 'upload', 40, undefined, unwritten.splice(0));
      stageWritten.catch(() => {}); // awaited before the switch
      return stageWritten;
    };
    // With the edge as the only provider, for a site on it that is live already, there is nowhere
    // else to place the build: placeDeployment would read which providers are down and whether
    // the site is live and answer the edge whatever it read (cdn/failover.ts). Those reads are
    // skipped, and the deployment's row is written in the switch's transaction below instead of
    // a transaction of its own.
    const edgeOnly = providers.size === 1 && providers.has('local') && claimed.provider === 'local' && claimed.live;
    /** The deployment whose row the switch writes (edge only). */
    let rowPending: StoredDeployment | null = null;
    const deploy = async (useCache: boolean) => {
      const renderStarted = Date.now();
      const rendered = sourceSnapshotId
        ? await sourceBuildOutputs(sql, {
            tenantId: job.tenantId, siteId: job.siteId, buildId: job.buildId, snapshotId: sourceSnapshotId,
            executor, limits, signal, buildEnded, slowRenderMs: opts.slowRenderMs,
          })
        : await renderOutputs(job, built, limits, signal, useCache, buildEnded);
      reusedFiles = rendered.reused.length;
      if (signal.aborted) throw new BuildCancelledError('build cancelled after render');
      // A build cancelled while it uploads uploads files nobody will use and stops right after
      // (nothing of it goes live).
      unwritten.push(...('output' in rendered ? rendered.output : []), {
        stage: 'upload', level: 'info',
        message: `${rendered.pageCount}개 페이지 중 ${rendered.renderedPages}개를 새로 만들었습니다 ` +
          `(이미지 ${imageCount}개, 파일 ${rendered.outputCount}개 중 ${rendered.files.length}개를 만들고 ${rendered.reused.length}개는 이전 빌드의 파일을 그대로 씁니다, ${Date.now() - renderStarted}ms). 변경된 파일을 올립니다.`,
      });
      stageTimer ??= setTimeout(writeUploadStage, UPLOAD_STAGE_AFTER_MS);
      let lastReported = 40;
      let progressWrite: Promise<unknown> = Promise.resolve();
      const result = await (edgeOnly ? storeDeploymentFiles : deploySite)(sql, {
        tenantId: job.tenantId, siteId: job.siteId, buildId: job.buildId, files: rendered.files, dataDir,
        // A source build reuses nothing.
        ...('stored' in rendered ? { stored: rendered.stored, storedTouched: rendered.storedTouched } : {}),
        onProgress: (done, total) => {
          const progress = 40 + Math.floor((done / Math.max(1, total)) * 50);
          // Every 10 %, once the upload stage is shown, but not at the end: the switch (95 %)
          // follows at once.
          if (!stageWritten || progress - lastReported < 10 || done === total) return;
          lastReported = progress;
          const stage = stageWritten;
          progressWrite = progressWrite.then(() => stage.then(() => advance(job, 'upload', progress))).catch(() => {});
        },
      });
      await progressWrite;
      cacheEntries = [...rendered.fresh, ...rendered.reused];
      rowPending = edgeOnly ? (result as StoredDeployment) : null;
      return result;
    };
    let deployed: Awaited<ReturnType<typeof deploySite>>;
    try {
      deployed = await deploy(true);
    } catch (error) {
      // A reused file whose object left the store (garbage collection, another store): render
      // everything once more and start the site's cache over.
      if (!(error instanceof CdnError && error.code === 'invalid_files') || reusedFiles === 0 || signal.aborted) throw error;
      await writeUploadStage(); // the first attempt's lines, before the warning
      await log(job.tenantId, job.buildId, 'upload', `이전 빌드의 파일 일부가 저장소에 없어 모든 파일을 다시 만듭니다 (${error.message}).`, 'warn');
      await forgetSiteCache(sql, { tenantId: job.tenantId, siteId: job.siteId });
      deployed = await deploy(false);
    }
    if (signal.aborted) throw new BuildCancelledError('build cancelled after upload');
    // Every build is in our store now (`deployed`, the local edge's deployment). A site on a hosted
    // CDN gets it there too; when that provider is down or refuses the deploy after its own retries,
    // the next cheapest takes it, and the edge (already holding it) is the last resort.
    const placed: PlacedDeployment = edgeOnly
      ? { provider: 'local', preferred: 'local', deploymentId: deployed.deploymentId, result: deployed, failedOn: [], routedReason: null }
      : await placeDeployment(sql, {
          tenantId: job.tenantId, siteId: job.siteId, buildId: job.buildId, preferred: claimed.provider as ProviderName,
          localDeployment: deployed, providers, dataDir,
          onFallback: (from, error, next) => writeUploadStage().then(() => log(job.tenantId, job.buildId, 'upload',
            `${PROVIDER_LABELS[from]}에 올리지 못해 ${PROVIDER_LABELS[next]}에 올립니다 (${error.slice(0, 300)}).`, 'warn')).then(() => {}),
        });
    if (signal.aborted) throw new BuildCancelledError('build cancelled after upload');
    // Written already (a long upload) or written with the switch below.
    if (stageTimer) clearTimeout(stageTimer);
    const uploadStageWritten = stageWritten !== null;
    if (stageWritten) await stageWritten;
    const earlier = unwritten.splice(0);

    // The switch: only a build that is still running, still ours and not older than what is
    // already live may go live. Entering 'switch' closes the door on cancel (see cancelBuild).
    // On our own edge (the usual case) the switch, the site's activation and the build's success
    // are one transaction: the site is live exactly when its build is succeeded, a cancel or a
    // newer build committed first leaves the live site as it was, and a worker that dies before
    // the commit leaves nothing half-done for the next one to take over.
    const switchMessage =
      `파일 ${placed.result.fileCount}개 중 ${placed.result.uploadedFiles}개(${placed.result.uploadedBytes}바이트)를 ${PROVIDER_LABELS[placed.provider]}에 새로 올렸습니다. 사이트를 새 배포로 전환합니다.`;
    const activateHere = placed.provider === 'local' && placed.preferred === 'local';
    const switching = await withTenant(sql, job.tenantId, async (tx) => {
      // One round trip, statements run in the order started (execute() starts a query at once):
      // whether a newer version is live already; the upload stage and its event when it waited for
      // this transaction; the lines not yet written; the move to 'switch' and its event; the build
      // cache entries of what was deployed; the deployment's row when it waited for this
      // transaction (edge only). On our edge the switch itself follows after a savepoint — the
      // activation (site row locked, edges notified at commit), its lines, the success and its
      // event — and is undone back to the savepoint when a newer version turns out to be live. The
      // live progress bar passes upload, switch and done at the commit.
      const newerRead = tx<{ id: string }[]>`
        select nb.id from builds nb
          join site_versions nv on nv.id = nb.version_id
          join builds mb on mb.id = ${job.buildId}
          join site_versions mv on mv.id = mb.version_id
        where nb.site_id = ${job.siteId} and nb.status = 'succeeded' and nv.number > mv.number
        limit 1`.execute();
      const stillOurs = tx`id = ${job.buildId} and status = 'running' and worker_id = ${workerId}`;
      const uploadStage = uploadStageWritten ? [] : [
        updateBuildAndAnnounce(tx, tx`update builds set stage = 'upload', progress = 40 where ${stillOurs}`),
      ];
      const lines = appendBuildLogs(tx, { tenantId: job.tenantId, buildId: job.buildId, lines: earlier });
      // The move to 'switch' (announced) also tells whether the build is still ours.
      const move = updateBuildAndAnnounce(tx, tx`update builds set stage = 'switch', progress = 95 where ${stillOurs}`);
      const remembering = rememberOutputs(tx, { tenantId: job.tenantId, siteId: job.siteId, buildId: job.buildId, outputs: cacheEntries });
      const row = rowPending ? [insertDeploymentInTransaction(tx, rowPending)] : [];
      const switchLine = { stage: 'switch', message: switchMessage };
      const switchHere = activateHere ? [
        tx`savepoint build_switch`.execute(),
        activateDeploymentInTransaction(tx, { tenantId: job.tenantId, siteId: job.siteId, deploymentId: placed.deploymentId }),
        appendBuildLogs(tx, { tenantId: job.tenantId, buildId: job.buildId, lines: [switchLine, { stage: 'done', message: '사이트가 게시되었습니다.' }] }),
        // clock_timestamp: when the build ended, not when this transaction began (the switch is part of the build).
        updateBuildAndAnnounce(tx, tx`
          update builds set status = 'succeeded', stage = 'done', progress = 100, finished_at = clock_timestamp(),
            deployment_id = ${placed.deploymentId}, error = null
          where ${stillOurs}`),
      ] : [];
      // The deployment's new objects are flushed and named before this transaction commits
      // (storeDeploymentFiles left the flush running while this was sent).
      const flushed = rowPending ? [rowPending.durable] : [];
      const [[newer], moved] = await Promise.all([newerRead, move, ...uploadStage, lines, remembering, ...row, ...switchHere, ...flushed]);
      // A build no longer ours: everything above is rolled back with the transaction.
      if (moved.count === 0) throw new BuildNoLongerRunning();
      if (newer) {
        if (activateHere) await tx`rollback to savepoint build_switch`;
        await Promise.all([
          appendBuildLogs(tx, {
            tenantId: job.tenantId, buildId: job.buildId,
            lines: [{ stage: 'switch', level: 'warn', message: '더 새로운 버전이 이미 게시되어 있어 이 빌드는 게시하지 않았습니다.' }],
          }),
          updateBuildAndAnnounce(tx, tx`
            update builds set status = 'superseded', finished_at = now(), stage = null, deployment_id = ${placed.deploymentId},
              error = '더 새로운 버전이 이미 게시되어 이 빌드는 게시하지 않았습니다.'
            where id = ${job.buildId}`),
        ]);
        return false;
      }
      if (!activateHere) await appendBuildLogs(tx, { tenantId: job.tenantId, buildId: job.buildId, lines: [switchLine] });
      return true;
    });
    if (!switching || activateHere) return;

    // On a hosted CDN (or our edge standing in for one) the provider activates it, outside any
    // transaction; custom domains pointing at the site's stable name come along (decision 143).
    const live = await activatePlacedWithDomains(sql, { tenantId: job.tenantId, siteId: job.siteId, placed, localDeployment: deployed, providers });
    for (const line of live.log) await log(job.tenantId, job.buildId, 'switch', line.message, line.level);
    // Live on another provider than the one it should be on (the site's own; for a first publish the
    // router's choice): recorded as a failover, so it goes back once that one is up.
    if (live.placed.provider !== live.placed.preferred) {
      await recordDeployFallback(sql, { tenantId: job.tenantId, siteId: job.siteId, from: live.placed.preferred, placed: live.placed, fromDeploymentId: null });
    }
    await withTenant(sql, job.tenantId, async (tx) => {
      await tx`
        update builds set status = 'succeeded', stage = 'done', progress = 100, finished_at = now(),
          deployment_id = ${live.placed.deploymentId}, error = null
        where id = ${job.buildId}`;
      await appendBuildLog(tx, { tenantId: job.tenantId, buildId: job.buildId, stage: 'done', message: '사이트가 게시되었습니다.' });
      await announceBuildStatus(tx, job.buildId);
    });
  };

  const finishFailed = async (job: BuildJob, message: string, detail?: string) => {
    await withTenant(sql, job.tenantId, async (tx) => {
      const failed = await tx`
        update builds set status = 'failed', finished_at = now(), error = ${message}
        where id = ${job.buildId} and status = 'running' and worker_id = ${workerId}`;
      if (failed.count === 0) return;
      if (detail) await appendBuildLog(tx, { tenantId: job.tenantId, buildId: job.buildId, stage: null, level: 'error', message: detail });
      await appendBuildLog(tx, { tenantId: job.tenantId, buildId: job.buildId, stage: null, level: 'error', message });
      await announceBuildStatus(tx, job.buildId);
    });
  };

  /** Hands a build back to the queue before pg-boss retries it (or marks it superseded when a newer publish is waiting). */
  const handBack = async (job: BuildJob, attempt: string, reason: string) => {
    await withTenant(sql, job.tenantId, async (tx) => {
      const [waiting] = await tx`select id from builds where site_id = ${job.siteId} and status = 'queued'`;
      const status = waiting ? 'superseded' : 'queued';
      const moved = await tx`
        update builds set status = ${status}, stage = ${waiting ? null : 'queued'}, progress = 0, worker_id = null,
          finished_at = ${waiting ? new Date() : null}, error = ${reason}
        where id = ${job.buildId} and status = 'running' and worker_id = ${workerId}`;
      if (moved.count === 0) return;
      await appendBuildLog(tx, {
        tenantId: job.tenantId, buildId: job.buildId, stage: null, level: 'warn',
        message: waiting
          ? `일시적인 오류로 빌드가 멈췄고, 더 새로운 게시가 기다리고 있어 그 빌드가 대신합니다 (${reason}).`
          : `일시적인 오류로 빌드를 잠시 후 다시 시도합니다 (${attempt}): ${reason}`,
      });
      await announceBuildStatus(tx, job.buildId);
    });
  };

  const handleJob = async (job: PgBoss.JobWithMetadata<unknown>): Promise<unknown> => {
    const parsed = buildJobSchema.safeParse(job.data);
    if (!parsed.success) {
      // A malformed payload can never succeed: record it and complete the job.
      console.error(`[worker] ${workerId}: job ${job.id} has an invalid payload: ${parsed.error.message}`);
      return { skipped: 'invalid payload' };
    }
    const build = parsed.data;
    // Resolved when this job is done with the build, whatever the outcome: the executor's
    // housekeeping for it (its container removed, a warm one started instead) waits for it.
    let endBuild = () => {};
    const buildEnded = new Promise<void>((resolve) => {
      endBuild = resolve;
    });
    try {
      return await claimAndRun(job, build, buildEnded);
    } finally {
      endBuild();
    }
  };

  const claimAndRun = async (job: PgBoss.JobWithMetadata<unknown>, build: BuildJob, buildEnded: Promise<void>): Promise<unknown> => {
    const claimed = await claim(build, buildEnded);
    if (claimed.outcome === 'skip') return { skipped: claimed.reason };
    if (claimed.outcome === 'defer') {
      await enqueueBuild(sql, boss, { ...build, priority: claimed.priority, startAfterSeconds: DEFER_SECONDS });
      return { deferred: true };
    }

    const controller = new AbortController();
    running.set(build.buildId, controller);
    const unwritten: OutputLine[] = [];
    try {
      await runBuild(build, claimed, controller.signal, unwritten, buildEnded);
      return { built: build.buildId };
    } catch (error) {
      // What the build printed before it stopped helps read why (best effort).
      const lines = unwritten.splice(0);
      if (lines.length > 0) {
        await withTenant(sql, build.tenantId, (tx) =>
          Promise.all(lines.map((line) => appendBuildLog(tx, { tenantId: build.tenantId, buildId: build.buildId, ...line })))).catch(() => {});
      }
      if (error instanceof BuildCancelledError || error instanceof BuildNoLongerRunning || controller.signal.aborted) {
        await log(build.tenantId, build.buildId, null, '빌드 작업을 중지했습니다. 게시된 사이트는 바뀌지 않았습니다.', 'warn').catch(() => {});
        return { stopped: build.buildId };
      }
      if (error instanceof BuildContentError) {
        await finishFailed(build, error.message);
        return { failed: build.buildId };
      }
      const internal = error instanceof Error ? error.message : String(error);
      if (job.retryCount < job.retryLimit) {
        await handBack(build, `${job.retryCount + 1}/${job.retryLimit}`, internal).catch(() => {});
      } else {
        await finishFailed(build, '빌드 중 내부 오류가 여러 번 났습니다. 잠시 후 다시 게시해 주세요.', internal).catch(() => {});
      }
      throw new Error(`build ${build.buildId} failed: ${internal}`, { cause: error });
    } finally {
      running.delete(build.buildId);
    }
  };

  // One pg-boss work loop per slot, each taking one job at a time: a slot frees as soon as its
  // own build ends, where one loop with batchSize = concurrency would wait for a whole batch.
  const loopIds: string[] = [];
  for (let slot = 0; slot < concurrency; slot++) {
    loopIds.push(
      await boss.work<unknown>(
        BUILD_QUEUE,
        { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: 0.5 },
        async ([job]) => handleJob(job),
      ),
    );
  }

  // A publish on any web instance wakes this worker's idle loops at once (pickup in
  // milliseconds instead of up to one polling interval); SKIP LOCKED gives the job to one.
  const buildLoopIds = [...loopIds];
  const queuedListener = await sql.listen(BUILD_QUEUED_CHANNEL, () => {
    if (!stopped) for (const id of buildLoopIds) boss.notifyWorker(id);
  });

  // Jobs that ran out of retries or expired land in the dead-letter queue; the build they
  // carried is failed with a reason the owner can read (if nothing else finished it).
  loopIds.push(
    await boss.work<unknown>(BUILD_DEAD_LETTER_QUEUE, { batchSize: 1, pollingIntervalSeconds: 2 }, async ([job]) => {
      const parsed = buildJobSchema.safeParse(job.data);
      if (!parsed.success) return { skipped: 'invalid payload' };
      const { tenantId, buildId } = parsed.data;
      await withTenant(sql, tenantId, async (tx) => {
        const failed = await tx`
          update builds set status = 'failed', finished_at = now(),
            error = '빌드가 제한 시간 안에 끝나지 않았거나 여러 번 실패해 중단되었습니다. 다시 게시해 주세요.'
          where id = ${buildId} and status in ('queued', 'running')`;
        if (failed.count === 0) return;
        await appendBuildLog(tx, { tenantId, buildId, stage: null, level: 'error', message: '빌드 작업이 재시도 한도를 넘어 실패로 처리되었습니다.' });
        await announceBuildStatus(tx, buildId);
      });
      return { deadLettered: buildId };
    }),
  );

  // Recovery across the farm (platform-wide, so outside withTenant): builds held by a worker
  // whose heartbeat stopped are handed to pg-boss for retry at once instead of waiting for the
  // job to expire; queued builds whose publisher died before sending a job get one.
  const recover = async () => {
    const stranded = await sql<{ id: string; job_id: string }[]>`
      select b.id, b.job_id from builds b
      left join process_heartbeats h on h.id = b.worker_id
      where b.status = 'running' and b.job_id is not null
        and (h.id is null or h.stopped_at is not null
             or h.last_seen_at < now() - make_interval(secs => ${deadAfterSeconds}))`;
    for (const build of stranded) {
      const job = await boss.getJobById(BUILD_QUEUE, build.job_id);
      if (job?.state === 'active') await boss.fail(BUILD_QUEUE, build.job_id, { reason: 'worker stopped heartbeating' });
    }
    const orphaned = await sql<{ id: string; tenant_id: string; site_id: string; priority: number }[]>`
      select id, tenant_id, site_id, priority from builds
      where status = 'queued' and job_id is null
        and queued_at < now() - make_interval(secs => ${ORPHANED_QUEUED_BUILD_SECONDS})`;
    for (const build of orphaned) {
      await enqueueBuild(sql, boss, { tenantId: build.tenant_id, siteId: build.site_id, buildId: build.id, priority: build.priority });
    }
  };
  let recovering = false;
  const recoveryTimer = setInterval(() => {
    if (recovering) return;
    recovering = true;
    recover()
      .catch((error) => console.error(`[worker] ${workerId}: recovery failed: ${(error as Error).message}`))
      .finally(() => {
        recovering = false;
      });
  }, opts.recoveryIntervalMs ?? 5_000);
  recoveryTimer.unref();

  return {
    id: workerId,
    executor: executor.name,
    concurrency,
    warmPool: () => executor.warmPoolStatus?.() ?? null,
    async stop({ timeoutMs = 60_000 } = {}) {
      if (stopped) return;
      stopped = true;
      clearInterval(recoveryTimer);
      for (const id of loopIds) await boss.offWork({ id });
      const deadline = Date.now() + timeoutMs;
      while (running.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      await cancelListener.unlisten().catch(() => {});
      await queuedListener.unlisten().catch(() => {});
      // Warm containers are drained; builds still running past the timeout lose theirs.
      await executor.close?.();
      await heartbeat.stop();
    },
  };
}
