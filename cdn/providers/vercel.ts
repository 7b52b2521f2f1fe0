// Vercel, through its REST API (no official SDK is installed; the API is small and documented).
// One Vercel project per site.
//
//   deploy   = POST /v13/deployments naming every file by SHA1; Vercel answers `missing_files`
//              with the digests it lacks, we POST /v2/files only those (x-vercel-digest +
//              Content-Length) and create the deployment again. It is a preview deployment:
//              nothing is live yet. We wait for readyState READY.
//   activate = POST /v2/deployments/{id}/aliases for the site's vercel.app name and each of its
//              custom domains — Vercel moves an alias in one step, so it is also the rollback.
//   domains  = POST /v10/projects/{project}/domains, …/verify, GET /v6/domains/{name}/config.
//   redirects = each other domain of the project carries `redirect: <primary>` and
//              `redirectStatusCode: 301` (PATCH /v9/projects/{project}/domains/{name}); Vercel
//              answers the redirect itself, keeping path and query.
//   deleteSite = DELETE /v9/projects/{project} (204) when the owner deletes the site: Vercel
//              deletes the project with its deployments, domains and aliases; 404 means it is gone
//              already (decision 148). A site that only moved away keeps its project (the usage
//              sync still reads it by name).
import { createHash } from 'node:crypto';
import { CdnError } from '../errors.ts';
import { fetchWithRetry, type RetryOptions } from './http-retry.ts';
import type { RemoteBackend, RemoteSite, UploadObject } from './remote.ts';
import { REDIRECT_STATUS, type DnsRecord, type DomainState } from './types.ts';
import { vercelUsage } from './vercel-usage.ts';

export interface VercelConfig {
  token: string;
  teamId?: string;
  /** https://api.vercel.com unless set. */
  baseUrl?: string;
  retry?: RetryOptions;
  /** How long to wait for a deployment to become READY; 120 s unless set. */
  readyTimeoutMs?: number;
}

const UPLOAD_CONCURRENCY = 8;

export function vercelProjectName(siteId: string): string {
  return `ww-${siteId}`;
}

/** The site's own name on vercel.app, which every activation points at the live deployment. */
export function vercelSiteHost(siteId: string): string {
  return `${vercelProjectName(siteId)}.vercel.app`;
}

export function sha1Hex(body: Buffer): string {
  return createHash('sha1').update(body).digest('hex');
}

interface VercelError {
  error?: { code?: string; message?: string; missing?: string[] };
}

export class VercelApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly body: VercelError) {
    super(`Vercel API ${status} ${code}: ${message}`);
    this.name = 'VercelApiError';
  }
}

interface VercelDomain {
  name: string;
  verified: boolean;
  verification?: { type: string; domain: string; value: string; reason: string }[];
  redirect?: string | null;
  redirectStatusCode?: number | null;
}

export function createVercelBackend(config: VercelConfig): RemoteBackend {
  const base = (config.baseUrl ?? 'https://api.vercel.com').replace(/\/$/, '');
  const knownProjects = new Set<string>();

  function url(path: string): string {
    const u = new URL(base + path);
    if (config.teamId) u.searchParams.set('teamId', config.teamId);
    return u.toString();
  }

  async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${config.token}`, ...headers } };
    if (body !== undefined) {
      if (Buffer.isBuffer(body)) init.body = new Uint8Array(body);
      else {
        init.body = JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
    }
    const response = await fetchWithRetry(url(path), init, config.retry);
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : {};
    if (!response.ok) {
      const error = parsed as VercelError;
      throw new VercelApiError(response.status, error.error?.code ?? 'unknown', error.error?.message ?? text.slice(0, 200), error);
    }
    return parsed as T;
  }

  async function ensureProject(site: RemoteSite): Promise<string> {
    const name = vercelProjectName(site.siteId);
    if (knownProjects.has(name)) return name;
    try {
      await call('GET', `/v9/projects/${name}`);
    } catch (error) {
      if (!(error instanceof VercelApiError) || error.status !== 404) throw error;
      await call('POST', '/v11/projects', { name, framework: null });
    }
    knownProjects.add(name);
    return name;
  }

  async function uploadFiles(objects: UploadObject[], missing: Set<string>, onProgress?: (done: number, total: number) => void) {
    const pending = objects.filter((o) => missing.has(sha1Hex(o.body)));
    const total = pending.length;
    let done = 0;
    let bytes = 0;
    const next = async (): Promise<void> => {
      for (let object = pending.shift(); object; object = pending.shift()) {
        await call('POST', '/v2/files', object.body, {
          'content-type': 'application/octet-stream',
          'x-vercel-digest': sha1Hex(object.body),
          'content-length': String(object.body.length),
        });
        bytes += object.body.length;
        done += 1;
        onProgress?.(done, total);
      }
    };
    await Promise.all(Array.from({ length: Math.min(UPLOAD_CONCURRENCY, total) }, next));
    return { files: total, bytes };
  }

  async function waitUntilReady(id: string): Promise<void> {
    const deadline = Date.now() + (config.readyTimeoutMs ?? 120_000);
    for (;;) {
      const deployment = await call<{ readyState: string; errorMessage?: string }>('GET', `/v13/deployments/${id}`);
      if (deployment.readyState === 'READY') return;
      if (deployment.readyState === 'ERROR' || deployment.readyState === 'CANCELED') {
        throw new Error(`Vercel deployment ${id} ended ${deployment.readyState}: ${deployment.errorMessage ?? 'no message'}`);
      }
      if (Date.now() > deadline) throw new Error(`Vercel deployment ${id} was not READY after ${config.readyTimeoutMs ?? 120_000} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async function domainState(site: RemoteSite, hostname: string, domain: VercelDomain): Promise<DomainState> {
    const records: DnsRecord[] = [{ type: 'CNAME', name: hostname, value: 'cname.vercel-dns.com', purpose: '사이트 연결' }];
    for (const v of domain.verification ?? []) {
      records.push({ type: v.type === 'TXT' ? 'TXT' : 'CNAME', name: v.domain, value: v.value, purpose: '도메인 소유 확인' });
    }
    let misconfigured = true;
    if (domain.verified) {
      const dns = await call<{ misconfigured: boolean }>('GET', `/v6/domains/${hostname}/config`);
      misconfigured = dns.misconfigured;
    }
    // Our deployments are previews: a name serves only what is aliased to it. A domain verified
    // after the last publish gets the live deployment now, not at the next activation.
    if (domain.verified && !misconfigured && site.liveProviderRef) {
      await call('POST', `/v2/deployments/${site.liveProviderRef}/aliases`, { alias: hostname });
    }
    return {
      hostname,
      status: domain.verified && !misconfigured ? 'active' : 'pending',
      // Vercel issues the certificate itself once the domain is verified and points at it.
      certificate: domain.verified && !misconfigured ? 'active' : 'pending',
      dnsRecords: records,
      detail: domain.verified ? (misconfigured ? 'verified; DNS does not point at Vercel yet' : 'verified and configured') : 'waiting for verification',
    };
  }

  return {
    name: 'vercel',

    async upload(site, deployment, objects, onProgress) {
      const projectName = await ensureProject(site);
      const sha1Of = new Map(objects.flatMap((o) => o.paths.map((p) => [p, sha1Hex(o.body)] as const)));
      const files = Object.entries(deployment.manifest).map(([p, entry]) => ({ file: p.slice(1), sha: sha1Of.get(p)!, size: entry.size }));
      const body = { name: projectName, project: projectName, files, projectSettings: { framework: null }, meta: { windwalkerDeploymentId: deployment.id } };
      let uploaded = { files: 0, bytes: 0 };
      let created: { id: string; url: string };
      try {
        created = await call('POST', '/v13/deployments', body);
      } catch (error) {
        if (!(error instanceof VercelApiError) || error.code !== 'missing_files') throw error;
        uploaded = await uploadFiles(objects, new Set(error.body.error?.missing ?? []), onProgress);
        created = await call('POST', '/v13/deployments', body);
      }
      await waitUntilReady(created.id);
      return { providerRef: created.id, providerData: { url: created.url }, uploadedFiles: uploaded.files, uploadedBytes: uploaded.bytes };
    },

    async switchTo(site, deployment) {
      if (!deployment.providerRef) throw new Error(`deployment ${deployment.id} has no Vercel deployment id; deploy it again`);
      for (const alias of [vercelSiteHost(site.siteId), ...site.domains]) {
        await call('POST', `/v2/deployments/${deployment.providerRef}/aliases`, { alias });
      }
      return null;
    },

    async remove(_site, deployment) {
      if (!deployment.providerRef) return;
      try {
        await call('DELETE', `/v13/deployments/${deployment.providerRef}`);
      } catch (error) {
        if (!(error instanceof VercelApiError) || error.status !== 404) throw error;
      }
    },

    async attachDomain(site, hostname) {
      const projectName = await ensureProject(site);
      let domain: VercelDomain;
      // A site that has a primary here: the new name redirects there from the start.
      const redirect = site.primaryDomain && site.primaryDomain !== hostname ? { redirect: site.primaryDomain, redirectStatusCode: REDIRECT_STATUS } : {};
      try {
        domain = await call('POST', `/v10/projects/${projectName}/domains`, { name: hostname, ...redirect });
      } catch (error) {
        if (!(error instanceof VercelApiError) || error.code !== 'domain_already_in_use') throw error;
        domain = await call('GET', `/v9/projects/${projectName}/domains/${hostname}`);
      }
      return domainState(site, hostname, domain);
    },

    async domainStatus(site, hostname) {
      const projectName = vercelProjectName(site.siteId);
      let domain = await call<VercelDomain>('GET', `/v9/projects/${projectName}/domains/${hostname}`);
      if (!domain.verified) {
        try {
          domain = await call('POST', `/v9/projects/${projectName}/domains/${hostname}/verify`);
        } catch (error) {
          // Not verifiable yet (the TXT record is not visible): report it as pending.
          if (!(error instanceof VercelApiError) || error.status !== 400) throw error;
        }
      }
      return domainState(site, hostname, domain);
    },

    async detachDomain(site, hostname) {
      try {
        await call('DELETE', `/v9/projects/${vercelProjectName(site.siteId)}/domains/${hostname}`);
      } catch (error) {
        if (!(error instanceof VercelApiError) || error.status !== 404) throw error;
      }
    },

    async setRedirects(site, primary, from) {
      const projectName = vercelProjectName(site.siteId);
      if (primary !== null && from.length && !site.domains.includes(primary)) {
        throw new Error(`the primary domain ${primary} is not a domain of Vercel project ${projectName}; Vercel redirects only to the project's own domains`);
      }
      const wanted = new Map<string, string | null>(site.domains.map((host) => [host, null]));
      for (const host of from) wanted.set(host, primary);
      // What each domain does now (a domain the project no longer has needs no change).
      const current = new Map<string, VercelDomain>();
      await Promise.all([...wanted.keys()].map(async (host) => {
        try {
          current.set(host, await call<VercelDomain>('GET', `/v9/projects/${projectName}/domains/${host}`));
        } catch (error) {
          if (!(error instanceof VercelApiError) || error.status !== 404) throw error;
          if (wanted.get(host)) throw new Error(`domain ${host} is not on Vercel project ${projectName}; connect it again`);
        }
      }));
      const changes = [...current.entries()].filter(([host, domain]) => {
        const target = wanted.get(host) ?? null;
        return (domain.redirect ?? null) !== target || (target !== null && domain.redirectStatusCode !== REDIRECT_STATUS);
      });
      // Vercel refuses a redirect chain: first the domains that stop redirecting (the new
      // primary among them), then those nothing points at, last the old target (the old primary).
      const pointedAt = new Set([...current.values()].map((d) => d.redirect).filter(Boolean));
      const rank = ([host]: [string, VercelDomain]) => (wanted.get(host) === null ? 0 : pointedAt.has(host) ? 2 : 1);
      changes.sort((a, b) => rank(a) - rank(b));
      for (const [host] of changes) {
        const target = wanted.get(host) ?? null;
        await call('PATCH', `/v9/projects/${projectName}/domains/${host}`, target === null
          ? { redirect: null, redirectStatusCode: null }
          : { redirect: target, redirectStatusCode: REDIRECT_STATUS });
      }
    },

    async deleteSite(site) {
      const name = vercelProjectName(site.siteId);
      try {
        await call('DELETE', `/v9/projects/${name}`);
      } catch (error) {
        if (!(error instanceof VercelApiError) || error.status !== 404) {
          throw new Error(`Vercel project ${name} was not deleted (it still holds the site's deployments and domains): ${(error as Error).message}`, { cause: error });
        }
      }
      knownProjects.delete(name);
    },

    usage: (site, from, to) => vercelUsage(call, vercelProjectName(site.siteId), site, from, to),

    async probe() {
      const result = await call<{ projects: unknown[] }>('GET', '/v9/projects?limit=1');
      return `projects endpoint answered (${result.projects.length} listed)`;
    },
  };
}
