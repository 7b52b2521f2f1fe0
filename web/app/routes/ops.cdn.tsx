// /ops/cdn: the CDN providers' health as failover sees it (down after repeated failed checks, up
// again after repeated good ones), what failover did and why, and the hosted CDNs' daily usage
// sync. Ops and admins only.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { DataTable, Kpi, Panel } from '~/components/ops/DataTable.tsx';
import { bytes, count, seoulDateTime } from '~/components/ops/format.ts';
import { cdnStatus } from '~/cdn-status.server.ts';
import { sql } from '~/db.server.ts';
import { requireOpsView } from '~/ops.server.ts';

export async function loader({ request }: LoaderFunctionArgs) {
  await requireOpsView(request, 'capacity');
  return json(await cdnStatus(sql));
}

const LABELS: Record<string, string> = { local: '자체 에지', cloudflare: 'Cloudflare', vercel: 'Vercel', cloudfront: 'CloudFront' };
const KINDS: Record<string, string> = {
  provider_down: '장애 판정', provider_up: '복구 판정', site_failover: '사이트 이전', site_recovery: '사이트 복귀',
  move_failed: '이전 실패', deploy_fallback: '다른 CDN에 게시',
};
const SYNC: Record<string, string> = { ok: '반영', failed: '실패', unsupported: '지원 안 됨' };
const label = (p: string | null) => (p ? LABELS[p] ?? p : '—');

export default function OpsCdn() {
  const d = useLoaderData<typeof loader>();
  const down = d.health.filter((h) => h.state === 'down');
  const failedSyncs = d.syncs.filter((s) => s.status === 'failed').length;
  return (
    <>
      <div className="stats">
        <Kpi label="CDN 제공자" value={`${count(d.health.length)}곳`} hint="상태 확인 중인 제공자" />
        <Kpi label="장애 중" value={`${count(down.length)}곳`} hint={down.length ? down.map((h) => label(h.provider)).join(', ') : '모두 정상'} tone={down.length ? 'bad' : 'good'} />
        <Kpi label="최근 장애 조치" value={`${count(d.events.filter((e) => e.kind === 'site_failover' || e.kind === 'deploy_fallback').length)}건`} hint="최근 30건 중 사이트 이전·다른 CDN 게시" />
        <Kpi label="사용량 동기화 실패" value={`${count(failedSyncs)}건`} hint="최근 30건 기준" tone={failedSyncs ? 'bad' : undefined} />
      </div>

      <Panel title="제공자 상태" note="연속 3번 실패하면 장애, 장애 후 5분이 지나고 연속 5번 성공하면 복구로 봅니다 (매분 확인)" flush>
        <DataTable
          rows={d.health}
          rowKey={(h) => h.provider}
          caption="CDN 제공자 상태"
          empty="아직 상태 확인 기록이 없습니다. 모니터 프로세스가 매분 확인합니다."
          columns={[
            { header: '제공자', cell: (h) => label(h.provider) },
            { header: '상태', cell: (h) => (h.state === 'up' ? <span className="badge badge-success">정상</span> : <span className="badge badge-danger">장애</span>) },
            { header: '연속 실패/성공', cell: (h) => `${h.consecutiveFailures} / ${h.consecutiveSuccesses}`, numeric: true },
            { header: '응답 시간', cell: (h) => (h.latencyMs === null ? '—' : `${count(h.latencyMs)}ms`), numeric: true },
            { header: '마지막 확인', cell: (h) => seoulDateTime(h.lastCheckedAt) },
            { header: '마지막 정상', cell: (h) => seoulDateTime(h.lastOkAt) },
            { header: '내용', cell: (h) => <span className="small">{h.detail}</span> },
          ]}
        />
      </Panel>

      <Panel title="장애 조치 기록" note="제공자 장애·복구 판정과 사이트 이전, 그 이유" flush>
        <DataTable
          rows={d.events}
          rowKey={(e) => e.id}
          caption="장애 조치 기록"
          empty="장애 조치 기록이 없습니다."
          columns={[
            { header: '시각', cell: (e) => seoulDateTime(e.at) },
            { header: '종류', cell: (e) => KINDS[e.kind] ?? e.kind },
            { header: '제공자', cell: (e) => (e.toProvider && e.toProvider !== e.provider ? `${label(e.provider)} → ${label(e.toProvider)}` : label(e.provider)) },
            { header: '사이트', cell: (e) => e.siteName ?? '—' },
            { header: '이유', cell: (e) => <span className="small">{e.reason}</span> },
          ]}
        />
      </Panel>

      <Panel title="사용량 동기화" note="Cloudflare·Vercel·CloudFront의 일별 요청 수와 전송량 (매시간 어제와 오늘을 다시 읽어 덮어씁니다)" flush>
        <DataTable
          rows={d.syncs}
          rowKey={(s) => `${s.provider}:${s.siteId}:${s.day}`}
          caption="사용량 동기화"
          empty="동기화한 호스팅 사이트가 없습니다."
          columns={[
            { header: '날짜', cell: (s) => s.day },
            { header: '제공자', cell: (s) => label(s.provider) },
            { header: '사이트', cell: (s) => s.siteName },
            { header: '결과', cell: (s) => SYNC[s.status] ?? s.status },
            { header: '요청', cell: (s) => (s.requests === null ? '—' : count(s.requests)), numeric: true },
            { header: '전송량', cell: (s) => (s.bytes === null ? '—' : bytes(s.bytes)), numeric: true },
            { header: '내용', cell: (s) => <span className="small">{s.detail}</span> },
          ]}
        />
      </Panel>
    </>
  );
}
