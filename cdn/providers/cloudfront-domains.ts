// Custom domains on CloudFront: an ACM certificate (DNS validation, in us-east-1 as CloudFront
// requires) and a distribution of the domain's own that carries the name as its alias.
//
// Why a distribution per domain: a distribution has ONE viewer certificate, and the main one
// already holds the *.<SITE_BASE_DOMAIN> wildcard; CloudFront refuses an alias its certificate
// does not cover. So each custom domain gets a distribution cloned from the main one (same S3
// origin, same router function, so the Host → deployment map serves it), created at once so
// the owner can point a CNAME at its dXXXX.cloudfront.net name, and given the alias plus its
// certificate once ACM has issued it. See docs/decisions/132-custom-domains.md.
//
//   attach  = RequestCertificate (DNS, idempotency token from the name) + CreateDistribution
//             (clone of the main config, no alias yet) → records: CNAME name → dXXXX.cloudfront.net
//             ('사이트 연결') and ACM's validation CNAME ('인증서 발급 확인')
//   status  = DescribeCertificate; once ISSUED: UpdateDistribution (If-Match) with the alias and
//             the certificate, the name added to the router map; active when that distribution
//             is Deployed
//   detach  = the distribution disabled without alias or certificate, the name out of the router
//             map, DeleteCertificate
import { createHash } from 'node:crypto';
import {
  ACMClient, DeleteCertificateCommand, DescribeCertificateCommand, RequestCertificateCommand, ResourceNotFoundException,
  type CertificateDetail,
} from '@aws-sdk/client-acm';
import {
  CloudFrontClient, CreateDistributionCommand, DistributionAlreadyExists, GetDistributionCommand, GetDistributionConfigCommand,
  NoSuchDistribution, PreconditionFailed, UpdateDistributionCommand, type DistributionConfig,
} from '@aws-sdk/client-cloudfront';
import { CdnError } from '../errors.ts';
import type { RemoteSite } from './remote.ts';
import type { DnsRecord, DomainPhase, DomainState } from './types.ts';

export interface CloudFrontDomainsOptions {
  cloudfront: CloudFrontClient;
  acm: ACMClient;
  /** The main distribution, whose configuration each domain's distribution copies. */
  distributionId: string;
  siteBaseDomain: string;
  /** Changes the router function's Host → prefix and Host → primary maps (cloudfront.ts); return false to leave them as they are. */
  writeRoutes(change: (routes: Record<string, string>, redirects: Record<string, string>) => void | false): Promise<void>;
  /** ACM shows the validation record a few seconds after the request: how long to wait between looks. */
  pollMs?: number;
}

interface StoredDomain {
  certificateArn?: string;
  distributionId?: string;
  distributionDomain?: string;
}

const CERT_PHASE: Record<string, DomainPhase> = { ISSUED: 'active', PENDING_VALIDATION: 'pending' };

/** RequestCertificate's IdempotencyToken (\w{1,32}): the same name asks for the same certificate within the hour. */
export function certificateToken(hostname: string): string {
  return createHash('sha256').update(hostname).digest('hex').slice(0, 32);
}

export function domainCallerReference(hostname: string): string {
  return `windwalker-domain-${hostname}`;
}

function stored(data: Record<string, unknown>): StoredDomain {
  return {
    certificateArn: typeof data.certificateArn === 'string' ? data.certificateArn : undefined,
    distributionId: typeof data.distributionId === 'string' ? data.distributionId : undefined,
    distributionDomain: typeof data.distributionDomain === 'string' ? data.distributionDomain : undefined,
  };
}

export function createCloudFrontDomains(o: CloudFrontDomainsOptions) {
  const pollMs = o.pollMs ?? 1000;

  async function describe(arn: string): Promise<CertificateDetail> {
    const { Certificate } = await o.acm.send(new DescribeCertificateCommand({ CertificateArn: arn }));
    if (!Certificate) throw new Error(`ACM answered no certificate for ${arn}`);
    return Certificate;
  }

  /** Describes until ACM shows the DNS validation record (it needs a few seconds after the request). */
  async function describeWithRecord(arn: string): Promise<CertificateDetail> {
    for (let attempt = 0; ; attempt++) {
      const certificate = await describe(arn);
      if (certificate.Status !== 'PENDING_VALIDATION' || certificate.DomainValidationOptions?.every((v) => v.ResourceRecord)) return certificate;
      if (attempt >= 9) return certificate;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  async function createDistribution(hostname: string): Promise<{ id: string; domainName: string }> {
    const main = await o.cloudfront.send(new GetDistributionConfigCommand({ Id: o.distributionId }));
    if (!main.DistributionConfig) throw new Error(`CloudFront answered no configuration for distribution ${o.distributionId}`);
    const config: DistributionConfig = {
      ...main.DistributionConfig,
      CallerReference: domainCallerReference(hostname),
      Comment: `WindWalker custom domain ${hostname}`.slice(0, 128),
      Aliases: { Quantity: 0, Items: [] },
      ViewerCertificate: { CloudFrontDefaultCertificate: true, MinimumProtocolVersion: 'TLSv1' },
      Enabled: true,
    };
    try {
      const created = await o.cloudfront.send(new CreateDistributionCommand({ DistributionConfig: config }));
      return { id: created.Distribution!.Id!, domainName: created.Distribution!.DomainName! };
    } catch (error) {
      if (error instanceof DistributionAlreadyExists) {
        throw new CdnError('provider_failed', `CloudFront에 '${hostname}'용 배포가 이미 있지만 기록에 없습니다. 관리자에게 CloudFront 콘솔에서 '${domainCallerReference(hostname)}' 배포를 정리해 달라고 요청해 주세요.`, { cause: error });
      }
      throw error;
    }
  }

  /** The domain's distribution carries the alias with its issued certificate (UpdateDistribution, If-Match). */
  async function attachAlias(distributionId: string, hostname: string, certificateArn: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const current = await o.cloudfront.send(new GetDistributionConfigCommand({ Id: distributionId }));
      const config = current.DistributionConfig!;
      const aliases = config.Aliases?.Items ?? [];
      if (aliases.length === 1 && aliases[0] === hostname && config.ViewerCertificate?.ACMCertificateArn === certificateArn && config.Enabled) return;
      try {
        await o.cloudfront.send(new UpdateDistributionCommand({
          Id: distributionId,
          IfMatch: current.ETag,
          DistributionConfig: {
            ...config,
            Enabled: true,
            Aliases: { Quantity: 1, Items: [hostname] },
            ViewerCertificate: { ACMCertificateArn: certificateArn, SSLSupportMethod: 'sni-only', MinimumProtocolVersion: 'TLSv1.2_2021', CloudFrontDefaultCertificate: false },
          },
        }));
        return;
      } catch (error) {
        if (error instanceof PreconditionFailed && attempt < 3) continue;
        throw error;
      }
    }
  }

  /** The router function serves the name like the site's own address (the same deployment prefix). */
  async function routeName(site: RemoteSite, hostname: string): Promise<void> {
    await o.writeRoutes((routes) => {
      const prefix = routes[`${site.slug}.${o.siteBaseDomain}`];
      if (!prefix || routes[hostname] === prefix) return false;
      routes[hostname] = prefix;
    });
  }

  async function state(site: RemoteSite, hostname: string, data: StoredDomain & { certificateArn: string }): Promise<DomainState> {
    const certificate = await describeWithRecord(data.certificateArn);
    let distribution = data.distributionId && data.distributionDomain ? { id: data.distributionId, domainName: data.distributionDomain } : null;
    distribution ??= await createDistribution(hostname);
    const providerData = { certificateArn: data.certificateArn, distributionId: distribution.id, distributionDomain: distribution.domainName };

    const certificatePhase = CERT_PHASE[certificate.Status ?? ''] ?? 'failed';
    const records: DnsRecord[] = [{ type: 'CNAME', name: hostname, value: distribution.domainName, purpose: '사이트 연결' }];
    for (const validation of certificate.DomainValidationOptions ?? []) {
      if (validation.ResourceRecord) {
        records.push({ type: 'CNAME', name: validation.ResourceRecord.Name!.replace(/\.$/, ''), value: validation.ResourceRecord.Value!.replace(/\.$/, ''), purpose: '인증서 발급 확인' });
      }
    }
    if (certificatePhase !== 'active') {
      const detail = certificatePhase === 'failed'
        ? `ACM certificate ${certificate.Status}${certificate.FailureReason ? ` (${certificate.FailureReason})` : ''}`
        : records.length > 1 ? 'ACM certificate waiting for its validation CNAME' : 'ACM has not shown the validation record yet';
      return { hostname, status: certificatePhase === 'failed' ? 'failed' : 'pending', certificate: certificatePhase, dnsRecords: records, detail, providerData };
    }
    await attachAlias(distribution.id, hostname, data.certificateArn);
    await routeName(site, hostname);
    const live = await o.cloudfront.send(new GetDistributionCommand({ Id: distribution.id }));
    const deployed = live.Distribution?.Status === 'Deployed';
    return {
      hostname, status: deployed ? 'active' : 'pending', certificate: 'active', dnsRecords: records, providerData,
      detail: deployed ? `alias on distribution ${distribution.id} (deployed)` : `alias on distribution ${distribution.id}, deploying (${live.Distribution?.Status ?? 'unknown'})`,
    };
  }

  return {
    async attachDomain(site: RemoteSite, hostname: string, data: Record<string, unknown>): Promise<DomainState> {
      const known = stored(data);
      const certificateArn = known.certificateArn ?? (await o.acm.send(new RequestCertificateCommand({
        DomainName: hostname, ValidationMethod: 'DNS', IdempotencyToken: certificateToken(hostname), KeyAlgorithm: 'RSA_2048',
      }))).CertificateArn;
      if (!certificateArn) throw new Error(`ACM answered no certificate ARN for ${hostname}`);
      return state(site, hostname, { ...known, certificateArn });
    },

    async domainStatus(site: RemoteSite, hostname: string, data: Record<string, unknown>): Promise<DomainState> {
      const known = stored(data);
      if (!known.certificateArn) throw new CdnError('not_found', `도메인 '${hostname}'의 인증서 요청 기록이 없습니다. 도메인을 해제한 뒤 다시 추가해 주세요.`);
      return state(site, hostname, { ...known, certificateArn: known.certificateArn });
    },

    async detachDomain(_site: RemoteSite, hostname: string, data: Record<string, unknown>): Promise<void> {
      const known = stored(data);
      if (known.distributionId) {
        try {
          const current = await o.cloudfront.send(new GetDistributionConfigCommand({ Id: known.distributionId }));
          await o.cloudfront.send(new UpdateDistributionCommand({
            Id: known.distributionId,
            IfMatch: current.ETag,
            DistributionConfig: {
              ...current.DistributionConfig!,
              Enabled: false,
              Aliases: { Quantity: 0, Items: [] },
              ViewerCertificate: { CloudFrontDefaultCertificate: true, MinimumProtocolVersion: 'TLSv1' },
            },
          }));
        } catch (error) {
          if (!(error instanceof NoSuchDistribution)) throw error;
        }
      }
      // Out of the router map, and out of the redirect map (as a redirecting name or a target).
      await o.writeRoutes((routes, redirects) => {
        const redirecting = Object.entries(redirects).filter(([host, target]) => host === hostname || target === hostname);
        if (!(hostname in routes) && redirecting.length === 0) return false;
        delete routes[hostname];
        for (const [host] of redirecting) delete redirects[host];
      });
      if (known.certificateArn) {
        try {
          await o.acm.send(new DeleteCertificateCommand({ CertificateArn: known.certificateArn }));
        } catch (error) {
          if (!(error instanceof ResourceNotFoundException)) throw error;
        }
      }
    },
  };
}
