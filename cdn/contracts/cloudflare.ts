// Cloudflare API contract server (test support): the Pages endpoints WindWalker calls, checked
// the way api.cloudflare.com checks them and answered in its v4 envelope
// ({ success, errors: [{ code, message }], messages, result }).
//
// - account endpoints need `Authorization: Bearer <API token>` and the configured account id;
// - /pages/assets/* need the upload JWT from …/upload-token (HS256, scoped to one project,
//   expiring) — the API token is refused there, as it is by Cloudflare;
// - an asset is at most 25 MiB, a deployment at most 20,000 files, keys are 32 hex characters,
//   uploads are base64 and must decode, a manifest may only name uploaded assets;
// - the live production deployment cannot be deleted; rollback only to a production deployment.
// - a project is deleted with its domains and deployments unless it has more than 100
//   deployments (8000076, Cloudflare's known limit: delete deployments first).
// Bulk Redirects (account lists and the redirect phase) are in cloudflare-redirects.ts;
// `serve(project, path)` serves what a project serves now, and `request(url)` answers a visitor
// as Cloudflare would: a Bulk Redirect first, else the project that has the host as an active
// custom domain (or <project>.pages.dev).
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { bearer, json, parseJson, randomHex, startContractServer, type ContractRequest, type ContractResponse, type ContractServer } from './http.ts';
import { createCloudflareAnalytics, type CloudflareAnalytics } from './cloudflare-analytics.ts';
import { envelope, failure, faultAnswer } from './cloudflare-envelope.ts';
import { createCloudflareRedirects, type CloudflareRedirects } from './cloudflare-redirects.ts';

const MAX_ASSET_BYTES = 25 * 1024 * 1024;
const MAX_FILES = 20_000;
const KEY = /^[0-9a-f]{32}$/;

interface Asset {
  body: Buffer;
  contentType: string;
}

interface PagesDeployment {
  id: string;
  environment: 'production' | 'preview';
  manifest: Record<string, string>;
  created_on: string;
}

interface PagesDomain {
  id: string;
  name: string;
  status: 'initializing' | 'pending' | 'active';
  txtName: string;
  txtValue: string;
  created_on: string;
}

interface Project {
  name: string;
  production_branch: string;
  deployments: Map<string, PagesDeployment>;
  liveId: string | null;
  domains: Map<string, PagesDomain>;
  assets: Map<string, Asset>;
  created_on: string;
}

export interface CloudflareContract extends ContractServer {
  apiToken: string;
  accountId: string;
  projects: Map<string, Project>;
  /** The GraphQL Analytics API at /client/v4/graphql (record traffic there for usage tests). */
  analytics: CloudflareAnalytics;
  /** Bytes of asset bodies received by /pages/assets/upload (decoded). */
  uploadedBytes(): number;
  /** The owner created the DNS records: the domain becomes active. */
  verifyDomain(projectName: string, hostname: string): void;
  /** What the project's live deployment serves at `path` (404 when nothing). */
  serve(projectName: string, path: string): { status: number; body: Buffer; contentType: string };
  /** Account lists and the http_request_redirect phase (Bulk Redirects). */
  redirects: CloudflareRedirects;
  /** A visitor's request for `url` (https://host/path?query): a Bulk Redirect, else the project serving the host. */
  request(url: string): { status: number; location?: string; body: Buffer };
}

function projectJson(p: Project) {
  return {
    id: p.name, name: p.name, subdomain: `${p.name}.pages.dev`, production_branch: p.production_branch,
    domains: [`${p.name}.pages.dev`, ...p.domains.keys()], created_on: p.created_on,
    canonical_deployment: p.liveId ? { id: p.liveId } : null,
  };
}

function deploymentJson(p: Project, d: PagesDeployment) {
  return {
    id: d.id, short_id: d.id.slice(0, 8), project_id: p.name, project_name: p.name, environment: d.environment,
    url: `https://${d.id.slice(0, 8)}.${p.name}.pages.dev`, created_on: d.created_on, modified_on: d.created_on,
    latest_stage: { name: 'deploy', status: 'success', started_on: d.created_on, ended_on: d.created_on },
    deployment_trigger: { type: 'ad_hoc', metadata: { branch: p.production_branch } },
    aliases: p.liveId === d.id ? [`https://${p.name}.pages.dev`] : null,
    is_skipped: false, source: { type: 'direct_upload' },
  };
}

function domainJson(d: PagesDomain) {
  return {
    id: d.id, domain_id: d.id, name: d.name, status: d.status, certificate_authority: 'google', created_on: d.created_on, zone_tag: randomHex(16),
    validation_data: { method: 'txt', status: d.status === 'active' ? 'active' : 'pending', txt_name: d.txtName, txt_value: d.txtValue },
    verification_data: { status: d.status === 'active' ? 'active' : 'pending' },
  };
}

export async function startCloudflareContract(opts: { apiToken?: string; accountId?: string } = {}): Promise<CloudflareContract> {
  const apiToken = opts.apiToken ?? `cf-test-${randomHex(12)}`;
  const accountId = opts.accountId ?? randomHex(16);
  const jwtSecret = Buffer.from(randomHex(32), 'hex');
  const projects = new Map<string, Project>();
  const analytics = createCloudflareAnalytics({ apiToken });
  let uploadedBytes = 0;

  const b64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');
  function issueJwt(projectName: string): string {
    const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = b64url(JSON.stringify({ pages_project: projectName, account: accountId, exp: Math.floor(Date.now() / 1000) + 300 }));
    const signature = b64url(createHmac('sha256', jwtSecret).update(`${head}.${payload}`).digest());
    return `${head}.${payload}.${signature}`;
  }
  /** The project a valid upload JWT names, or null. */
  function jwtProject(token: string | null): string | null {
    const parts = token?.split('.');
    if (!parts || parts.length !== 3) return null;
    const expected = createHmac('sha256', jwtSecret).update(`${parts[0]}.${parts[1]}`).digest();
    const given = Buffer.from(parts[2], 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const claims = parseJson(Buffer.from(parts[1], 'base64url')) as { pages_project?: string; exp?: number } | undefined;
    if (!claims?.pages_project || !claims.exp || claims.exp * 1000 < Date.now()) return null;
    return claims.pages_project;
  }

  function hashesOf(body: Buffer): string[] | ContractResponse {
    const parsed = parseJson(body) as { hashes?: unknown } | undefined;
    if (!parsed || !Array.isArray(parsed.hashes) || parsed.hashes.some((h) => typeof h !== 'string' || !KEY.test(h))) {
      return failure(400, 8000096, 'hashes must be an array of 32-character hex strings');
    }
    return parsed.hashes as string[];
  }

  async function assets(req: ContractRequest, action: string): Promise<ContractResponse> {
    if (req.method !== 'POST') return failure(405, 10000, 'method not allowed');
    const token = bearer(req.headers);
    const projectName = jwtProject(token);
    if (!projectName) return failure(401, 8000013, 'Authorization failed: a valid upload JWT is required');
    const project = projects.get(projectName);
    if (!project) return failure(404, 8000007, 'Project not found');
    if (action === 'check-missing') {
      const hashes = hashesOf(req.body);
      if (!Array.isArray(hashes)) return hashes;
      return envelope(hashes.filter((h) => !project.assets.has(h)));
    }
    if (action === 'upsert-hashes') {
      const hashes = hashesOf(req.body);
      if (!Array.isArray(hashes)) return hashes;
      const unknown = hashes.filter((h) => !project.assets.has(h));
      if (unknown.length) return failure(400, 8000096, `hashes not uploaded: ${unknown.slice(0, 3).join(', ')}`);
      return envelope(null);
    }
    if (action === 'upload') {
      const payload = parseJson(req.body);
      if (!Array.isArray(payload) || payload.length === 0) return failure(400, 8000096, 'body must be a non-empty array of assets');
      const accepted: [string, Asset][] = [];
      for (const item of payload as { key?: unknown; value?: unknown; base64?: unknown; metadata?: { contentType?: unknown } }[]) {
        if (typeof item.key !== 'string' || !KEY.test(item.key)) return failure(400, 8000096, 'each asset needs a 32-character hex key');
        if (item.base64 !== true || typeof item.value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(item.value)) {
          return failure(400, 8000096, `asset ${item.key}: value must be base64 with base64: true`);
        }
        if (typeof item.metadata?.contentType !== 'string') return failure(400, 8000096, `asset ${item.key}: metadata.contentType is required`);
        const body = Buffer.from(item.value, 'base64');
        if (body.length > MAX_ASSET_BYTES) return failure(413, 8000096, `asset ${item.key} is larger than 25 MiB`);
        accepted.push([item.key, { body, contentType: item.metadata.contentType }]);
      }
      for (const [key, asset] of accepted) {
        project.assets.set(key, asset);
        uploadedBytes += asset.body.length;
      }
      return envelope({ successful_key_count: accepted.length, unsuccessful_keys: [] });
    }
    return failure(404, 7003, 'No route for that URI');
  }

  const redirects = createCloudflareRedirects();

  async function account(req: ContractRequest, rest: string[]): Promise<ContractResponse> {
    if (rest[0] === 'rules' || rest[0] === 'rulesets') return redirects.handle(req, rest);
    // rest: ['pages', 'projects', name?, sub?, id?, action?]
    if (rest[0] !== 'pages' || rest[1] !== 'projects') return failure(404, 7003, 'No route for that URI');
    const [, , name, sub, id, action] = rest;
    if (!name) {
      if (req.method === 'GET') {
        const page = Number(req.url.searchParams.get('page') ?? '1');
        const all = [...projects.values()].map(projectJson);
        return json(200, {
          success: true, errors: [], messages: [], result: page === 1 ? all : [],
          result_info: { page, per_page: 100, count: page === 1 ? all.length : 0, total_count: all.length, total_pages: 1 },
        });
      }
      if (req.method === 'POST') {
        const body = parseJson(req.body) as { name?: unknown; production_branch?: unknown } | undefined;
        if (typeof body?.name !== 'string' || !/^[a-z0-9][a-z0-9-]{0,57}$/.test(body.name)) return failure(400, 8000005, 'project name is invalid');
        if (typeof body.production_branch !== 'string') return failure(400, 8000009, 'production_branch is required');
        if (projects.has(body.name)) return failure(409, 8000002, 'A project with this name already exists.');
        const project: Project = {
          name: body.name, production_branch: body.production_branch, deployments: new Map(), liveId: null,
          domains: new Map(), assets: new Map(), created_on: new Date().toISOString(),
        };
        projects.set(project.name, project);
        return envelope(projectJson(project));
      }
      return failure(405, 10000, 'method not allowed');
    }
    const project = projects.get(name);
    if (!project) return failure(404, 8000007, 'Project not found. The specified project name does not match any of your existing projects.');
    if (!sub && req.method === 'DELETE') {
      if (project.deployments.size > 100) {
        return failure(400, 8000076, 'Your project has too many deployments to be deleted, follow this guide to delete them: https://cfl.re/3CXesln');
      }
      projects.delete(project.name);
      return envelope(null);
    }
    if (!sub) return req.method === 'GET' ? envelope(projectJson(project)) : failure(405, 10000, 'method not allowed');
    if (sub === 'upload-token' && req.method === 'GET') return envelope({ jwt: issueJwt(project.name) });

    if (sub === 'deployments') {
      if (!id && req.method === 'POST') {
        const type = req.headers['content-type'] ?? '';
        if (!type.startsWith('multipart/form-data')) return failure(400, 8000096, 'deployments must be created with multipart/form-data');
        const form = await new Request('http://contract/', { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(req.body) }).formData();
        const rawManifest = form.get('manifest');
        if (typeof rawManifest !== 'string') return failure(400, 8000096, 'the manifest field is required');
        const manifest = parseJson(Buffer.from(rawManifest)) as Record<string, unknown> | undefined;
        if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) return failure(400, 8000096, 'the manifest must be a JSON object');
        const entries = Object.entries(manifest);
        if (entries.length > MAX_FILES) return failure(400, 8000096, `a deployment may contain at most ${MAX_FILES} files`);
        for (const [p, key] of entries) {
          if (!p.startsWith('/') || typeof key !== 'string' || !KEY.test(key)) return failure(400, 8000096, `manifest entry ${p} is invalid`);
          if (!project.assets.has(key)) return failure(400, 8000096, `manifest entry ${p} names asset ${key}, which was never uploaded`);
        }
        const branch = form.get('branch');
        const environment = branch === null || branch === project.production_branch ? 'production' : 'preview';
        const deployment: PagesDeployment = {
          id: randomUUID(), environment, manifest: manifest as Record<string, string>, created_on: new Date().toISOString(),
        };
        project.deployments.set(deployment.id, deployment);
        if (environment === 'production') project.liveId = deployment.id;
        return envelope(deploymentJson(project, deployment));
      }
      const deployment = id ? project.deployments.get(id) : undefined;
      if (!deployment) return failure(404, 8000009, 'Deployment not found');
      if (action === 'rollback' && req.method === 'POST') {
        if (deployment.environment !== 'production') return failure(400, 8000035, 'Can only roll back to a production deployment');
        project.liveId = deployment.id;
        return envelope(deploymentJson(project, deployment));
      }
      if (!action && req.method === 'DELETE') {
        if (project.liveId === deployment.id) return failure(400, 8000034, 'You cannot delete the active production deployment');
        project.deployments.delete(deployment.id);
        return envelope(null);
      }
      if (!action && req.method === 'GET') return envelope(deploymentJson(project, deployment));
      return failure(405, 10000, 'method not allowed');
    }

    if (sub === 'domains') {
      if (!id && req.method === 'POST') {
        const body = parseJson(req.body) as { name?: unknown } | undefined;
        if (typeof body?.name !== 'string' || !/^([a-z0-9-]+\.)+[a-z]{2,}$/.test(body.name)) return failure(400, 8000018, 'name must be a domain name');
        for (const other of projects.values()) {
          if (other.domains.has(body.name)) return failure(409, 8000018, 'You have already added this custom domain.');
        }
        const domain: PagesDomain = {
          id: randomUUID(), name: body.name, status: 'pending', txtName: `_cf-custom-hostname.${body.name}`, txtValue: randomUUID(),
          created_on: new Date().toISOString(),
        };
        project.domains.set(domain.name, domain);
        return envelope(domainJson(domain));
      }
      const domain = id ? project.domains.get(id) : undefined;
      if (!domain) return failure(404, 8000015, 'Domain not found');
      if (req.method === 'GET') return envelope(domainJson(domain));
      if (req.method === 'DELETE') {
        project.domains.delete(domain.name);
        return envelope(null);
      }
      return failure(405, 10000, 'method not allowed');
    }
    return failure(404, 7003, 'No route for that URI');
  }

  function serve(projectName: string, path: string): { status: number; body: Buffer; contentType: string } {
    const project = projects.get(projectName);
    const live = project?.liveId ? project.deployments.get(project.liveId) : undefined;
    if (!project || !live) return { status: 404, body: Buffer.from('no deployment'), contentType: 'text/plain' };
    const key = live.manifest[path] ?? live.manifest[`${path.replace(/\/$/, '')}/index.html`];
    const asset = key ? project.assets.get(key) : undefined;
    if (!asset) return { status: 404, body: Buffer.from('not found'), contentType: 'text/plain' };
    return { status: 200, body: asset.body, contentType: asset.contentType };
  }

  const server = await startContractServer(
    async (req) => {
      const parts = req.url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      if (parts[0] !== 'client' || parts[1] !== 'v4') return failure(404, 7003, 'No route for that URI');
      if (parts[2] === 'pages' && parts[3] === 'assets') return assets(req, parts[4] ?? '');
      if (parts[2] === 'graphql' && parts.length === 3) return analytics.handle(req);
      if (parts[2] === 'accounts') {
        const token = bearer(req.headers);
        if (token !== apiToken) {
          if (jwtProject(token)) return failure(403, 10000, 'Authentication error: an upload JWT cannot call account endpoints');
          return failure(403, 10000, 'Authentication error');
        }
        if (parts[3] !== accountId) return failure(403, 9109, 'Unauthorized to access requested resource');
        return account(req, parts.slice(4));
      }
      return failure(404, 7003, 'No route for that URI');
    },
    faultAnswer,
  );

  return {
    ...server,
    url: `${server.url}/client/v4`,
    apiToken,
    accountId,
    projects,
    analytics,
    uploadedBytes: () => uploadedBytes,
    redirects,
    request(url) {
      const redirect = redirects.redirectFor(url);
      if (redirect) return { status: redirect.status, location: redirect.location, body: Buffer.alloc(0) };
      const { hostname, pathname } = new URL(url);
      const project = [...projects.values()].find((p) => hostname === `${p.name}.pages.dev` || p.domains.get(hostname)?.status === 'active');
      if (!project) return { status: 522, body: Buffer.from('no Pages project serves this host') };
      const served = serve(project.name, pathname);
      return { status: served.status, body: served.body };
    },
    verifyDomain(projectName, hostname) {
      const domain = projects.get(projectName)?.domains.get(hostname);
      if (!domain) throw new Error(`no domain ${hostname} on project ${projectName}`);
      domain.status = 'active';
    },
    serve,
  };
}
