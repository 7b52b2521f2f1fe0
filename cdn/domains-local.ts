// Custom domains on the `local` provider (the edge; the all-self-hosted mode of the business
// plan). Nobody else verifies the domain for us here, so we do what the hosted CDNs do:
//   - the owner points the name at the site's edge address (CNAME → <slug>.<SITE_BASE_DOMAIN>)
//   - and proves ownership with a TXT record _windwalker.<hostname> = windwalker-verify=<token>;
// a re-check looks the TXT record up in DNS. Once it is there the domain is active and the edge
// serves it (cdn/edge.ts reads active domains). The edge speaks HTTP: HTTPS for custom names is
// terminated in front of it (the load balancer's on-demand certificates), so the certificate
// follows the domain's own status and `detail` says so — see docs/decisions/132-custom-domains.md.
import { randomBytes } from 'node:crypto';
import { promises as dns } from 'node:dns';
import { isUuid, withTenant, type Sql } from '../db/index.ts';
import { CdnError } from './errors.ts';
import type { DnsRecord, DomainState, ProviderDomainRef } from './providers/types.ts';

/** Looks up TXT records: the strings of each record (node:dns resolveTxt's shape). */
export type ResolveTxt = (name: string) => Promise<string[][]>;

export const VERIFY_PREFIX = 'windwalker-verify=';
const CERTIFICATE_NOTE = 'HTTPS is terminated in front of the edge (load balancer certificates); the edge itself serves HTTP.';

export function verificationRecordName(hostname: string): string {
  return `_windwalker.${hostname}`;
}

const DNS_MISSING = new Set(['ENOTFOUND', 'ENODATA', 'ESERVFAIL', 'NXDOMAIN', 'ETIMEOUT', 'ECONNREFUSED']);

export function createLocalDomains(opts: { sql: Sql; baseDomain: string; resolveTxt?: ResolveTxt }) {
  const { sql } = opts;
  const resolveTxt: ResolveTxt = opts.resolveTxt ?? ((name) => dns.resolveTxt(name));

  async function site(ref: ProviderDomainRef): Promise<{ slug: string; token: string | null }> {
    if (!isUuid(ref.siteId)) throw new CdnError('not_found', '사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.');
    return withTenant(sql, ref.tenantId, async (tx) => {
      const [row] = await tx<{ slug: string }[]>`select slug from sites where id = ${ref.siteId}`;
      if (!row) throw new CdnError('not_found', '사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.');
      const [domain] = await tx<{ dns_records: DnsRecord[] }[]>`
        select dns_records from cdn_domains where site_id = ${ref.siteId} and hostname = ${ref.hostname}`;
      const txt = domain?.dns_records.find((r) => r.type === 'TXT' && r.value.startsWith(VERIFY_PREFIX));
      return { slug: row.slug, token: txt ? txt.value.slice(VERIFY_PREFIX.length) : null };
    });
  }

  function records(hostname: string, slug: string, token: string): DnsRecord[] {
    return [
      { type: 'CNAME', name: hostname, value: `${slug}.${opts.baseDomain}`, purpose: '사이트 연결' },
      { type: 'TXT', name: verificationRecordName(hostname), value: `${VERIFY_PREFIX}${token}`, purpose: '도메인 소유 확인' },
    ];
  }

  async function save(ref: ProviderDomainRef, state: DomainState): Promise<void> {
    await withTenant(sql, ref.tenantId, (tx) => tx`
      insert into cdn_domains (tenant_id, site_id, hostname, provider, status, certificate_status, dns_records, detail, checked_at)
      values (${ref.tenantId}, ${ref.siteId}, ${state.hostname}, 'local', ${state.status}, ${state.certificate},
              ${tx.json(state.dnsRecords as never)}, ${state.detail}, now())
      on conflict (hostname) do update set
        provider = excluded.provider, status = excluded.status, certificate_status = excluded.certificate_status,
        dns_records = excluded.dns_records, detail = excluded.detail, checked_at = now()
      where cdn_domains.site_id = excluded.site_id`);
  }

  async function check(ref: ProviderDomainRef, slug: string, token: string): Promise<DomainState> {
    const name = verificationRecordName(ref.hostname);
    let found: string[] = [];
    let lookupError = '';
    try {
      found = (await resolveTxt(name)).map((chunks) => chunks.join(''));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (!DNS_MISSING.has(code)) throw new Error(`DNS lookup of ${name} failed: ${(error as Error).message}`, { cause: error });
      lookupError = code;
    }
    const verified = found.includes(`${VERIFY_PREFIX}${token}`);
    const detail = verified
      ? `TXT ${name} verified. ${CERTIFICATE_NOTE}`
      : lookupError
        ? `TXT ${name} not found (${lookupError}).`
        : `TXT ${name} has ${found.length ? found.map((v) => JSON.stringify(v)).join(', ') : 'no values'}; expected ${VERIFY_PREFIX}${token}.`;
    const phase = verified ? 'active' : 'pending';
    return { hostname: ref.hostname, status: phase, certificate: phase, dnsRecords: records(ref.hostname, slug, token), detail };
  }

  return {
    async attachDomain(ref: ProviderDomainRef): Promise<DomainState> {
      const { slug, token } = await site(ref);
      // A re-attach keeps the token the owner may already have put in DNS and looks it up; a new
      // token cannot be in anyone's DNS yet, so there is nothing to look up.
      const state = token
        ? await check(ref, slug, token)
        : (() => {
            const fresh = randomBytes(16).toString('hex');
            return {
              hostname: ref.hostname, status: 'pending', certificate: 'pending', dnsRecords: records(ref.hostname, slug, fresh),
              detail: `Waiting for TXT ${verificationRecordName(ref.hostname)}.`,
            } satisfies DomainState;
          })();
      await save(ref, state);
      return state;
    },

    async domainStatus(ref: ProviderDomainRef): Promise<DomainState> {
      const { slug, token } = await site(ref);
      if (!token) throw new CdnError('not_found', `도메인 '${ref.hostname}'이(가) 이 사이트에 연결되어 있지 않습니다. 먼저 도메인을 추가해 주세요.`);
      const state = await check(ref, slug, token);
      await save(ref, state);
      return state;
    },
  };
}
