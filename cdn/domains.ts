// Custom domains as the owner sees them: the rows in cdn_domains and, for each, the DNS records
// to create, explained in Korean. Attaching and re-checking go through the site's provider
// (CdnProvider.attachDomain / domainStatus), which writes these rows.
import { isUuid, withTenant, type Sql } from '../db/index.ts';
import { CdnError } from './errors.ts';
import type { DnsRecord, DomainPhase } from './providers/types.ts';

export interface SiteDomain {
  hostname: string;
  provider: string;
  status: DomainPhase;
  certificateStatus: DomainPhase;
  dnsRecords: DnsRecord[];
  isPrimary: boolean;
  detail: string;
  checkedAt: Date | null;
}

const PHASE_KO: Record<DomainPhase, string> = { pending: '확인 대기 중', active: '연결됨', failed: '실패' };

/** One Korean sentence per record, e.g. "www.example.co.kr에 CNAME 레코드를 만들고 값을 cname.vercel-dns.com(으)로 넣어 주세요 (사이트 연결)." */
export function dnsInstructions(records: DnsRecord[]): string[] {
  return records.map((r) => `${r.name}에 ${r.type} 레코드를 만들고 값을 ${r.value}(으)로 넣어 주세요 (${r.purpose}).`);
}

/** "연결됨 · 인증서 연결됨" style summary for a list row. */
export function domainStatusText(domain: Pick<SiteDomain, 'status' | 'certificateStatus'>): string {
  return `도메인 ${PHASE_KO[domain.status]} · 인증서 ${PHASE_KO[domain.certificateStatus]}`;
}

export async function listSiteDomains(sql: Sql, tenantId: string, siteId: string): Promise<SiteDomain[]> {
  if (!isUuid(siteId)) throw new CdnError('not_found', '사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.');
  return withTenant(sql, tenantId, async (tx) => {
    const [site] = await tx`select id from sites where id = ${siteId}`;
    if (!site) throw new CdnError('not_found', '사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.');
    const rows = await tx<{
      hostname: string; provider: string; status: DomainPhase; certificate_status: DomainPhase; dns_records: DnsRecord[];
      is_primary: boolean; detail: string; checked_at: Date | null;
    }[]>`
      select hostname, provider, status, certificate_status, dns_records, is_primary, detail, checked_at
      from cdn_domains where site_id = ${siteId} order by is_primary desc, hostname`;
    return rows.map((r) => ({
      hostname: r.hostname, provider: r.provider, status: r.status, certificateStatus: r.certificate_status, dnsRecords: r.dns_records,
      isPrimary: r.is_primary, detail: r.detail, checkedAt: r.checked_at,
    }));
  });
}

/** Makes one connected, active domain the site's primary address (the others redirect to it). */
export async function setPrimaryDomain(sql: Sql, tenantId: string, siteId: string, hostname: string): Promise<void> {
  if (!isUuid(siteId)) throw new CdnError('not_found', '사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.');
  await withTenant(sql, tenantId, async (tx) => {
    const [domain] = await tx<{ status: DomainPhase }[]>`select status from cdn_domains where site_id = ${siteId} and hostname = ${hostname} for update`;
    if (!domain) throw new CdnError('not_found', `도메인 '${hostname}'이(가) 이 사이트에 연결되어 있지 않습니다. 먼저 도메인을 추가해 주세요.`);
    if (domain.status !== 'active') throw new CdnError('not_ready', `도메인 '${hostname}'이(가) 아직 확인되지 않았습니다. DNS 레코드를 만든 뒤 다시 확인해 주세요.`);
    await tx`update cdn_domains set is_primary = false where site_id = ${siteId} and is_primary`;
    await tx`update cdn_domains set is_primary = true where site_id = ${siteId} and hostname = ${hostname}`;
  });
}
