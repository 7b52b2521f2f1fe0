// Seeds what the scenarios need through the platform's own HTTP routes, the way owners do it in
// a browser: owner accounts (sign-up, or log-in when the account is already there from an
// earlier run), one site each from a template, and a few of those sites published and served by
// the edge. Idempotent: a second run reuses the accounts and sites. Returns the seed file the
// k6 scenarios read (loadtest/scenarios/common.js).
// Each account is granted the LOADTEST_PLAN first (in the platform's database, as an admin
// would on /finance): the free trial allows one site and ends after 14 days, and the seed gives
// an account up to ceil(owners / accounts) sites (10 at 500 owners over 50 accounts).
import { getPlan, grantPlan } from '../billing/index.ts';
import type { Sql } from '../db/index.ts';
import { templates } from '../site/index.ts';

export const LOADTEST_PASSWORD = 'loadtest-password-2026';

export interface SeededOwner {
  email: string;
  password: string;
  siteId: string;
  slug: string;
}

export interface SeededPage {
  path: string;
  /** The page's <title>: a visitor's check that the edge served this site's published page. */
  title: string;
}

export interface SeededSite {
  slug: string;
  /** The Host header the edge routes by, e.g. loadtest-1.localhost:8080. */
  host: string;
  /** Same-site files the pages load (stylesheets, icons, images), each checked to answer 200. */
  assets: string[];
  pages: SeededPage[];
}

export interface LoadtestSeed {
  owners: SeededOwner[];
  sites: SeededSite[];
}

export interface SeedOptions {
  /** The platform's database: each account is granted LOADTEST_PLAN there before its sites are made. */
  sql: Sql;
  webUrl: string;
  edgeUrl: string;
  owners: number;
  publishedSites: number;
  /** At most this many accounts (default MAX_SEEDED_ACCOUNTS); owners beyond share them, one site each. */
  maxAccounts?: number;
  /** Parallel sign-ups (Argon2 hashing is the cost); default 4. */
  concurrency?: number;
  log?: (line: string) => void;
  /** How long to wait for a published site to be served; default 180 s. */
  publishTimeoutMs?: number;
}

export class SeedError extends Error {}

/** The plan every load-test account gets (엔터프라이즈: 50 sites, no trial end). */
export const LOADTEST_PLAN = 'enterprise';

export function ownerEmail(index: number): string {
  return `loadtest-owner-${index}@example.com`;
}

export function ownerSlug(index: number): string {
  return `loadtest-${index}`;
}

/** A browser session against the web app: keeps its cookie and sends Origin on mutations. */
class BrowserSession {
  private cookies = new Map<string, string>();

  constructor(private readonly webUrl: string) {}

  private remember(res: Response) {
    for (const header of res.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(header)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private cookieHeader(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { Cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  }

  async get(path: string): Promise<Response> {
    const res = await fetch(`${this.webUrl}${path}`, { headers: { ...this.cookieHeader(), Accept: '*/*' }, redirect: 'manual' });
    this.remember(res);
    return res;
  }

  async postForm(path: string, fields: Record<string, string>): Promise<Response> {
    const res = await fetch(`${this.webUrl}${path}`, {
      method: 'POST',
      headers: {
        ...this.cookieHeader(),
        Origin: this.webUrl,
        Referer: `${this.webUrl}${path.split('?')[0]}`,
        'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8',
      },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
    this.remember(res);
    return res;
  }
}

async function describe(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  return `${res.status} ${text.slice(0, 400)}`;
}

interface SiteCard {
  id: string;
  name: string;
  address: string;
  isLive: boolean;
}

async function signInOrUp(session: BrowserSession, index: number): Promise<void> {
  const email = ownerEmail(index);
  // Sign-up first: a log-in attempt for an account that does not exist yet counts as a failed
  // log-in from this IP, and 50 of them (a fresh platform's seed) lock every log-in from
  // 127.0.0.1 for 15 minutes (web/app/login-throttle.server.ts).
  const signup = await session.postForm('/signup', {
    email,
    password: LOADTEST_PASSWORD,
    displayName: `부하 테스트 ${index}`,
    workspaceName: `부하 테스트 ${index}`,
  });
  if (signup.status === 302) return;
  const login = await session.postForm('/login', { email, password: LOADTEST_PASSWORD, redirectTo: '/sites' });
  if (login.status === 302) return;
  if (login.status === 429) throw new SeedError(`Log-in of ${email} was rate-limited: ${await describe(login)}`);
  throw new SeedError(`Neither sign-up (${signup.status}) nor log-in of ${email} worked: ${await describe(login)}`);
}

async function listSiteCards(session: BrowserSession): Promise<SiteCard[]> {
  const res = await session.get('/sites?_data=routes%2Fsites._index');
  if (res.status !== 200) throw new SeedError(`GET /sites data answered ${await describe(res)}`);
  return ((await res.json()) as { sites: SiteCard[] }).sites;
}

interface SeededAccount {
  session: BrowserSession;
  /** Its sites, oldest first, as the site list shows them. */
  sites: { owner: SeededOwner; card: SiteCard }[];
}

/** Grants the account's workspace LOADTEST_PLAN (once: a second run finds it granted). */
async function grantLoadtestPlan(sql: Sql, index: number): Promise<void> {
  const email = ownerEmail(index);
  const [row] = await sql<{ tenantId: string; planCode: string | null; granted: boolean }[]>`
    select m.tenant_id as "tenantId", s.plan_code as "planCode", s.granted_at is not null as granted
    from memberships m join users u on u.id = m.user_id left join subscriptions s on s.tenant_id = m.tenant_id
    where lower(u.email) = ${email} and m.role = 'owner' order by m.created_at limit 1`;
  if (!row) throw new SeedError(`${email} signed in but owns no workspace in the platform database — is DATABASE_URL the platform's database?`);
  if (row.planCode === LOADTEST_PLAN && row.granted) return;
  await grantPlan(sql, row.tenantId, LOADTEST_PLAN, { userId: null });
}

/** Account `index` (signed up or logged in, on LOADTEST_PLAN) with at least `siteCount` sites of its own. */
async function seedAccount(sql: Sql, webUrl: string, index: number, siteCount: number): Promise<SeededAccount> {
  const session = new BrowserSession(webUrl);
  await signInOrUp(session, index);
  await grantLoadtestPlan(sql, index);
  let cards = await listSiteCards(session);
  for (let k = cards.length + 1; k <= siteCount; k++) {
    const template = templates[(index + k) % templates.length];
    const slug = k === 1 ? ownerSlug(index) : `${ownerSlug(index)}-${k}`;
    const created = await session.postForm('/sites/new', { template: template.id, name: `${template.name} 부하 테스트 ${index}-${k}`, slug });
    if (created.status !== 302) throw new SeedError(`Creating the site ${slug} answered ${await describe(created)}`);
    cards = await listSiteCards(session);
  }
  if (cards.length < Math.max(siteCount, 1)) throw new SeedError(`${ownerEmail(index)} has ${cards.length} sites after creating ${siteCount}.`);
  // The list is newest first; keep creation order so the first site stays the first.
  const ordered = [...cards].sort((a, b) => siteNumber(a) - siteNumber(b));
  return {
    session,
    sites: ordered.map((card) => ({
      card,
      owner: { email: ownerEmail(index), password: LOADTEST_PASSWORD, siteId: card.id, slug: new URL(card.address).hostname.split('.')[0] },
    })),
  };
}

/** 1 for loadtest-7, 3 for loadtest-7-3 (sites from elsewhere sort last). */
function siteNumber(card: SiteCard): number {
  const slug = new URL(card.address).hostname.split('.')[0];
  const match = /^loadtest-\d+(?:-(\d+))?$/.exec(slug);
  if (!match) return Number.MAX_SAFE_INTEGER;
  return match[1] ? Number(match[1]) : 1;
}

async function publish(session: BrowserSession, siteId: string): Promise<void> {
  const res = await session.postForm(`/sites/${siteId}?index&_data=${encodeURIComponent('routes/sites.$siteId._index')}`, { intent: 'publish' });
  const redirect = res.headers.get('x-remix-redirect') ?? '';
  if (res.status !== 204 || !redirect.includes('/builds/')) throw new SeedError(`Publishing site ${siteId} answered ${await describe(res)}`);
}

async function edgeGet(edgeUrl: string, host: string, path: string): Promise<Response> {
  // fetch() will not let us set Host; node:http will.
  const { request } = await import('node:http');
  const url = new URL(path, edgeUrl);
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Host: host, Accept: 'text/html' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
        resolve(new Response(res.statusCode === 204 || res.statusCode === 304 ? null : Buffer.concat(chunks), { status: res.statusCode ?? 0, headers }));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function titleOf(html: string): string | null {
  const match = /<title>([^<]*)<\/title>/i.exec(html);
  return match ? match[1].trim() : null;
}

/** Reads a published site from the edge: its pages (from the home page's links), their titles and files. */
export async function crawlPublishedSite(edgeUrl: string, host: string): Promise<Pick<SeededSite, 'pages' | 'assets'>> {
  const home = await edgeGet(edgeUrl, host, '/');
  const html = await home.text();
  if (home.status !== 200) throw new SeedError(`The edge answered ${home.status} for ${host}/`);
  const paths = new Set<string>(['/']);
  for (const [, href] of html.matchAll(/<a[^>]+href="(\/[a-z0-9-]+\/)"/g)) paths.add(href);
  const files = new Set<string>();
  for (const [, href] of html.matchAll(/<link[^>]+rel="(?:stylesheet|icon)"[^>]*href="(\/[^"]+)"/g)) files.add(href);
  for (const [, src] of html.matchAll(/<img[^>]+src="(\/[^"]+)"/g)) files.add(src);
  const pages: SeededPage[] = [];
  for (const path of paths) {
    const res = path === '/' ? null : await edgeGet(edgeUrl, host, path);
    const body = res ? await res.text() : html;
    if (res && res.status !== 200) continue;
    const title = titleOf(body);
    // Kept as it appears in the HTML (entities and all): the scenario looks for it in the raw body.
    if (title) pages.push({ path, title });
  }
  if (pages.length === 0) throw new SeedError(`The published site at ${host} has no page with a <title>.`);
  const assets: string[] = [];
  for (const file of files) {
    const res = await edgeGet(edgeUrl, host, file);
    await res.arrayBuffer();
    if (res.status === 200) assets.push(file);
  }
  return { pages, assets };
}

async function waitUntilServed(edgeUrl: string, host: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await edgeGet(edgeUrl, host, '/');
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new SeedError(`The edge did not serve ${host} within ${Math.round(timeoutMs / 1000)} s after publishing (last: ${last}). Is the worker running?`);
}

async function inParallel<T>(count: number, concurrency: number, work: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const index = next++;
      results[index] = await work(index);
    }
  });
  await Promise.all(runners);
  return results;
}

/** Sign-ups cost an Argon2 hash each; beyond this many accounts, owners get more sites instead. */
export const MAX_SEEDED_ACCOUNTS = 50;

/**
 * Seeds `owners` (account, site) pairs — one per owner VU, so no two VUs edit the same site — over
 * at most MAX_SEEDED_ACCOUNTS accounts, and makes the first site of the first `publishedSites`
 * accounts live. The owners list starts with one site of each account, so the first VUs each log
 * in to a different workspace.
 */
export async function seedLoadtest(options: SeedOptions): Promise<LoadtestSeed> {
  const log = options.log ?? (() => {});
  const accountCount = Math.max(Math.min(options.owners, options.maxAccounts ?? MAX_SEEDED_ACCOUNTS), options.publishedSites);
  const sitesPerAccount = accountCount === 0 ? 0 : Math.max(1, Math.ceil(options.owners / accountCount));
  const plan = await getPlan(options.sql, LOADTEST_PLAN);
  if (sitesPerAccount > plan.maxSites) {
    throw new SeedError(`${options.owners} owners over ${accountCount} accounts need ${sitesPerAccount} sites per account; the ${plan.nameEn} plan allows ${plan.maxSites}. Raise maxAccounts.`);
  }
  const started = Date.now();
  let done = 0;
  const accounts = await inParallel(accountCount, options.concurrency ?? 4, async (index) => {
    const result = await seedAccount(options.sql, options.webUrl, index + 1, sitesPerAccount);
    done++;
    if (done % 25 === 0 || done === accountCount) log(`[seed] ${done}/${accountCount} owner accounts with ${sitesPerAccount} site(s) each`);
    return result;
  });
  log(`[seed] ${accountCount} accounts and ${accountCount * sitesPerAccount} sites ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const owners: SeededOwner[] = [];
  for (let k = 0; k < sitesPerAccount; k++) for (const account of accounts) if (account.sites[k]) owners.push(account.sites[k].owner);

  const toPublish = accounts.slice(0, options.publishedSites).map((a) => ({ session: a.session, ...a.sites[0] }));
  for (const { card, session, owner } of toPublish) {
    if (!card.isLive) {
      log(`[seed] publishing ${owner.slug}`);
      await publish(session, owner.siteId);
    }
  }
  const sites: SeededSite[] = [];
  for (const { card } of toPublish) {
    const url = new URL(card.address);
    const host = url.host;
    await waitUntilServed(options.edgeUrl, host, options.publishTimeoutMs ?? 180_000);
    sites.push({ slug: url.hostname.split('.')[0], host, ...(await crawlPublishedSite(options.edgeUrl, host)) });
  }
  if (options.publishedSites > 0) log(`[seed] ${sites.length} published sites served by the edge (${sites.reduce((n, s) => n + s.pages.length, 0)} pages)`);
  return { owners: owners.slice(0, options.owners), sites };
}
