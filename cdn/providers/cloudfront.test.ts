import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { startAwsContract } from '../contracts/aws.ts';
import { createCloudFrontBackend, routerFunctionCode, routesOf } from './cloudfront.ts';
import { describeProviderContract } from './provider-contract.ts';
import { createRemoteProvider } from './remote.ts';

const BASE_DOMAIN = 'sites.windwalker.test';

describeProviderContract('cloudfront', async (db) => {
  const contract = await startAwsContract();
  const backend = createCloudFrontBackend({
    accessKeyId: contract.accessKeyId, secretAccessKey: contract.secretAccessKey, region: contract.region,
    bucket: contract.bucket, distributionId: contract.distributionId, siteBaseDomain: BASE_DOMAIN, endpoint: contract.url,
  });
  const provider = createRemoteProvider(db.sql, backend);
  return {
    provider,
    serve: async (siteId, path) => {
      const [site] = await db.sql<{ slug: string }[]>`select slug from sites where id = ${siteId}`;
      return contract.serve(`${site.slug}.${BASE_DOMAIN}`, path);
    },
    verifyDomain: async () => {
      throw new Error('CloudFront custom domains are not implemented');
    },
    failNext: (count, fault) => contract.failNext(count, fault),
    log: contract.log,
    uploadedBytes: () => contract.uploadedBytes(),
    close: () => contract.close(),
  };
}, { customDomains: false });

describe('AWS contract server', () => {
  it('refuses a request signed with the wrong secret (SigV4 recomputed on the server)', async () => {
    const contract = await startAwsContract();
    try {
      const s3 = new S3Client({
        region: contract.region, endpoint: contract.url, forcePathStyle: true, maxAttempts: 1,
        credentials: { accessKeyId: contract.accessKeyId, secretAccessKey: 'not-the-secret' },
      });
      await expect(s3.send(new HeadObjectCommand({ Bucket: contract.bucket, Key: 'objects/x' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
      const good = new S3Client({
        region: contract.region, endpoint: contract.url, forcePathStyle: true, maxAttempts: 1,
        credentials: { accessKeyId: contract.accessKeyId, secretAccessKey: contract.secretAccessKey },
      });
      await expect(good.send(new HeadObjectCommand({ Bucket: contract.bucket, Key: 'objects/x' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    } finally {
      await contract.close();
    }
  });
});

describe('the CloudFront router function', () => {
  it('keeps its Host → prefix map readable from its own code', () => {
    const routes = { 'cafe.sites.windwalker.test': 'sites/a/b' };
    expect(routesOf(routerFunctionCode(routes))).toEqual(routes);
  });
});
