// The edge: the local CDN provider's HTTP server. It serves each site's LIVE deployment by Host
// header (<slug>.<baseDomain>[:port]) entirely from memory: at load time every file's body,
// headers, strong ETag and compressed variants are computed once, so a request is a map lookup
// and a write.
//
// Atomic switch: a site's files live in one immutable LiveSite object. A new deployment is
// loaded completely on the side and then installed with one Map.set; a request reads the
// site's LiveSite once and answers from it, so it sees the whole old deployment or the whole
// new one, never a mix. Switches arrive by pg NOTIFY 'site_live' (sent by activateDeployment
// at commit); a re-sync every 30 s (and after a reconnect of the LISTEN connection) catches
// anything missed. Bodies are cached by sha256 and shared between deployments and sites;
// an object no installed or loading site refers to is dropped.
import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { migrationsCurrent, type Sql } from '../db/index.ts';
import { createContactFormReceiver, FORM_PATH_PREFIX } from './contact-forms.ts';
import { SITE_LIVE_CHANNEL } from './deployments.ts';
import { DOMAINS_CHANGED_CHANNEL, selectActiveDomains } from './domains.sql.ts';
import { readObject } from './object-store.ts';
import { selectHostSuspendedForPayment } from './suspended-sites.sql.ts';
import { addLocalUsage, pingDatabase, selectLiveDeployment, selectLiveSiteIdBySlug, selectLiveSites, type LiveSiteRow } from './platform.sql.ts';
import type { ManifestEntry } from './types.ts';

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

const SECURITY_HEADERS: OutgoingHttpHeaders = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  // Generated sites have no scripts; JSON-LD (<script type="application/ld+json">) is data and
  // is not executed, so script-src 'none' does not affect it.
  'content-security-policy':
    "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; script-src 'none'; form-action 'self'; frame-ancestors 'none'",
};
const HTML_CACHE = 'public, max-age=0, must-revalidate';
const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
const COMPRESSIBLE = /^(text\/|application\/(json|ld\+json|manifest\+json|xml|rss\+xml|atom\+xml|javascript)|image\/svg\+xml)/i;

export interface EdgeOptions {
  sql: Sql;
  dataDir: string;
  port: number;
  host: string;
  /** Sites answer at <slug>.<baseDomain>, e.g. cafe.localhost. */
  baseDomain: string;
  /** Safety-net re-sync of slug → live deployment; 30 s unless set. */
  resyncIntervalMs?: number;
  /** How often served requests and bytes are added to cdn_usage_daily; 60 s unless set. */
  usageFlushIntervalMs?: number;
}

export interface EdgeStats {
  sites: number;
  objects: number;
  bytesInMemory: number;
}

export interface Edge {
  port: number;
  stats(): EdgeStats;
  /** Re-reads what every site serves and reloads what changed (the timer calls it too). */
  resync(): Promise<void>;
  close(): Promise<void>;
}

interface Variant {
  body: Buffer;
  headers: OutgoingHttpHeaders;
}

interface ServedFile {
  identity: Variant;
  gzip?: Variant;
  br?: Variant;
  /** Every ETag this file is served under (one per variant), for If-None-Match. */
  etags: string[];
}

interface LiveSite {
  siteId: string;
  tenantId: string;
  slug: string;
  deploymentId: string;
  files: Map<string, ServedFile>;
  notFound: ServedFile | undefined;
  objects: Set<string>;
}

interface CachedObject {
  body: Buffer;
  /** Compressed variants, computed the first time a compressible type asks; null = not smaller. */
  compressed?: Promise<{ gzip: Buffer | null; br: Buffer | null }>;
  compressedBytes: number;
}

function cacheControlFor(filePath: string, contentType: string): string {
  if (filePath.startsWith('/assets/')) return IMMUTABLE_CACHE;
  if (/^text\/html/i.test(contentType)) return HTML_CACHE;
  // Stylesheets and other files keep a stable name across deployments, so they revalidate too.
  return HTML_CACHE;
}

function withCharset(contentType: string): string {
  return /^text\//i.test(contentType) && !/charset=/i.test(contentType) ? `${contentType}; charset=utf-8` : contentType;
}

/** Paths to try for a request path, or null when the path is malformed or tries to escape. */
export function candidatePaths(pathname: string): string[] | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return null;
  if (decoded.split('/').some((segment) => segment === '..' || segment === '.')) return null;
  if (decoded.endsWith('/')) return [`${decoded}index.html`];
  return [decoded, `${decoded}/index.html`];
}

/** Which compressed encodings the client accepts (q > 0), br preferred over gzip. */
export function preferredEncoding(header: string | undefined): 'br' | 'gzip' | null {
  if (!header) return null;
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    let quality = 1;
    for (const param of params) {
      const [key, value] = param.trim().split('=');
      if (key === 'q') quality = Number(value);
    }
    q.set(name.trim(), Number.isFinite(quality) ? quality : 0);
  }
  const accepts = (name: string) => (q.get(name) ?? q.get('*') ?? 0) > 0;
  if (accepts('br')) return 'br';
  if (accepts('gzip') || (q.get('x-gzip') ?? 0) > 0) return 'gzip';
  return null;
}

function etagMatches(ifNoneMatch: string, etags: string[]): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => etags.includes(tag.trim().replace(/^W\//, '')));
}

function koreanPage(title: string, message: string): Variant {
  const body = Buffer.from(
    `<!doctype html><html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
      `<title>${title}</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#333}</style></head>` +
      `<body><h1>${title}</h1><p>${message}</p></body></html>`,
  );
  return {
    body,
    headers: {
      ...SECURITY_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'content-length': body.length,
      'cache-control': 'no-store',
    },
  };
}

const UNKNOWN_SITE_PAGE = koreanPage('사이트를 찾을 수 없습니다', '주소를 다시 확인해 주세요. 사이트가 아직 게시되지 않았거나 게시가 중단되었을 수 있습니다.');
const SUSPENDED_SITE_PAGE = koreanPage('이 사이트는 일시 중지되었습니다', '사이트 운영자의 이용료 결제가 확인되지 않아 잠시 멈췄습니다. 결제가 확인되면 바로 다시 열립니다. 사이트 운영자에게 문의해 주세요.');
const MISSING_PAGE = koreanPage('페이지를 찾을 수 없습니다', '주소를 다시 확인해 주세요. 페이지가 옮겨졌거나 삭제되었을 수 있습니다.');

export async function startEdge(opts: EdgeOptions): Promise<Edge> {
  const { sql, dataDir } = opts;
  const baseSuffix = `.${opts.baseDomain.toLowerCase()}`;

  const bySlug = new Map<string, LiveSite>();
  const bySiteId = new Map<string, LiveSite>();
  const objects = new Map<string, Promise<CachedObject>>();
  /** The same objects once read, for counting the bytes held in memory. */
  const loadedObjects = new Map<string, CachedObject>();
  /** Objects a site being loaded holds (counted per load), so a sweep does not drop them. */
  const pinned = new Map<string, number>();
  const usage = new Map<string, { requests: number; bytes: number }>();
  /** Active custom domains: host → site, and the primary host a non-primary one redirects to. */
  let byHost = new Map<string, { siteId: string; redirectTo: string | null }>();
  let closed = false;

  // ---- loading a deployment into memory ------------------------------------------------

  // Object reads at once, across all loads: a start-up with many large sites must not run
  // out of file descriptors.
  const MAX_READS = 32;
  let reading = 0;
  const waitingReads: (() => void)[] = [];
  async function limitReads<T>(read: () => Promise<T>): Promise<T> {
    // A finishing read hands its slot straight to the next waiting one.
    if (reading >= MAX_READS) await new Promise<void>((resolve) => waitingReads.push(resolve));
    else reading += 1;
    try {
      return await read();
    } finally {
      const next = waitingReads.shift();
      if (next) next();
      else reading -= 1;
    }
  }

  function objectFor(sha256: string): Promise<CachedObject> {
    let cached = objects.get(sha256);
    if (!cached) {
      cached = limitReads(() => readObject(dataDir, sha256)).then((body) => {
        const object: CachedObject = { body, compressedBytes: 0 };
        if (objects.get(sha256) === cached) loadedObjects.set(sha256, object);
        return object;
      });
      cached.catch(() => {
        if (objects.get(sha256) === cached) objects.delete(sha256);
      });
      objects.set(sha256, cached);
    }
    return cached;
  }

  function compressedFor(object: CachedObject) {
    object.compressed ??= (async () => {
      const [gz, br] = await Promise.all([
        gzip(object.body, { level: 9 }),
        brotli(object.body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 9 } }),
      ]);
      const result = { gzip: gz.length < object.body.length ? gz : null, br: br.length < object.body.length ? br : null };
      object.compressedBytes = (result.gzip?.length ?? 0) + (result.br?.length ?? 0);
      return result;
    })();
    return object.compressed;
  }

  async function serveFile(filePath: string, entry: ManifestEntry): Promise<ServedFile> {
    const object = await objectFor(entry.sha256);
    const contentType = withCharset(entry.contentType);
    const tag = entry.sha256.slice(0, 40);
    const common: OutgoingHttpHeaders = {
      ...SECURITY_HEADERS,
      'content-type': contentType,
      'cache-control': cacheControlFor(filePath, entry.contentType),
    };
    const variant = (body: Buffer, etag: string, encoding?: string): Variant => ({
      body,
      headers: {
        ...common,
        'content-length': body.length,
        etag,
        ...(encoding ? { 'content-encoding': encoding } : {}),
      },
    });
    const identityTag = `"${tag}"`;
    if (!COMPRESSIBLE.test(entry.contentType)) {
      return { identity: variant(object.body, identityTag), etags: [identityTag] };
    }
    const compressed = await compressedFor(object);
    const file: ServedFile = { identity: variant(object.body, identityTag), etags: [identityTag] };
    if (compressed.gzip) {
      file.gzip = variant(compressed.gzip, `"${tag}-gz"`, 'gzip');
      file.etags.push(`"${tag}-gz"`);
    }
    if (compressed.br) {
      file.br = variant(compressed.br, `"${tag}-br"`, 'br');
      file.etags.push(`"${tag}-br"`);
    }
    if (file.gzip || file.br) {
      for (const v of [file.identity, file.gzip, file.br]) if (v) v.headers.vary = 'Accept-Encoding';
    }
    return file;
  }

  async function loadSite(row: LiveSiteRow & { manifest: Record<string, ManifestEntry> }): Promise<LiveSite> {
    const shas = new Set(Object.values(row.manifest).map((e) => e.sha256));
    for (const sha of shas) pinned.set(sha, (pinned.get(sha) ?? 0) + 1);
    try {
      const files = new Map<string, ServedFile>();
      await Promise.all(
        Object.entries(row.manifest).map(async ([filePath, entry]) => {
          files.set(filePath, await serveFile(filePath, entry));
        }),
      );
      return {
        siteId: row.siteId,
        tenantId: row.tenantId,
        slug: row.slug,
        deploymentId: row.deploymentId,
        files,
        notFound: files.get('/404.html'),
        objects: shas,
      };
    } finally {
      for (const sha of shas) {
        const count = (pinned.get(sha) ?? 1) - 1;
        if (count <= 0) pinned.delete(sha);
        else pinned.set(sha, count);
      }
    }
  }

  /** Drops cached objects that no installed site and no load in progress refers to. */
  function sweepObjects(): void {
    const referenced = new Set(pinned.keys());
    for (const site of bySiteId.values()) for (const sha of site.objects) referenced.add(sha);
    for (const sha of objects.keys()) {
      if (!referenced.has(sha)) {
        objects.delete(sha);
        loadedObjects.delete(sha);
      }
    }
  }

  function install(site: LiveSite): void {
    const previous = bySiteId.get(site.siteId);
    if (previous && previous.slug !== site.slug && bySlug.get(previous.slug) === previous) bySlug.delete(previous.slug);
    // The switch: one reference per map. A request already holding `previous` finishes with it.
    bySlug.set(site.slug, site);
    bySiteId.set(site.siteId, site);
    sweepObjects();
  }

  function uninstall(siteId: string): void {
    const previous = bySiteId.get(siteId);
    if (!previous) return;
    bySiteId.delete(siteId);
    if (bySlug.get(previous.slug) === previous) bySlug.delete(previous.slug);
    sweepObjects();
  }

  // ---- keeping in step with the database ------------------------------------------------

  /** Per site: the refresh running now, and whether another one is queued behind it. */
  const running = new Map<string, Promise<void>>();
  const queued = new Set<string>();

  /**
   * Loads whatever the database says the site serves now and installs it. Refreshes of one
   * site run one after another, and several requests while one runs collapse into one more
   * run, which reads the newest state — so the order notifications arrive in does not matter.
   */
  function refreshSite(siteId: string): Promise<void> {
    if (queued.has(siteId)) return running.get(siteId) ?? Promise.resolve();
    queued.add(siteId);
    const previous = running.get(siteId) ?? Promise.resolve();
    const next = previous.then(async () => {
      queued.delete(siteId);
      if (closed) return;
      try {
        const live = await selectLiveDeployment(sql, siteId);
        if (!live) return uninstall(siteId);
        const current = bySiteId.get(siteId);
        if (current && current.deploymentId === live.deploymentId && current.slug === live.slug) return;
        const site = await loadSite(live);
        if (!closed) install(site);
      } catch (error) {
        console.error(`[edge] could not load site ${siteId}; it keeps serving what it served: ${(error as Error).message}`);
      }
    });
    running.set(siteId, next);
    void next.finally(() => {
      if (running.get(siteId) === next) running.delete(siteId);
    });
    return next;
  }

  /** Re-reads the active custom domains; the new map replaces the old one in one assignment. */
  async function reloadDomains(): Promise<void> {
    const rows = await selectActiveDomains(sql);
    byHost = new Map(rows.map((r) => [r.hostname, { siteId: r.siteId, redirectTo: r.redirectTo }]));
  }
  let domainsReload: Promise<void> | null = null;
  let domainsAgain = false;
  function onDomainsChanged(): void {
    if (closed) return;
    if (domainsReload) {
      domainsAgain = true;
      return;
    }
    domainsReload = reloadDomains()
      .catch((error) => console.error(`[edge] could not reload custom domains; serving the previous ones: ${(error as Error).message}`))
      .finally(() => {
        domainsReload = null;
        if (domainsAgain) {
          domainsAgain = false;
          onDomainsChanged();
        }
      });
  }

  async function resync(): Promise<void> {
    await reloadDomains();
    const rows = await selectLiveSites(sql);
    const live = new Map(rows.map((r) => [r.siteId, r]));
    for (const siteId of [...bySiteId.keys()]) if (!live.has(siteId)) await refreshSite(siteId);
    const changed = rows.filter((r) => {
      const current = bySiteId.get(r.siteId);
      return !current || current.deploymentId !== r.deploymentId || current.slug !== r.slug;
    });
    await Promise.all(changed.map((r) => refreshSite(r.siteId)));
  }

  function onSiteLive(payload: string): void {
    let siteId: unknown;
    try {
      siteId = (JSON.parse(payload) as { siteId?: unknown }).siteId;
    } catch {
      siteId = undefined;
    }
    if (typeof siteId !== 'string') {
      console.error(`[edge] ignoring a malformed ${SITE_LIVE_CHANNEL} notification: ${payload.slice(0, 200)}`);
      return;
    }
    notLive.clear();
    void refreshSite(siteId);
  }

  /**
   * Slugs the database recently said serve nothing (until when), so a scan of made-up host names
   * costs one query per name per second. Cleared by every switch notification.
   */
  const notLive = new Map<string, number>();
  const NOT_LIVE_MS = 1_000;

  /**
   * A host this edge does not serve yet may be a site that went live a moment ago: its switch is
   * committed but the notification is still loading it (or has not arrived). The first visitor —
   * often the owner, right after "게시 완료" — waits for the load instead of getting a 404.
   */
  async function routeUnknownHost(hostHeader: string | undefined): Promise<{ site?: LiveSite; redirectTo?: string }> {
    if (running.size > 0) await withTimeout(Promise.allSettled([...running.values()]), 5_000).catch(() => {});
    let route = routeHost(hostHeader);
    if (route.site) return route;
    const host = (hostHeader ?? '').toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
    const slug = host.endsWith(baseSuffix) ? host.slice(0, -baseSuffix.length) : '';
    if (!slug || slug.includes('.') || (notLive.get(slug) ?? 0) > Date.now()) return route;
    const siteId = await withTimeout(selectLiveSiteIdBySlug(sql, slug), 3_000);
    if (!siteId) {
      if (notLive.size >= 10_000) notLive.clear();
      notLive.set(slug, Date.now() + NOT_LIVE_MS);
      return route;
    }
    await withTimeout(refreshSite(siteId), 5_000);
    route = routeHost(hostHeader);
    return route;
  }

  // LISTEN first, then load: a switch committed while we load is either in the initial load
  // or arrives as a notification. postgres.js re-listens after a reconnect and calls onlisten
  // again; notifications sent while disconnected are lost, so a reconnect triggers a re-sync.
  let listening = false;
  const subscription = await sql.listen(SITE_LIVE_CHANNEL, onSiteLive, () => {
    if (listening) resync().catch((error) => console.error(`[edge] re-sync after reconnect failed: ${(error as Error).message}`));
    listening = true;
  });
  const domainSubscription = await sql.listen(DOMAINS_CHANGED_CHANNEL, onDomainsChanged);
  await resync();

  const resyncTimer = setInterval(() => {
    resync().catch((error) => console.error(`[edge] re-sync failed: ${(error as Error).message}`));
  }, opts.resyncIntervalMs ?? 30_000);
  resyncTimer.unref();

  async function flushUsage(): Promise<void> {
    if (usage.size === 0) return;
    const counts = [...usage].map(([siteId, c]) => ({ siteId, ...c }));
    usage.clear();
    await addLocalUsage(sql, counts);
  }
  const usageTimer = setInterval(() => {
    flushUsage().catch((error) => console.error(`[edge] could not record usage: ${(error as Error).message}`));
  }, opts.usageFlushIntervalMs ?? 60_000);
  usageTimer.unref();

  // ---- answering requests --------------------------------------------------------------

  async function health(res: ServerResponse, head: boolean): Promise<void> {
    let database = false;
    let migrations = false;
    try {
      await withTimeout(pingDatabase(sql), 3_000);
      database = true;
      migrations = await withTimeout(migrationsCurrent(sql), 3_000);
    } catch {
      // reported as false below
    }
    const ok = database && migrations;
    const body = Buffer.from(JSON.stringify({ ok, database, migrations, sites: bySlug.size }));
    res.writeHead(ok ? 200 : 503, {
      ...SECURITY_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
      'cache-control': 'no-store',
    });
    res.end(head ? undefined : body);
  }

  function send(res: ServerResponse, status: number, variant: Variant, head: boolean, site?: LiveSite): void {
    res.writeHead(status, variant.headers);
    res.end(head ? undefined : variant.body);
    if (site) {
      const count = usage.get(site.siteId) ?? { requests: 0, bytes: 0 };
      count.requests += 1;
      count.bytes += head ? 0 : variant.body.length;
      usage.set(site.siteId, count);
    }
  }

  /** Hosts recently found (not) suspended for non-payment, until when: one query per host per second. */
  const suspendedHosts = new Map<string, { suspended: boolean; until: number }>();

  /**
   * A host no live site answers: a site whose workspace is suspended for non-payment (billing's
   * grace period ended) gets a 503 "이 사이트는 일시 중지되었습니다" page — temporary, so search
   * engines keep it — and anything else the unknown-site 404.
   */
  function notServed(req: IncomingMessage, res: ServerResponse, head: boolean): void {
    const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
    const slug = host.endsWith(baseSuffix) ? host.slice(0, -baseSuffix.length) : null;
    const answer = (suspended: boolean) => (suspended ? send(res, 503, SUSPENDED_SITE_PAGE, head) : send(res, 404, UNKNOWN_SITE_PAGE, head));
    const known = suspendedHosts.get(host);
    if (!host || (slug !== null && (!slug || slug.includes('.')))) return answer(false);
    if (known && known.until > Date.now()) return answer(known.suspended);
    withTimeout(selectHostSuspendedForPayment(sql, host, slug), 3_000).then(
      (suspended) => {
        if (suspendedHosts.size >= 10_000) suspendedHosts.clear();
        suspendedHosts.set(host, { suspended, until: Date.now() + 1_000 });
        answer(suspended);
      },
      (error: unknown) => {
        console.error(`[edge] checking whether ${host} is suspended: ${(error as Error).message}`);
        answer(false);
      },
    );
  }

  /** The site a Host header names: <slug>.<baseDomain>, or an active custom domain (with its redirect). */
  function routeHost(hostHeader: string | undefined): { site?: LiveSite; redirectTo?: string } {
    if (!hostHeader) return {};
    const host = hostHeader.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
    if (!host.endsWith(baseSuffix)) {
      const domain = byHost.get(host);
      if (!domain) return {};
      const site = bySiteId.get(domain.siteId);
      if (!site) return {};
      return domain.redirectTo ? { site, redirectTo: domain.redirectTo } : { site };
    }
    const slug = host.slice(0, -baseSuffix.length);
    if (!slug || slug.includes('.')) return {};
    return { site: bySlug.get(slug) };
  }

  function siteForHost(hostHeader: string | undefined): LiveSite | undefined {
    const route = routeHost(hostHeader);
    return route.redirectTo ? undefined : route.site;
  }

  /** 301 from a non-primary custom domain to the same path on the primary one. */
  function redirect(req: IncomingMessage, res: ServerResponse, target: string, url: string, head: boolean, site: LiveSite): void {
    const forwarded = req.headers['x-forwarded-proto'];
    const scheme = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0].trim() === 'https' ? 'https' : 'http';
    const location = `${scheme}://${target}${url}`;
    const body = Buffer.from(`<!doctype html><html lang="ko"><meta charset="utf-8"><title>주소가 옮겨졌습니다</title><a href="${location.replace(/"/g, '%22').replace(/</g, '%3C')}">${target}</a></html>`);
    send(res, 301, {
      body,
      headers: { ...SECURITY_HEADERS, location, 'content-type': 'text/html; charset=utf-8', 'content-length': body.length, 'cache-control': 'public, max-age=3600' },
    }, head, site);
  }

  // Contact forms: POST /__forms/<sectionId> on a live site (cdn/contact-forms.ts).
  const forms = createContactFormReceiver({ sql });
  function receiveForm(req: IncomingMessage, res: ServerResponse): void {
    const pathname = (req.url ?? '/').split('?')[0];
    const site = siteForHost(req.headers.host);
    const sectionId = pathname.startsWith(FORM_PATH_PREFIX) ? pathname.slice(FORM_PATH_PREFIX.length) : '';
    if (!site || !/^[A-Za-z0-9_-]{1,64}$/.test(sectionId)) {
      req.resume();
      res.writeHead(404, { ...SECURITY_HEADERS, 'content-length': 0 });
      res.end();
      return;
    }
    forms.handle(req, res, site, sectionId, SECURITY_HEADERS).catch((error: unknown) => {
      console.error(`[edge] contact form ${site.siteId}/${sectionId}: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) res.writeHead(500, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
      res.end('문의를 저장하지 못했습니다. 잠시 뒤 다시 보내 주세요.');
    });
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'POST' && (req.url ?? '').startsWith(FORM_PATH_PREFIX)) return receiveForm(req, res);
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.writeHead(405, { ...SECURITY_HEADERS, allow: 'GET, HEAD', 'content-length': 0 });
      res.end();
      return;
    }
    let url = req.url ?? '/';
    // An absolute-form request target (GET http://host/path) names the path after the authority.
    if (!url.startsWith('/')) url = /^https?:\/\/[^/?#]*(.*)$/i.exec(url)?.[1] || '/';
    const queryAt = url.indexOf('?');
    const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
    if (pathname === '/healthz') {
      void health(res, head);
      return;
    }

    // The site is read once: everything below answers from this one deployment.
    const route = routeHost(req.headers.host);
    if (route.site) return serve(req, res, route, url, pathname, head);
    routeUnknownHost(req.headers.host).then(
      (found) => (found.site ? serve(req, res, found, url, pathname, head) : notServed(req, res, head)),
      (error: unknown) => {
        console.error(`[edge] looking up ${req.headers.host}: ${(error as Error).message}`);
        send(res, 404, UNKNOWN_SITE_PAGE, head);
      },
    );
  }

  function serve(req: IncomingMessage, res: ServerResponse, route: { site?: LiveSite; redirectTo?: string }, url: string, pathname: string, head: boolean): void {
    const site = route.site!;
    if (route.redirectTo) return redirect(req, res, route.redirectTo, url, head, site);

    let file: ServedFile | undefined;
    for (const candidate of candidatePaths(pathname) ?? []) {
      file = site.files.get(candidate);
      if (file) break;
    }
    if (!file) {
      if (!site.notFound) return send(res, 404, MISSING_PAGE, head, site);
      const encoding = preferredEncoding(req.headers['accept-encoding']);
      const chosen = (encoding && site.notFound[encoding]) || site.notFound.identity;
      const { etag: _etag, ...headers } = chosen.headers;
      return send(res, 404, { body: chosen.body, headers }, head, site);
    }

    const encoding = preferredEncoding(req.headers['accept-encoding']);
    const variant = (encoding && file[encoding]) || file.identity;
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch && etagMatches(ifNoneMatch, file.etags)) {
      const { 'content-length': _length, 'content-type': _type, 'content-encoding': _encoding, ...headers } = variant.headers;
      res.writeHead(304, headers);
      res.end();
      const count = usage.get(site.siteId) ?? { requests: 0, bytes: 0 };
      count.requests += 1;
      usage.set(site.siteId, count);
      return;
    }
    send(res, 200, variant, head, site);
  }

  const server = http.createServer((req, res) => {
    try {
      handle(req, res);
    } catch (error) {
      console.error(`[edge] ${req.method} ${req.headers.host}${req.url}: ${(error as Error).stack ?? error}`);
      if (!res.headersSent) res.writeHead(500, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
      res.end('서버 오류가 발생했습니다. 잠시 뒤 다시 시도해 주세요.');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    stats() {
      let bytesInMemory = 0;
      for (const object of loadedObjects.values()) bytesInMemory += object.body.length + object.compressedBytes;
      return { sites: bySlug.size, objects: loadedObjects.size, bytesInMemory };
    },
    resync,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(resyncTimer);
      clearInterval(usageTimer);
      await subscription.unlisten().catch(() => {});
      await domainSubscription.unlisten().catch(() => {});
      await domainsReload;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.allSettled([...running.values()]);
      await flushUsage().catch((error) => console.error(`[edge] could not record usage at close: ${(error as Error).message}`));
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
