import { ACMClient, DeleteCertificateCommand, DescribeCertificateCommand, RequestCertificateCommand, ResourceInUseException, ResourceNotFoundException } from '@aws-sdk/client-acm';
import { CloudFrontClient, GetDistributionConfigCommand, InvalidViewerCertificate, PreconditionFailed, UpdateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { DeleteObjectsCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../db/testing/index.ts';
import { startAwsContract, type AwsContract } from '../contracts/aws.ts';
import { insertSite, insertTenant, siteFiles } from '../test-fixtures.ts';
import type { CdnProvider } from './types.ts';
import vm from 'node:vm';
import { createCloudFrontBackend, FUNCTION_MAX_BYTES, redirectsOf, routerFunctionCode, routesOf } from './cloudfront.ts';
import { describeProviderContract } from './provider-contract.ts';
import { createRemoteProvider } from './remote.ts';

const BASE_DOMAIN = 'sites.windwalker.test';

describeProviderContract('cloudfront', async (db) => {
  const contract = await startAwsContract();
  const backend = createCloudFrontBackend({
    accessKeyId: contract.accessKeyId, secretAccessKey: contract.secretAccessKey, region: contract.region,
    bucket: contract.bucket, distributionId: contract.distributionId, siteBaseDomain: BASE_DOMAIN, endpoint: contract.url, certificatePollMs: 20,
  });
  const provider = createRemoteProvider(db.sql, backend);
  return {
    provider,
    serve: async (siteId, path) => {
      const [site] = await db.sql<{ slug: string }[]>`select slug from sites where id = ${siteId}`;
      return contract.serve(`${site.slug}.${BASE_DOMAIN}`, path);
    },
    verifyDomain: async (_siteId, hostname) => contract.publishValidation(hostname),
    request: async (host, pathAndQuery) => contract.serve(host, pathAndQuery),
    failNext: (count, fault) => contract.failNext(count, fault),
    log: contract.log,
    uploadedBytes: () => contract.uploadedBytes(),
    close: () => contract.close(),
  };
});

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

describe('AWS contract server: DeleteObjects', () => {
  it('checks the body against its declared checksum (BadDigest), unescapes keys, and lists what it deleted unless Quiet', async () => {
    const contract = await startAwsContract();
    try {
      const s3 = new S3Client({
        region: contract.region, endpoint: contract.url, forcePathStyle: true, maxAttempts: 1,
        credentials: { accessKeyId: contract.accessKeyId, secretAccessKey: contract.secretAccessKey },
        requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
      });
      for (const Key of ['sites/a/1/index.html', 'sites/a/1/q&a.html', 'sites/b/1/index.html']) {
        await s3.send(new PutObjectCommand({ Bucket: contract.bucket, Key, Body: 'x' }));
      }
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: contract.bucket, Prefix: 'sites/a/' }));
      expect(listed.Contents?.map((c) => c.Key)).toEqual(['sites/a/1/index.html', 'sites/a/1/q&a.html']);

      // A checksum header that is not the body's (set before signing, so the signature holds): refused.
      const tampered = new S3Client({
        region: contract.region, endpoint: contract.url, forcePathStyle: true, maxAttempts: 1,
        credentials: { accessKeyId: contract.accessKeyId, secretAccessKey: contract.secretAccessKey },
        requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
      });
      tampered.middlewareStack.addRelativeTo(((next: (args: unknown) => Promise<unknown>) => async (args: { request: unknown }) => {
        const headers = (args.request as { headers: Record<string, string> }).headers;
        const declared = Object.keys(headers).find((h) => h.toLowerCase() === 'content-md5' || h.toLowerCase().startsWith('x-amz-checksum-') && h.toLowerCase() !== 'x-amz-checksum-algorithm');
        expect(declared).toBeDefined();
        headers[declared!] = Buffer.alloc(declared!.toLowerCase() === 'content-md5' ? 16 : 4).toString('base64');
        return next(args);
      }) as never, { relation: 'before', toMiddleware: 'awsAuthMiddleware' });
      await expect(tampered.send(new DeleteObjectsCommand({ Bucket: contract.bucket, Delete: { Objects: [{ Key: 'sites/a/1/index.html' }] } })))
        .rejects.toMatchObject({ name: 'BadDigest' });
      expect(contract.objects.has('sites/b/1/index.html')).toBe(true);

      const result = await s3.send(new DeleteObjectsCommand({
        Bucket: contract.bucket, Delete: { Objects: [{ Key: 'sites/a/1/index.html' }, { Key: 'sites/a/1/q&a.html' }, { Key: 'sites/a/never' }] },
      }));
      expect(result.Deleted?.map((d) => d.Key)).toEqual(['sites/a/1/index.html', 'sites/a/1/q&a.html', 'sites/a/never']);
      expect([...contract.objects.keys()]).toEqual(['sites/b/1/index.html']);
      const quiet = await s3.send(new DeleteObjectsCommand({ Bucket: contract.bucket, Delete: { Objects: [{ Key: 'sites/b/1/index.html' }], Quiet: true } }));
      expect(quiet.Deleted ?? []).toEqual([]);
      await expect(s3.send(new DeleteObjectsCommand({ Bucket: 'not-our-bucket', Delete: { Objects: [{ Key: 'x' }] } }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
    } finally {
      await contract.close();
    }
  });
});

describe('the CloudFront router function', () => {
  const run = (code: string, host: string, uri: string, querystring: Record<string, unknown> = {}) =>
    vm.runInNewContext(`${code}\nhandler(event);`, { event: { request: { method: 'GET', uri, headers: { host: { value: host } }, querystring } } }) as {
      statusCode?: number; headers?: Record<string, { value: string }>; uri?: string;
    };

  it('answers a redirecting host 301 to the primary with path and query (repeated names too), and routes the rest', () => {
    const code = routerFunctionCode({ 'cafe.sites.windwalker.test': 'sites/a/b', 'www.cafe.kr': 'sites/a/b' }, { 'cafe.kr': 'www.cafe.kr' });
    expect(redirectsOf(code)).toEqual({ 'cafe.kr': 'www.cafe.kr' });
    expect(routesOf(code)).toEqual({ 'cafe.sites.windwalker.test': 'sites/a/b', 'www.cafe.kr': 'sites/a/b' });
    const redirected = run(code, 'Cafe.KR', '/menu/', { utm: { value: 'kakao' }, tag: { value: 'a', multiValue: [{ value: 'a' }, { value: 'b' }] }, flag: { value: '' } });
    expect(redirected.statusCode).toBe(301);
    expect(redirected.headers?.location.value).toBe('https://www.cafe.kr/menu/?utm=kakao&tag=a&tag=b&flag');
    expect(run(code, 'cafe.kr', '/').headers?.location.value).toBe('https://www.cafe.kr/');
    expect(run(code, 'www.cafe.kr', '/menu/')).toMatchObject({ uri: '/sites/a/b/menu/index.html' });
    // Code written before redirects existed (its map in the first line too) reads as before, with no redirects.
    const old = `// windwalker-routes:{"a.sites.windwalker.test":"sites/a/1"}\nvar ROUTES = {"a.sites.windwalker.test":"sites/a/1"};\nfunction handler(event) { return event.request; }`;
    expect(routesOf(old)).toEqual({ 'a.sites.windwalker.test': 'sites/a/1' });
    expect(redirectsOf(old)).toEqual({});
    expect(() => routesOf('function handler(event) { return event.request; }')).toThrow(/not written by WindWalker/);
  });

  it('holds 60 sites (uuid prefixes), each with a redirecting name, in the 10 KB function: the map is written once', () => {
    const routes: Record<string, string> = {};
    const redirects: Record<string, string> = {};
    for (let i = 0; i < 60; i++) {
      routes[`cafe-${i}.sites.windwalker.test`] = `sites/${crypto.randomUUID()}/${crypto.randomUUID()}`;
      redirects[`shop-${i}.co.kr`] = `www.shop-${i}.co.kr`;
    }
    expect(Buffer.byteLength(routerFunctionCode(routes, redirects))).toBeLessThan(FUNCTION_MAX_BYTES);
  });

  it('keeps its Host → prefix map readable from its own code', () => {
    const routes = { 'cafe.sites.windwalker.test': 'sites/a/b' };
    expect(routesOf(routerFunctionCode(routes))).toEqual(routes);
  });
});

describe('CloudFront custom domains (ACM + a distribution per domain) against the AWS contract', () => {
  let db: TestDatabase;
  let contract: AwsContract;
  let provider: CdnProvider;
  let tenantId: string;
  let siteId: string;
  const hostname = 'shop.cf-cafe.kr';

  beforeAll(async () => {
    db = await createTestDatabase();
    contract = await startAwsContract();
    provider = createRemoteProvider(db.sql, createCloudFrontBackend({
      accessKeyId: contract.accessKeyId, secretAccessKey: contract.secretAccessKey, region: contract.region,
      bucket: contract.bucket, distributionId: contract.distributionId, siteBaseDomain: BASE_DOMAIN, endpoint: contract.url, certificatePollMs: 20,
    }));
    tenantId = await insertTenant(db.sql, '클라우드프런트 카페');
    siteId = await insertSite(db.sql, tenantId, 'cf-cafe');
    const { deploymentId } = await provider.deploy({ tenantId, siteId, buildId: null, files: siteFiles('cf1', 2) });
    await provider.activate({ tenantId, siteId, deploymentId });
  });
  afterAll(async () => {
    await contract?.close();
    await db?.drop();
  });

  it('requests a DNS-validated certificate in us-east-1 and a distribution, and asks for both CNAMEs', async () => {
    const attached = await provider.attachDomain({ tenantId, siteId, hostname });
    expect(attached).toMatchObject({ hostname, status: 'pending', certificate: 'pending' });
    const [site, validation] = attached.dnsRecords;
    const distribution = [...contract.distributions.values()].find((d) => d.id !== contract.distributionId)!;
    expect(site).toEqual({ type: 'CNAME', name: hostname, value: distribution.domainName, purpose: '사이트 연결' });
    expect(validation).toMatchObject({ type: 'CNAME', name: expect.stringMatching(new RegExp(`^_[0-9a-f]{32}\\.${hostname.replace(/\./g, '\\.')}$`)), value: expect.stringMatching(/\.acm-validations\.aws$/), purpose: '인증서 발급 확인' });
    const [certificate] = [...contract.certificates.values()].filter((c) => c.domainName === hostname);
    expect(certificate).toMatchObject({ method: 'DNS', status: 'PENDING_VALIDATION' });
    expect(certificate.arn).toMatch(/^arn:aws:acm:us-east-1:/);
    // No alias yet: CloudFront does not answer the name.
    expect(distribution.configXml).toContain('<Quantity>0</Quantity>');
    expect(contract.serve(hostname, '/index.html').status).toBe(403);

    // Asking again reuses the certificate (idempotency token) and the distribution (stored).
    await provider.attachDomain({ tenantId, siteId, hostname });
    expect([...contract.certificates.values()].filter((c) => c.domainName === hostname)).toHaveLength(1);
    expect(contract.distributions.size).toBe(2);
    const [row] = await db.sql`select provider_data from cdn_domains where hostname = ${hostname}`;
    expect(row.provider_data).toEqual({ certificateArn: certificate.arn, distributionId: distribution.id, distributionDomain: distribution.domainName });
  });

  it('stays pending until the validation CNAME exists, then puts the alias and certificate on the distribution and serves the site there', async () => {
    expect(await provider.domainStatus({ tenantId, siteId, hostname })).toMatchObject({ status: 'pending', certificate: 'pending' });
    contract.publishValidation(hostname);
    const verified = await provider.domainStatus({ tenantId, siteId, hostname });
    expect(verified).toMatchObject({ status: 'active', certificate: 'active' });
    const distribution = [...contract.distributions.values()].find((d) => d.id !== contract.distributionId)!;
    expect(distribution.configXml).toContain(`<CNAME>${hostname}</CNAME>`);
    expect(distribution.configXml).toMatch(/<ACMCertificateArn>arn:aws:acm:us-east-1:[^<]+<\/ACMCertificateArn>/);
    const served = contract.serve(hostname, '/index.html');
    expect(served.status).toBe(200);
    expect(served.body.toString()).toContain('data-deployment="cf1"');
  });

  it('detaches: the distribution is disabled without the alias, the certificate deleted, the name no longer served', async () => {
    await provider.detachDomain!({ tenantId, siteId, hostname });
    const distribution = [...contract.distributions.values()].find((d) => d.id !== contract.distributionId)!;
    expect(distribution.configXml).toContain('<Enabled>false</Enabled>');
    expect(distribution.configXml).not.toContain(`<CNAME>${hostname}</CNAME>`);
    expect([...contract.certificates.values()].filter((c) => c.domainName === hostname)).toEqual([]);
    expect(contract.serve(hostname, '/index.html').status).toBe(403);
    expect(contract.serve(`cf-cafe.${BASE_DOMAIN}`, '/index.html').status).toBe(200);
  });

  it('the contract refuses what ACM and CloudFront refuse', async () => {
    const credentials = { accessKeyId: contract.accessKeyId, secretAccessKey: contract.secretAccessKey };
    const acm = new ACMClient({ region: 'us-east-1', credentials, endpoint: contract.url, maxAttempts: 1 });
    // No ValidationMethod: ACM's default is EMAIL, which gives no DNS record to show the owner.
    const { CertificateArn: emailArn } = await acm.send(new RequestCertificateCommand({ DomainName: 'mail.cf-cafe.kr' }));
    await acm.send(new DescribeCertificateCommand({ CertificateArn: emailArn }));
    const described = await acm.send(new DescribeCertificateCommand({ CertificateArn: emailArn }));
    expect(described.Certificate?.DomainValidationOptions?.[0]).toMatchObject({ ValidationMethod: 'EMAIL' });
    expect(described.Certificate?.DomainValidationOptions?.[0].ResourceRecord).toBeUndefined();
    await expect(acm.send(new RequestCertificateCommand({ DomainName: 'not a domain', ValidationMethod: 'DNS' }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(acm.send(new DescribeCertificateCommand({ CertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/nope' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    // A certificate for CloudFront lives in us-east-1: a request signed for Seoul is refused.
    const seoul = new ACMClient({ region: 'ap-northeast-2', credentials, endpoint: contract.url, maxAttempts: 1 });
    await expect(seoul.send(new RequestCertificateCommand({ DomainName: 'x.cf-cafe.kr', ValidationMethod: 'DNS' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });

    const cloudfront = new CloudFrontClient({ region: 'us-east-1', credentials, endpoint: contract.url, maxAttempts: 1 });
    const main = await cloudfront.send(new GetDistributionConfigCommand({ Id: contract.distributionId }));
    const config = main.DistributionConfig!;
    // An alias the wildcard certificate does not cover.
    await expect(cloudfront.send(new UpdateDistributionCommand({
      Id: contract.distributionId, IfMatch: main.ETag,
      DistributionConfig: { ...config, Aliases: { Quantity: 2, Items: [...config.Aliases!.Items!, 'www.not-covered.kr'] } },
    }))).rejects.toBeInstanceOf(InvalidViewerCertificate);
    // A stale ETag.
    await expect(cloudfront.send(new UpdateDistributionCommand({ Id: contract.distributionId, IfMatch: 'STALE', DistributionConfig: config }))).rejects.toBeInstanceOf(PreconditionFailed);
    // The wildcard certificate is in use by the main distribution.
    const wildcardArn = config.ViewerCertificate!.ACMCertificateArn!;
    await expect(acm.send(new DeleteCertificateCommand({ CertificateArn: wildcardArn }))).rejects.toBeInstanceOf(ResourceInUseException);
  });
});
