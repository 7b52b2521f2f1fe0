// Outgoing webhooks: a workspace registers a URL for events (build.succeeded, build.failed,
// deployment.live, domain.verified). The dispatcher listens to the build farm's 'build_events'
// and the cdn's 'site_live' notifications; every web process may hear the same notification, so
// a delivery is one row per (endpoint, event id) and only the process whose insert wins queues
// it. Deliveries are pg-boss jobs (queue 'webhook-delivery' in the same pgboss schema), retried
// with exponential backoff; each attempt is recorded in webhook_deliveries, which the owner sees.
// Signature: WindWalker-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>.
// Where a webhook may go is webhook-target.server.ts's guard, applied at registration (createWebhook
// throws WebhookUrlError) and again at every delivery, against the address actually connected to.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type PgBoss from 'pg-boss';
import { z } from 'zod';
import { BUILD_EVENTS_CHANNEL, type BuildEvent } from '../../../buildfarm/index.ts';
import { DOMAIN_VERIFIED_CHANNEL, SITE_LIVE_CHANNEL, type DomainVerifiedNotification, type SiteLiveNotification } from '../../../cdn/index.ts';
import { isUuid, withTenant, type Sql } from '../../../db/index.ts';
import { checkWebhookUrl, postWebhook, WebhookUrlError, type WebhookTargetPolicy } from './webhook-target.server.ts';

export const WEBHOOK_DELIVERY_QUEUE = 'webhook-delivery';
export const WEBHOOK_EVENTS = ['build.succeeded', 'build.failed', 'deployment.live', 'domain.verified'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export const SIGNATURE_HEADER = 'WindWalker-Signature';
/** Receivers should refuse signatures older than this (replay protection). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export interface WebhookSummary {
  id: string;
  url: string;
  events: WebhookEvent[];
  createdAt: Date;
}

export interface WebhookDelivery {
  id: string;
  event: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export function signWebhook(secret: string, timestamp: number, body: string): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

/** What a receiver does: recompute the HMAC over "t.body" and compare in constant time. */
export function verifyWebhookSignature(secret: string, header: string, body: string, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(nowSeconds - t) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(signWebhook(secret, t, body).split('v1=')[1], 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Registers a webhook; throws WebhookUrlError (Korean and English reason) for a refused URL. */
export async function createWebhook(
  sql: Sql,
  input: { tenantId: string; userId: string | null; url: string; events: WebhookEvent[] },
  policy?: WebhookTargetPolicy,
): Promise<WebhookSummary & { secret: string }> {
  await checkWebhookUrl(input.url, policy);
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  return withTenant(sql, input.tenantId, async (tx) => {
    const [row] = await tx<{ id: string; url: string; events: WebhookEvent[]; created_at: Date }[]>`
      insert into webhook_endpoints (tenant_id, url, events, secret, created_by)
      values (${input.tenantId}, ${input.url}, ${[...new Set(input.events)]}, ${secret}, ${input.userId})
      returning id, url, events, created_at`;
    await tx`insert into audit_log (tenant_id, user_id, action, target, detail)
      values (${input.tenantId}, ${input.userId}, 'webhook.create', ${row.id}, ${tx.json({ url: input.url, events: input.events })})`;
    return { id: row.id, url: row.url, events: row.events, createdAt: row.created_at, secret };
  });
}

export async function listWebhooks(sql: Sql, tenantId: string): Promise<WebhookSummary[]> {
  return withTenant(sql, tenantId, async (tx) => {
    const rows = await tx<{ id: string; url: string; events: WebhookEvent[]; created_at: Date }[]>`
      select id, url, events, created_at from webhook_endpoints where disabled_at is null order by created_at desc`;
    return rows.map((r) => ({ id: r.id, url: r.url, events: r.events, createdAt: r.created_at }));
  });
}

export async function deleteWebhook(sql: Sql, tenantId: string, webhookId: string): Promise<boolean> {
  if (!isUuid(webhookId)) return false;
  return withTenant(sql, tenantId, async (tx) => {
    const gone = await tx`update webhook_endpoints set disabled_at = now() where id = ${webhookId} and disabled_at is null`;
    return gone.count === 1;
  });
}

/** The endpoint's deliveries, newest first (50), or null when it is not this workspace's. */
export async function listWebhookDeliveries(sql: Sql, tenantId: string, webhookId: string): Promise<WebhookDelivery[] | null> {
  if (!isUuid(webhookId)) return null;
  return withTenant(sql, tenantId, async (tx) => {
    const [endpoint] = await tx`select 1 from webhook_endpoints where id = ${webhookId}`;
    if (!endpoint) return null;
    const rows = await tx<{ id: string; event: string; status: WebhookDelivery['status']; attempts: number; last_status_code: number | null; last_error: string | null; created_at: Date; delivered_at: Date | null }[]>`
      select id, event, status, attempts, last_status_code, last_error, created_at, delivered_at
      from webhook_deliveries where endpoint_id = ${webhookId} order by created_at desc limit 50`;
    return rows.map((r) => ({
      id: r.id, event: r.event, status: r.status, attempts: r.attempts, lastStatusCode: r.last_status_code,
      lastError: r.last_error, createdAt: r.created_at, deliveredAt: r.delivered_at,
    }));
  });
}

const deliveryJobSchema = z.object({ kind: z.literal('webhook-delivery'), tenantId: z.string().uuid(), deliveryId: z.string().uuid() });
type DeliveryJob = z.infer<typeof deliveryJobSchema>;

/**
 * Records one delivery per endpoint subscribed to the event and queues it. Idempotent: the same
 * event id (heard by several processes, or twice) creates and queues nothing more.
 */
export async function emitWebhookEvent(
  sql: Sql,
  boss: PgBoss,
  input: { tenantId: string; eventId: string; event: WebhookEvent; data: Record<string, unknown> },
  retry: { limit: number; delaySeconds: number } = { limit: 8, delaySeconds: 10 },
): Promise<number> {
  const created = await withTenant(sql, input.tenantId, (tx) => tx<{ id: string }[]>`
    insert into webhook_deliveries (tenant_id, endpoint_id, event_id, event, payload)
    select ${input.tenantId}, e.id, ${input.eventId}, ${input.event},
      ${tx.json({ id: input.eventId, type: input.event, createdAt: new Date().toISOString(), data: input.data } as never)}
    from webhook_endpoints e where e.disabled_at is null and ${input.event} = any (e.events)
    on conflict (endpoint_id, event_id) do nothing
    returning id`);
  for (const row of created) {
    const job: DeliveryJob = { kind: 'webhook-delivery', tenantId: input.tenantId, deliveryId: row.id };
    await boss.send(WEBHOOK_DELIVERY_QUEUE, job, { retryLimit: retry.limit, retryDelay: retry.delaySeconds, retryBackoff: true, singletonKey: row.id });
  }
  return created.length;
}

async function deliver(sql: Sql, job: DeliveryJob, final: boolean, policy?: WebhookTargetPolicy): Promise<void> {
  const row = await withTenant(sql, job.tenantId, async (tx) => {
    const [r] = await tx<{ url: string; secret: string; payload: unknown; status: string }[]>`
      select e.url, e.secret, d.payload, d.status
      from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id
      where d.id = ${job.deliveryId}`;
    return r;
  });
  if (!row || row.status === 'delivered') return;
  const body = JSON.stringify(row.payload);
  const timestamp = Math.floor(Date.now() / 1000);
  let statusCode: number | null = null;
  let failure: string | null = null;
  // A refused target (the URL or what its name resolves to now) is final: retrying cannot help.
  let refused = false;
  try {
    const response = await postWebhook(row.url, {
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'WindWalker-Webhooks/1', [SIGNATURE_HEADER]: signWebhook(row.secret, timestamp, body) },
      body,
    }, policy);
    statusCode = response.status;
    if (response.status >= 300 && response.status < 400) {
      failure = `수신 서버가 ${response.status}(으)로 다른 주소${response.location ? `(${response.location.slice(0, 200)})` : ''}로 보내려 했습니다. 웹훅은 리다이렉트를 따라가지 않으니 최종 주소를 등록해 주세요.`;
    } else if (response.status < 200 || response.status >= 300) failure = `수신 서버가 ${response.status}(으)로 답했습니다.`;
  } catch (error) {
    refused = error instanceof WebhookUrlError;
    failure = refused ? `보내지 않았습니다: ${(error as WebhookUrlError).messageKo}` : `수신 서버에 연결하지 못했습니다: ${(error as Error).message}`;
  }
  await withTenant(sql, job.tenantId, (tx) => tx`
    update webhook_deliveries set
      attempts = attempts + 1,
      last_status_code = ${statusCode},
      last_error = ${failure},
      status = ${failure === null ? 'delivered' : final || refused ? 'failed' : 'pending'},
      delivered_at = ${failure === null ? new Date() : null}
    where id = ${job.deliveryId}`);
  if (failure && !refused) throw new Error(`webhook delivery ${job.deliveryId} failed: ${failure}`);
}

export interface WebhookDispatcher {
  stop(): Promise<void>;
}

/**
 * Turns build and deployment notifications into webhook deliveries and works the delivery
 * queue. Every web process runs one; duplicates are harmless (see emitWebhookEvent).
 */
export async function startWebhookDispatcher(opts: {
  sql: Sql;
  /** The process's pg-boss, started on first need (a web process without webhooks never starts it here). */
  boss: () => Promise<PgBoss>;
  retry?: { limit: number; delaySeconds: number };
  log?: (line: string) => void;
}): Promise<WebhookDispatcher> {
  const { sql } = opts;
  const log = opts.log ?? ((line: string) => console.error(line));
  let working: Promise<{ boss: PgBoss; workerId: string }> | null = null;
  let stopped = false;
  // The delivery worker starts with the first delivery this process queues, or at start when
  // deliveries are waiting (another process queued them and went away).
  const ensureWorker = () => {
    working ??= (async () => {
      const boss = await opts.boss();
      await boss.createQueue(WEBHOOK_DELIVERY_QUEUE);
      const workerId = await boss.work<DeliveryJob>(WEBHOOK_DELIVERY_QUEUE, { includeMetadata: true, batchSize: 1, pollingIntervalSeconds: 0.5 }, async ([job]) => {
        const parsed = deliveryJobSchema.safeParse(job.data);
        if (!parsed.success) throw new Error(`invalid webhook job ${job.id}: ${parsed.error.message}`);
        await deliver(sql, parsed.data, job.retryCount >= job.retryLimit);
      });
      return { boss, workerId };
    })();
    working.catch(() => { working = null; });
    return working;
  };
  // Checked in the background: a web process starts (and answers /healthz with 503) even while
  // the database is unreachable; if this check fails, the next event starts the worker anyway.
  void sql<{ any: boolean }[]>`select exists (select 1 from webhook_deliveries where status = 'pending') as any`
    .then(([pending]) => (pending.any && !stopped ? ensureWorker() : null))
    .catch(() => {});

  const emit = async (tenantId: string, eventId: string, event: WebhookEvent, data: Record<string, unknown>) => {
    if (stopped) return;
    const [subscribed] = await withTenant(sql, tenantId, (tx) => tx<{ any: boolean }[]>`
      select exists (select 1 from webhook_endpoints where disabled_at is null and ${event} = any (events)) as any`);
    if (!subscribed.any) return;
    const { boss } = await ensureWorker();
    await emitWebhookEvent(sql, boss, { tenantId, eventId, event, data }, opts.retry);
  };

  // The notification carries no tenant; the build row says whose it is (read as the platform,
  // then everything else through withTenant with that tenant).
  const onBuildEvent = (payload: string) => {
    let event: BuildEvent;
    try {
      event = JSON.parse(payload) as BuildEvent;
    } catch {
      return;
    }
    if (stopped || event.type !== 'status' || (event.status !== 'succeeded' && event.status !== 'failed')) return;
    void (async () => {
      const [build] = await sql<{ tenant_id: string; site_id: string }[]>`select tenant_id, site_id from builds where id = ${event.buildId}`;
      if (!build) return;
      const type = event.status === 'succeeded' ? 'build.succeeded' : 'build.failed';
      await emit(build.tenant_id, `${type}:${event.buildId}`, type, {
        buildId: event.buildId, siteId: build.site_id, status: event.status, error: event.error, deploymentId: event.deploymentId,
      });
    })().catch((error) => {
      if (!stopped) log(`[webhooks] build event: ${(error as Error).stack ?? error}`);
    });
  };
  const onSiteLive = (payload: string) => {
    let live: SiteLiveNotification;
    try {
      live = JSON.parse(payload) as SiteLiveNotification;
    } catch {
      return;
    }
    if (stopped) return;
    void (async () => {
      const [site] = await sql<{ tenant_id: string; activated_at: Date | null }[]>`
        select s.tenant_id, d.activated_at from sites s join deployments d on d.id = ${live.deploymentId} where s.id = ${live.siteId}`;
      if (!site) return;
      const at = site.activated_at?.toISOString() ?? '';
      await emit(site.tenant_id, `deployment.live:${live.deploymentId}:${at}`, 'deployment.live', {
        siteId: live.siteId, slug: live.slug, deploymentId: live.deploymentId, activatedAt: at,
      });
    })().catch((error) => {
      if (!stopped) log(`[webhooks] live event: ${(error as Error).stack ?? error}`);
    });
  };

  // cdn/domains.ts announces a domain's first activation once (verified_at stamped by one winner);
  // the event id is the domain row's, so a re-added domain is a new event.
  const onDomainVerified = (payload: string) => {
    let verified: DomainVerifiedNotification;
    try {
      verified = JSON.parse(payload) as DomainVerifiedNotification;
    } catch {
      return;
    }
    if (stopped) return;
    void emit(verified.tenantId, `domain.verified:${verified.domainId}`, 'domain.verified', {
      siteId: verified.siteId, hostname: verified.hostname, verifiedAt: verified.verifiedAt,
    }).catch((error) => {
      if (!stopped) log(`[webhooks] domain event: ${(error as Error).stack ?? error}`);
    });
  };

  // Listening starts in the background and is retried every 5 s, so a web process starts (and
  // reports 503 on /healthz) while the database is unreachable.
  const listeners: { unlisten(): Promise<void> }[] = [];
  let retryTimer: NodeJS.Timeout | null = null;
  const listen = async () => {
    try {
      if (listeners.length === 0) listeners.push(await sql.listen(BUILD_EVENTS_CHANNEL, onBuildEvent));
      if (listeners.length === 1) listeners.push(await sql.listen(SITE_LIVE_CHANNEL, onSiteLive));
      if (listeners.length === 2) listeners.push(await sql.listen(DOMAIN_VERIFIED_CHANNEL, onDomainVerified));
    } catch {
      if (!stopped) retryTimer = setTimeout(() => void listen(), 5_000).unref();
    }
    if (stopped) for (const l of listeners.splice(0)) await l.unlisten().catch(() => {});
  };
  const listening = listen();

  return {
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      await listening;
      for (const l of listeners.splice(0)) await l.unlisten().catch(() => {});
      const started = await working?.catch(() => null);
      if (started) await started.boss.offWork(WEBHOOK_DELIVERY_QUEUE).catch(() => {});
    },
  };
}
