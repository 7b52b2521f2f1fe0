// What every CDN provider does for WindWalker. The deployer, the router and the failover code
// talk to this interface only; `local` (the edge) implements it now, and the hosted CDNs
// (Cloudflare Pages, Vercel, CloudFront) implement it behind the same calls.
import type { DeployFile, DeployResult } from '../types.ts';

/** Providers implemented so far; a new provider adds its name here. */
export type ProviderName = 'local' | 'cloudflare' | 'vercel' | 'cloudfront';
export const PROVIDER_NAMES: readonly ProviderName[] = ['local', 'cloudflare', 'vercel', 'cloudfront'];

/** A DNS record the owner must create at their registrar for a custom domain. */
export interface DnsRecord {
  type: 'CNAME' | 'TXT' | 'A';
  /** Full record name, e.g. 'www.example.co.kr' or '_acme-challenge.example.co.kr'. */
  name: string;
  value: string;
  /** Why this record is needed, in Korean ('사이트 연결', '도메인 소유 확인', '인증서 발급 확인'). */
  purpose: string;
}

export type DomainPhase = 'pending' | 'active' | 'failed';

/** What the provider says about a custom domain now. */
export interface DomainState {
  hostname: string;
  /** The provider has seen the DNS records and serves the site on this name. */
  status: DomainPhase;
  certificate: DomainPhase;
  dnsRecords: DnsRecord[];
  /** The provider's own words (English) for ops, e.g. a verification error. */
  detail: string;
  /** What the provider needs to find the domain's resources again (cdn_domains.provider_data); absent keeps what is stored. */
  providerData?: Record<string, unknown>;
}

export interface ProviderDomainRef extends ProviderSiteRef {
  /** Lower-case host name such as 'www.example.co.kr'. */
  hostname: string;
}

export interface ProviderSiteRef {
  tenantId: string;
  siteId: string;
}

/**
 * A site whose rows are gone (its owner deleted it): what a retried removal needs to find what a
 * provider kept of it (cdn_site_removals, decision 154).
 */
export interface DeletedSiteRef extends ProviderSiteRef {
  slug: string;
  /** Its custom domains on this provider at the deletion. */
  domains: string[];
}

/** The HTTP status every provider answers a redirecting domain with (the edge's too): permanent. */
export const REDIRECT_STATUS = 301 as const;

/**
 * Where a site's custom domains on one provider send visitors: each name in `from` answers
 * REDIRECT_STATUS to the same path (and query) on https://<primary>. The whole wanted state for the
 * site on that provider — a name of the site not in `from` stops redirecting; `primary` null
 * (no primary, or no name of the site on that provider) clears them all. A provider's own default
 * host for the site may redirect to a non-null primary too (Cloudflare's <project>.pages.dev).
 * The site's <slug>.<SITE_BASE_DOMAIN> address is never redirected.
 */
export interface RedirectPlan extends ProviderSiteRef {
  primary: string | null;
  from: string[];
}

export interface ProviderDeploymentRef extends ProviderSiteRef {
  /** Our deployments.id (the provider's own id is stored in deployments.provider_ref). */
  deploymentId: string;
}

export interface ProviderDeployInput extends ProviderSiteRef {
  buildId: string | null;
  /** Files are addressed by content: the provider uploads only those it does not have yet. */
  files: DeployFile[];
  onProgress?: (done: number, total: number) => void;
}

export interface UsagePeriod extends ProviderSiteRef {
  /** First day, inclusive, 'YYYY-MM-DD' in Asia/Seoul. */
  from: string;
  /** Last day, inclusive, 'YYYY-MM-DD' in Asia/Seoul. */
  to: string;
}

export interface DailyUsage {
  day: string;
  requests: number;
  bytes: number;
}

export interface ProviderHealth {
  provider: ProviderName;
  ok: boolean;
  checkedAt: Date;
  latencyMs: number;
  /** One line for ops: what was checked and what failed. */
  detail: string;
}

export interface CdnProvider {
  readonly name: ProviderName;
  /** Stores a new deployment (not live yet); status 'ready' when it resolves. */
  deploy(input: ProviderDeployInput): Promise<DeployResult>;
  /** Makes a ready deployment the one the site serves, atomically. */
  activate(ref: ProviderDeploymentRef): Promise<void>;
  /** Makes an earlier ready deployment live again. */
  rollback(ref: ProviderDeploymentRef): Promise<void>;
  /** Removes a deployment that is not live; its files go when nothing else uses them. */
  deleteDeployment(ref: ProviderDeploymentRef): Promise<void>;
  /** Connects a custom domain to the site on this provider; returns the DNS records to create. */
  attachDomain(ref: ProviderDomainRef): Promise<DomainState>;
  /** Asks the provider again whether the domain's DNS and certificate are in place. */
  domainStatus(ref: ProviderDomainRef): Promise<DomainState>;
  /** Disconnects a custom domain at the provider; a provider without it only stops being asked about the name. */
  detachDomain?(ref: ProviderDomainRef): Promise<void>;
  /**
   * Makes the provider redirect the site's other domains to its primary (idempotent: the plan is the
   * whole wanted state). The local edge has none: it reads the primary from cdn_domains itself.
   */
  setRedirects?(plan: RedirectPlan): Promise<void>;
  /**
   * Removes what the provider still keeps for a site that moved elsewhere (its project, its
   * redirects), once nothing of the site is live there. Not an error when it is already gone.
   */
  removeSite?(ref: ProviderSiteRef | DeletedSiteRef): Promise<void>;
  /**
   * Deletes everything the provider keeps for a site its owner is deleting (cdn/site-deletion.ts),
   * the live deployment included: the Vercel project; on CloudFront the site's routes and objects.
   * Not an error when it is already gone. Unlike removeSite it is never called after a move, since
   * what it deletes is what the usage sync still reads for a site that only left. Without it, the
   * deletion uses removeSite. Both take a DeletedSiteRef when a deletion is retried after the
   * site's rows are gone.
   */
  deleteSite?(ref: ProviderSiteRef | DeletedSiteRef): Promise<void>;
  /** Requests and bytes the site served, per day of the period. */
  usage(period: UsagePeriod): Promise<DailyUsage[]>;
  health(): Promise<ProviderHealth>;
}
