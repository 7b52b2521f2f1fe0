// The custom-domain half of the AWS contract server (test support; aws.ts routes to it after
// checking the SigV4 signature): ACM in us-east-1 and CloudFront distributions, as the real APIs
// behave for what WindWalker calls.
//
// ACM (JSON 1.1, X-Amz-Target CertificateManager.*): RequestCertificate (DomainName pattern,
// ValidationMethod defaulting to EMAIL as the real API does — an EMAIL certificate has no
// ResourceRecord; IdempotencyToken \w{1,32}: the same token for the same name gives the same
// ARN), DescribeCertificate (the DNS validation record appears a describe later, as ACM needs a
// few seconds; ISSUED once the owner published that CNAME: `publishValidation`), DeleteCertificate
// (ResourceInUseException while a distribution uses it), ResourceNotFoundException for unknown ARNs.
//
// CloudFront distributions (REST-XML 2020-05-31): CreateDistribution, GetDistribution,
// GetDistributionConfig and UpdateDistribution with If-Match ETags. Both check the
// configuration as CloudFront does: CallerReference unique (DistributionAlreadyExists) and
// unchanged on update (IllegalUpdate), Aliases.Quantity = its items, every alias covered by the
// viewer certificate — an ACM certificate in us-east-1, ISSUED, whose name or SANs match
// (InvalidViewerCertificate), SSLSupportMethod given with it — an alias on one distribution
// only (CNAMEAlreadyExists), DefaultCacheBehavior.TargetOriginId naming an origin. A changed
// distribution is InProgress for `deploySeconds`, then Deployed.
import { createHash, randomUUID } from 'node:crypto';
import { json, parseJson, randomHex, type ContractRequest, type ContractResponse } from './http.ts';

const CF_NS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';
const ACCOUNT = '123456789012';
const DOMAIN = /^(\*\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])$/;

export interface ContractCertificate {
  arn: string;
  domainName: string;
  sans: string[];
  method: 'DNS' | 'EMAIL' | 'HTTP';
  token: string | null;
  status: 'PENDING_VALIDATION' | 'ISSUED' | 'FAILED';
  record: { Name: string; Type: 'CNAME'; Value: string };
  describes: number;
  createdAt: number;
  issuedAt: number | null;
}

export interface ContractDistribution {
  id: string;
  domainName: string;
  /** The <DistributionConfig> element as last accepted. */
  configXml: string;
  etag: string;
  modifiedAt: number;
}

function xml(status: number, body: string, headers: Record<string, string> = {}): ContractResponse {
  return { status, headers: { 'content-type': 'text/xml', ...headers }, body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}` };
}

function cfError(status: number, code: string, message: string): ContractResponse {
  return xml(status, `<ErrorResponse xmlns="${CF_NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`);
}

function acmError(type: string, message: string): ContractResponse {
  return json(400, { __type: type, message }, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
}

function tag(body: string, name: string): string | undefined {
  return new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(body)?.[1];
}

function covers(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (!pattern.startsWith('*.')) return false;
  const rest = pattern.slice(2);
  return host.endsWith(`.${rest}`) && !host.slice(0, -rest.length - 1).includes('.');
}

export function createAwsDomainsContract(opts: { distributionId: string; bucket: string; region: string; siteBaseDomain: string; deploySeconds?: number }) {
  const certificates = new Map<string, ContractCertificate>();
  const distributions = new Map<string, ContractDistribution>();
  /** Validation CNAME names the owner has published in DNS. */
  const published = new Set<string>();
  const deployMs = (opts.deploySeconds ?? 0) * 1000;

  // The installation's main distribution: the bucket behind it, the router function in front,
  // every site at <slug>.<siteBaseDomain> through a wildcard alias and certificate.
  const wildcard = `*.${opts.siteBaseDomain}`;
  const wildcardArn = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/${randomUUID()}`;
  certificates.set(wildcardArn, {
    arn: wildcardArn, domainName: wildcard, sans: [wildcard], method: 'DNS', token: null, status: 'ISSUED',
    record: { Name: `_${randomHex(16)}.${opts.siteBaseDomain}.`, Type: 'CNAME', Value: `_${randomHex(16)}.acm-validations.aws.` },
    describes: 0, createdAt: Date.now() / 1000, issuedAt: Date.now() / 1000,
  });
  distributions.set(opts.distributionId, {
    id: opts.distributionId,
    domainName: `d${randomHex(6)}.cloudfront.net`,
    etag: randomHex(7).toUpperCase(),
    modifiedAt: 0,
    configXml:
      `<DistributionConfig xmlns="${CF_NS}"><CallerReference>windwalker-sites</CallerReference>` +
      `<Aliases><Quantity>1</Quantity><Items><CNAME>${wildcard}</CNAME></Items></Aliases><DefaultRootObject>index.html</DefaultRootObject>` +
      `<Origins><Quantity>1</Quantity><Items><Origin><Id>s3-sites</Id><DomainName>${opts.bucket}.s3.${opts.region}.amazonaws.com</DomainName>` +
      `<OriginPath></OriginPath><S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity></S3OriginConfig></Origin></Items></Origins>` +
      `<DefaultCacheBehavior><TargetOriginId>s3-sites</TargetOriginId><ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy>` +
      `<CachePolicyId>658327ea-f89d-4fab-a63d-7e88639e58f6</CachePolicyId><Compress>true</Compress>` +
      `<FunctionAssociations><Quantity>1</Quantity><Items><FunctionAssociation><FunctionARN>arn:aws:cloudfront::${ACCOUNT}:function/ww-sites-${opts.distributionId}</FunctionARN>` +
      `<EventType>viewer-request</EventType></FunctionAssociation></Items></FunctionAssociations></DefaultCacheBehavior>` +
      `<Comment>WindWalker sites</Comment><PriceClass>PriceClass_200</PriceClass><Enabled>true</Enabled>` +
      `<ViewerCertificate><CloudFrontDefaultCertificate>false</CloudFrontDefaultCertificate><ACMCertificateArn>${wildcardArn}</ACMCertificateArn>` +
      `<SSLSupportMethod>sni-only</SSLSupportMethod><MinimumProtocolVersion>TLSv1.2_2021</MinimumProtocolVersion></ViewerCertificate>` +
      `<HttpVersion>http2</HttpVersion><IsIPV6Enabled>true</IsIPV6Enabled></DistributionConfig>`,
  });

  function aliasesOf(configXml: string): string[] {
    const block = tag(configXml, 'Aliases') ?? '';
    return [...block.matchAll(/<CNAME>([\s\S]*?)<\/CNAME>/g)].map((m) => m[1].toLowerCase());
  }

  function inUseBy(arn: string): string[] {
    return [...distributions.values()]
      .filter((d) => tag(tag(d.configXml, 'ViewerCertificate') ?? '', 'ACMCertificateArn') === arn)
      .map((d) => `arn:aws:cloudfront::${ACCOUNT}:distribution/${d.id}`);
  }

  /** The configuration's problem as CloudFront would answer it, or null. */
  function checkConfig(configXml: string, self: string | null): ContractResponse | null {
    const callerReference = tag(configXml, 'CallerReference');
    if (!callerReference) return cfError(400, 'MissingBody', 'DistributionConfig.CallerReference is required.');
    if (tag(configXml, 'Comment') === undefined) return cfError(400, 'InvalidArgument', 'DistributionConfig.Comment is required.');
    if (!/^(true|false)$/.test(tag(configXml, 'Enabled') ?? '')) return cfError(400, 'InvalidArgument', 'DistributionConfig.Enabled is required.');
    const origins = tag(configXml, 'Origins') ?? '';
    const originIds = [...origins.matchAll(/<Origin><Id>([\s\S]*?)<\/Id>/g)].map((m) => m[1]);
    if (originIds.length === 0 || Number(tag(origins, 'Quantity')) !== originIds.length) return cfError(400, 'InvalidArgument', 'Origins.Quantity must equal the number of origins (at least one).');
    const target = tag(tag(configXml, 'DefaultCacheBehavior') ?? '', 'TargetOriginId');
    if (!target || !originIds.includes(target)) return cfError(400, 'NoSuchOrigin', `DefaultCacheBehavior.TargetOriginId '${target ?? ''}' names no origin.`);
    const aliasBlock = tag(configXml, 'Aliases') ?? '<Quantity>0</Quantity>';
    const aliases = aliasesOf(configXml);
    if (Number(tag(aliasBlock, 'Quantity')) !== aliases.length) return cfError(400, 'InvalidArgument', 'Aliases.Quantity must equal the number of Aliases.Items.');
    for (const alias of aliases) {
      if (!DOMAIN.test(alias)) return cfError(400, 'InvalidArgument', `The alias ${alias} is not a valid domain name.`);
      const holder = [...distributions.values()].find((d) => d.id !== self && aliasesOf(d.configXml).includes(alias));
      if (holder) return cfError(409, 'CNAMEAlreadyExists', `One or more of the CNAMEs you provided are already associated with a different resource.`);
    }
    const viewer = tag(configXml, 'ViewerCertificate') ?? '';
    const arn = tag(viewer, 'ACMCertificateArn');
    if (arn) {
      const certificate = certificates.get(arn);
      if (!arn.startsWith('arn:aws:acm:us-east-1:') || !certificate) {
        return cfError(400, 'InvalidViewerCertificate', "The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't valid, or doesn't include a valid certificate chain.");
      }
      if (certificate.status !== 'ISSUED') return cfError(400, 'InvalidViewerCertificate', `The certificate ${arn} is not issued yet (${certificate.status}).`);
      if (!tag(viewer, 'SSLSupportMethod')) return cfError(400, 'InvalidViewerCertificate', 'SSLSupportMethod is required with an ACM certificate.');
      for (const alias of aliases) {
        if (![certificate.domainName, ...certificate.sans].some((name) => covers(name.toLowerCase(), alias))) {
          return cfError(400, 'InvalidViewerCertificate', `To add an alternate domain name (CNAME) to a CloudFront distribution, you must attach a trusted certificate that validates your authorization to use the domain name. ${alias} is not covered.`);
        }
      }
    } else if (aliases.length > 0) {
      return cfError(400, 'InvalidViewerCertificate', 'To add an alternate domain name (CNAME) to a CloudFront distribution, you must attach a trusted certificate that validates your authorization to use the domain name.');
    }
    return null;
  }

  function statusOf(d: ContractDistribution): 'InProgress' | 'Deployed' {
    return Date.now() - d.modifiedAt >= deployMs ? 'Deployed' : 'InProgress';
  }

  function distributionXml(d: ContractDistribution): string {
    return `<Distribution xmlns="${CF_NS}"><Id>${d.id}</Id><ARN>arn:aws:cloudfront::${ACCOUNT}:distribution/${d.id}</ARN>` +
      `<Status>${statusOf(d)}</Status><LastModifiedTime>${new Date(d.modifiedAt || Date.now()).toISOString()}</LastModifiedTime>` +
      `<InProgressInvalidationBatches>0</InProgressInvalidationBatches><DomainName>${d.domainName}</DomainName>` +
      `${d.configXml.replace(/ xmlns="[^"]*"/, '')}</Distribution>`;
  }

  function configOf(body: string): string | undefined {
    return /<DistributionConfig[\s>][\s\S]*<\/DistributionConfig>/.exec(body)?.[0];
  }

  /** /2020-05-31/distribution[/<id>[/config]] after the signature check. */
  function distribution(req: ContractRequest, parts: string[]): ContractResponse {
    const [, , id, sub] = parts;
    const body = req.body.toString('utf8');
    if (!id && req.method === 'POST') {
      const configXml = configOf(body);
      if (!configXml) return cfError(400, 'MalformedInput', 'The request body must be a DistributionConfig.');
      const problem = checkConfig(configXml, null);
      if (problem) return problem;
      const reference = tag(configXml, 'CallerReference');
      if ([...distributions.values()].some((d) => tag(d.configXml, 'CallerReference') === reference)) {
        return cfError(409, 'DistributionAlreadyExists', `The caller reference ${reference} is already associated with another distribution.`);
      }
      const created: ContractDistribution = {
        id: `E${randomHex(6).toUpperCase()}`, domainName: `d${randomHex(6)}.cloudfront.net`, configXml, etag: randomHex(7).toUpperCase(), modifiedAt: Date.now(),
      };
      distributions.set(created.id, created);
      return xml(201, distributionXml(created), { etag: created.etag, location: `${req.url.origin}/2020-05-31/distribution/${created.id}` });
    }
    const found = id ? distributions.get(id) : undefined;
    if (!found) return cfError(404, 'NoSuchDistribution', 'The specified distribution does not exist.');
    if (req.method === 'GET' && !sub) return xml(200, distributionXml(found), { etag: found.etag });
    if (req.method === 'GET' && sub === 'config') return xml(200, found.configXml, { etag: found.etag });
    if (req.method === 'PUT' && sub === 'config') {
      const ifMatch = req.headers['if-match'];
      if (typeof ifMatch !== 'string') return cfError(400, 'InvalidIfMatchVersion', 'The If-Match version is missing or not valid for the resource.');
      if (ifMatch !== found.etag) return cfError(412, 'PreconditionFailed', 'The precondition given in one or more of the request header fields evaluated to false.');
      const configXml = configOf(body);
      if (!configXml) return cfError(400, 'MalformedInput', 'The request body must be a DistributionConfig.');
      if (tag(configXml, 'CallerReference') !== tag(found.configXml, 'CallerReference')) return cfError(400, 'IllegalUpdate', 'The CallerReference of a distribution cannot change.');
      const problem = checkConfig(configXml, found.id);
      if (problem) return problem;
      found.configXml = configXml;
      found.etag = randomHex(7).toUpperCase();
      found.modifiedAt = Date.now();
      return xml(200, distributionXml(found), { etag: found.etag });
    }
    return cfError(404, 'NotFound', `no route ${req.method} ${req.url.pathname}`);
  }

  function describe(c: ContractCertificate) {
    c.describes += 1;
    if (c.status === 'PENDING_VALIDATION' && c.method === 'DNS' && published.has(c.record.Name)) {
      c.status = 'ISSUED';
      c.issuedAt = Date.now() / 1000;
    }
    // ACM fills in the DNS record a few seconds after the request: not on the first describe.
    const showRecord = c.method === 'DNS' && c.describes > 1;
    return {
      CertificateArn: c.arn, DomainName: c.domainName, SubjectAlternativeNames: c.sans, Status: c.status, Type: 'AMAZON_ISSUED',
      CreatedAt: c.createdAt, ...(c.issuedAt ? { IssuedAt: c.issuedAt } : {}), KeyAlgorithm: 'RSA_2048', InUseBy: inUseBy(c.arn),
      DomainValidationOptions: [c.domainName, ...c.sans.filter((s) => s !== c.domainName)].map((name) => ({
        DomainName: name, ValidationDomain: name, ValidationMethod: c.method,
        ValidationStatus: c.status === 'ISSUED' ? 'SUCCESS' : 'PENDING_VALIDATION',
        ...(showRecord ? { ResourceRecord: c.record } : {}),
        ...(c.method === 'EMAIL' ? { ValidationEmails: [`admin@${name}`, `hostmaster@${name}`] } : {}),
      })),
    };
  }

  /** The ACM JSON API after the signature check (service acm, us-east-1 scope). */
  function acm(req: ContractRequest): ContractResponse {
    const target = String(req.headers['x-amz-target'] ?? '');
    if (req.method !== 'POST' || !String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1')) {
      return acmError('ValidationException', 'ACM takes POST with Content-Type application/x-amz-json-1.1.');
    }
    const input = parseJson(req.body) as Record<string, unknown> | undefined;
    if (!input || typeof input !== 'object') return acmError('SerializationException', 'The request body is not JSON.');
    const answer = (value: unknown) => json(200, value, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
    switch (target) {
      case 'CertificateManager.RequestCertificate': {
        const domainName = input.DomainName;
        if (typeof domainName !== 'string' || domainName.length > 253 || !DOMAIN.test(domainName)) {
          return acmError('ValidationException', `1 validation error detected: Value '${String(domainName)}' at 'domainName' failed to satisfy constraint: Member must satisfy regular expression pattern`);
        }
        const method = (input.ValidationMethod ?? 'EMAIL') as string;
        if (!['DNS', 'EMAIL', 'HTTP'].includes(method)) return acmError('ValidationException', `Value '${method}' at 'validationMethod' failed to satisfy constraint: Member must satisfy enum value set: [EMAIL, DNS, HTTP]`);
        const token = input.IdempotencyToken;
        if (token !== undefined && (typeof token !== 'string' || !/^\w{1,32}$/.test(token))) {
          return acmError('ValidationException', "Value at 'idempotencyToken' failed to satisfy constraint: Member must satisfy regular expression pattern: \\w+ (1–32 characters)");
        }
        const sans = Array.isArray(input.SubjectAlternativeNames) ? (input.SubjectAlternativeNames as string[]) : [domainName];
        const again = token ? [...certificates.values()].find((c) => c.token === token && c.domainName === domainName && Date.now() / 1000 - c.createdAt < 3600) : undefined;
        if (again) return answer({ CertificateArn: again.arn });
        const arn = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/${randomUUID()}`;
        const bare = domainName.replace(/^\*\./, '').toLowerCase();
        certificates.set(arn, {
          arn, domainName: domainName.toLowerCase(), sans: sans.map((s) => s.toLowerCase()), method: method as ContractCertificate['method'], token: (token as string | undefined) ?? null,
          status: 'PENDING_VALIDATION', describes: 0, createdAt: Math.floor(Date.now() / 1000), issuedAt: null,
          record: {
            Name: `_${createHash('md5').update(bare).digest('hex')}.${bare}.`, Type: 'CNAME',
            Value: `_${randomHex(16)}.${randomHex(5)}.acm-validations.aws.`,
          },
        });
        return answer({ CertificateArn: arn });
      }
      case 'CertificateManager.DescribeCertificate': {
        const certificate = typeof input.CertificateArn === 'string' ? certificates.get(input.CertificateArn) : undefined;
        if (!certificate) return acmError('ResourceNotFoundException', `Could not find certificate ${String(input.CertificateArn)}.`);
        return answer({ Certificate: describe(certificate) });
      }
      case 'CertificateManager.DeleteCertificate': {
        const certificate = typeof input.CertificateArn === 'string' ? certificates.get(input.CertificateArn) : undefined;
        if (!certificate) return acmError('ResourceNotFoundException', `Could not find certificate ${String(input.CertificateArn)}.`);
        if (inUseBy(certificate.arn).length) return acmError('ResourceInUseException', `Certificate ${certificate.arn} is in use.`);
        certificates.delete(certificate.arn);
        return answer({});
      }
      default:
        return acmError('UnknownOperationException', `Unknown operation ${target}`);
    }
  }

  return {
    certificates,
    distributions,
    acm,
    distribution,
    /** The owner created the ACM validation CNAME of every certificate for `hostname`. */
    publishValidation(hostname: string): void {
      for (const c of certificates.values()) if (c.domainName === hostname || c.sans.includes(hostname)) published.add(c.record.Name);
    },
    /**
     * The enabled distribution that carries `host` as an alias, and the name of the function
     * associated with its default cache behaviour on viewer-request (null when none); undefined
     * when no distribution answers the host.
     */
    viewerRequestFunction(host: string): string | null | undefined {
      const d = [...distributions.values()].find((x) => tag(x.configXml, 'Enabled') === 'true' && aliasesOf(x.configXml).some((a) => covers(a, host.toLowerCase())));
      if (!d) return undefined;
      const behaviour = tag(d.configXml, 'DefaultCacheBehavior') ?? '';
      const association = [...behaviour.matchAll(/<FunctionAssociation>([\s\S]*?)<\/FunctionAssociation>/g)].map((m) => m[1])
        .find((a) => tag(a, 'EventType') === 'viewer-request');
      const arn = association ? tag(association, 'FunctionARN') : undefined;
      return arn ? arn.slice(arn.lastIndexOf('/') + 1) : null;
    },
    /** CloudFront answers a host only when an enabled distribution carries it as an alias. */
    servesHost(host: string): boolean {
      return [...distributions.values()].some((d) => tag(d.configXml, 'Enabled') === 'true' && aliasesOf(d.configXml).some((a) => covers(a, host.toLowerCase())));
    },
  };
}
