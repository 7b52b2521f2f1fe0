import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { startAwsContract, type AwsContract } from './contracts/aws.ts';
import { createProviders, eligibleProviderNames } from './provider-registry.ts';

describe('provider registry', () => {
  let db: TestDatabase;
  let aws: AwsContract;
  let dataDir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    aws = await startAwsContract();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-registry-'));
  });
  afterAll(async () => {
    await aws?.close();
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  function config(withAws: boolean) {
    return {
      CLOUDFLARE_API_TOKEN: undefined, CLOUDFLARE_ACCOUNT_ID: undefined, CLOUDFLARE_API_BASE: undefined, CLOUDFLARE_ZONE_ID: undefined,
      VERCEL_TOKEN: undefined, VERCEL_TEAM_ID: undefined, VERCEL_API_BASE: 'https://api.vercel.com',
      AWS_ACCESS_KEY_ID: withAws ? aws.accessKeyId : undefined, AWS_SECRET_ACCESS_KEY: withAws ? aws.secretAccessKey : undefined,
      AWS_REGION: aws.region, AWS_S3_BUCKET: withAws ? aws.bucket : undefined,
      AWS_CLOUDFRONT_DISTRIBUTION_ID: withAws ? aws.distributionId : undefined, AWS_ENDPOINT_URL: aws.url,
      SITE_BASE_DOMAIN: 'sites.example.kr',
    };
  }

  it('offers only the edge when no hosted CDN is configured', () => {
    expect(eligibleProviderNames(config(false))).toEqual(['local']);
    expect([...createProviders(db.sql, { dataDir, config: config(false) }).keys()]).toEqual(['local']);
  });

  it('loads the CloudFront backend (and the AWS SDK) on its first call, and it then works', async () => {
    const providers = createProviders(db.sql, { dataDir, config: config(true) });
    expect([...providers.keys()]).toEqual(['local', 'cloudfront']);
    const health = await providers.get('cloudfront')!.health();
    expect(health).toMatchObject({ provider: 'cloudfront', ok: true });
    expect(aws.log.length).toBeGreaterThan(0);
  });

  it('gives the lazily loaded CloudFront provider its redirects and site deletion (decisions 146, 148)', () => {
    const cloudfront = createProviders(db.sql, { dataDir, config: config(true) }).get('cloudfront')!;
    expect(typeof cloudfront.setRedirects).toBe('function');
    expect(typeof cloudfront.deleteSite).toBe('function');
    expect(typeof cloudfront.detachDomain).toBe('function');
  });
});
