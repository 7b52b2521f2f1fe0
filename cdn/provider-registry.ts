// Which CDN providers this installation can use, built from the environment (config/env.ts).
// A hosted provider is eligible only when all of its credentials are configured; `local`
// (the edge) always is.
import { env, type Env } from '../config/index.ts';
import type { Sql } from '../db/index.ts';
import { createCloudflareBackend } from './providers/cloudflare.ts';
import { lazyBackend } from './providers/lazy-backend.ts';
import { createLocalProvider } from './providers/local.ts';
import { createRemoteProvider } from './providers/remote.ts';
import type { CdnProvider, ProviderName } from './providers/types.ts';
import { createVercelBackend } from './providers/vercel.ts';

type ProviderEnv = Pick<
  Env,
  | 'CLOUDFLARE_API_TOKEN' | 'CLOUDFLARE_ACCOUNT_ID' | 'CLOUDFLARE_API_BASE' | 'CLOUDFLARE_ZONE_ID' | 'VERCEL_TOKEN' | 'VERCEL_TEAM_ID' | 'VERCEL_API_BASE'
  | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY' | 'AWS_REGION' | 'AWS_S3_BUCKET' | 'AWS_CLOUDFRONT_DISTRIBUTION_ID' | 'AWS_ENDPOINT_URL'
  | 'SITE_BASE_DOMAIN'
>;

/** Provider names whose credentials are configured, `local` first. */
export function eligibleProviderNames(config: ProviderEnv = env()): ProviderName[] {
  const names: ProviderName[] = ['local'];
  if (config.CLOUDFLARE_API_TOKEN && config.CLOUDFLARE_ACCOUNT_ID) names.push('cloudflare');
  if (config.VERCEL_TOKEN) names.push('vercel');
  if (config.AWS_ACCESS_KEY_ID && config.AWS_SECRET_ACCESS_KEY && config.AWS_S3_BUCKET && config.AWS_CLOUDFRONT_DISTRIBUTION_ID) names.push('cloudfront');
  return names;
}

/** One client per eligible provider. */
export function createProviders(sql: Sql, opts: { dataDir: string; config?: ProviderEnv }): Map<ProviderName, CdnProvider> {
  const config = opts.config ?? env();
  const providers = new Map<ProviderName, CdnProvider>();
  for (const name of eligibleProviderNames(config)) {
    switch (name) {
      case 'local':
        providers.set(name, createLocalProvider({ sql, dataDir: opts.dataDir, baseDomain: config.SITE_BASE_DOMAIN }));
        break;
      case 'cloudflare':
        providers.set(name, createRemoteProvider(sql, createCloudflareBackend({
          apiToken: config.CLOUDFLARE_API_TOKEN!, accountId: config.CLOUDFLARE_ACCOUNT_ID!, baseUrl: config.CLOUDFLARE_API_BASE,
          zoneId: config.CLOUDFLARE_ZONE_ID, siteBaseDomain: config.SITE_BASE_DOMAIN,
        })));
        break;
      case 'vercel':
        providers.set(name, createRemoteProvider(sql, createVercelBackend({
          token: config.VERCEL_TOKEN!, teamId: config.VERCEL_TEAM_ID, baseUrl: config.VERCEL_API_BASE,
        })));
        break;
      case 'cloudfront':
        providers.set(name, createRemoteProvider(sql, lazyBackend('cloudfront', async () => {
          const { createCloudFrontBackend } = await import('./providers/cloudfront.ts');
          return createCloudFrontBackend({
            accessKeyId: config.AWS_ACCESS_KEY_ID!, secretAccessKey: config.AWS_SECRET_ACCESS_KEY!, region: config.AWS_REGION,
            bucket: config.AWS_S3_BUCKET!, distributionId: config.AWS_CLOUDFRONT_DISTRIBUTION_ID!,
            siteBaseDomain: config.SITE_BASE_DOMAIN, endpoint: config.AWS_ENDPOINT_URL, sql,
          });
        })));
        break;
    }
  }
  return providers;
}
