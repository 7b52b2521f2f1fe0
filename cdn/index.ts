// The cdn module's front door: deployments on the local edge and on the hosted CDNs (Cloudflare
// Pages, Vercel, CloudFront) behind one provider interface, the router that picks the cheapest
// provider for a site's traffic, custom domains, and the edge that serves published sites.
export { deploySite, activateDeployment, listDeployments, deleteDeployment, SITE_LIVE_CHANNEL, type SiteLiveNotification } from './deployments.ts';
export type { DeploySiteOptions, ActivateDeploymentOptions } from './deployments.ts';
export { startEdge, type Edge, type EdgeOptions, type EdgeStats } from './edge.ts';
// Contact forms the edge receives (issue 4), and the object store for the owner's site download.
export { deleteExpiredSubmissions, FORM_BODY_LIMIT_BYTES, EMAIL_NOT_CONFIGURED_MESSAGE } from './contact-forms.ts';
export { readObject } from './object-store.ts';
export { siteUrl } from './site-url.ts';
export { CdnError, type CdnErrorCode } from './errors.ts';
export type { DeployFile, DeployResult, DeploymentRow, DeploymentStatus, DeploymentManifest, ManifestEntry } from './types.ts';
export { createLocalProvider, removeUnusedObjects } from './providers/local.ts';
export { createProviders, eligibleProviderNames } from './provider-registry.ts';
export { PROVIDER_NAMES } from './providers/types.ts';
export type {
  CdnProvider, ProviderName, ProviderDeployInput, ProviderDeploymentRef, ProviderSiteRef, ProviderDomainRef, UsagePeriod, DailyUsage,
  ProviderHealth, DnsRecord, DomainState, DomainPhase,
} from './providers/types.ts';
export {
  chooseProvider, routeSiteToProvider, loadPrices, measuredMonthlyTraffic, planCostKrw, formatKrw, formatCount, PROVIDER_LABELS,
  type RouteDecision, type ProviderQuote, type PriceRow, type MonthlyTraffic, type RouterPolicy,
} from './router.ts';
export {
  listSiteDomains, getSiteDomain, countWorkspaceDomains, addSiteDomain, recheckSiteDomain, removeSiteDomain, setPrimaryDomain, recheckPendingDomains,
  normaliseDomain, platformDomains, dnsInstructions, domainStatusText, DOMAIN_VERIFIED_CHANNEL, DOMAINS_CHANGED_CHANNEL,
  type SiteDomain, type DomainProviders, type DomainVerifiedNotification, type RecheckRound,
} from './domains.ts';
export { takeDownSite, type SiteTakedown } from './site-deletion.ts';
export { migrateSite, type MigrateSiteOptions, type MigrationResult, type MigrationReason } from './migration.ts';
// Failover (issue 5, item 4): provider health checks, sites moved off a failing provider and back.
export {
  runFailoverRound, checkProviders, listProviderHealth, listFailoverEvents, downProviders, placeDeployment, activatePlaced, activatePlacedWithDomains, recordDeployFallback,
  type FailoverPolicy, type FailoverRound, type ProviderHealthRow, type PlacedDeployment, type SiteMove, type FailoverEvent,
} from './failover.ts';
export { deploymentFiles, liveSiteFiles } from './deployment-files.ts';
// Usage (issue 5, item 6): the hosted CDNs' daily requests and bytes into cdn_usage_daily.
export { syncHostedUsage, listUsageSyncs, seoulDate, type UsageSyncResult, type UsageSyncRow, type UsageSyncOutcome } from './usage-sync.ts';
export { runTrafficMoves, getTrafficMoveSettings, setTrafficMoveSettings, moveSiteForAdmin, listSiteRoutes, listRecentMigrations, type TrafficMovesRound, type TrafficMove, type TrafficMoveSettings, type SiteRoute, type MigrationRow, type AdminMoveResult } from './traffic-moves.ts';
