// The cdn module's front door: the local provider (content-addressed deployments, atomic
// activation and rollback) and the edge that serves published sites.
export { deploySite, activateDeployment, listDeployments, deleteDeployment, SITE_LIVE_CHANNEL, type SiteLiveNotification } from './deployments.ts';
export type { DeploySiteOptions, ActivateDeploymentOptions } from './deployments.ts';
export { startEdge, type Edge, type EdgeOptions, type EdgeStats } from './edge.ts';
export { deleteExpiredSubmissions, FORM_BODY_LIMIT_BYTES, EMAIL_NOT_CONFIGURED_MESSAGE } from './contact-forms.ts';
export { siteUrl } from './site-url.ts';
export { CdnError, type CdnErrorCode } from './errors.ts';
export type { DeployFile, DeployResult, DeploymentRow, DeploymentStatus, DeploymentManifest, ManifestEntry } from './types.ts';
export { createLocalProvider, removeUnusedObjects } from './providers/local.ts';
export type {
  CdnProvider, ProviderName, ProviderDeployInput, ProviderDeploymentRef, ProviderSiteRef, UsagePeriod, DailyUsage, ProviderHealth,
} from './providers/types.ts';
