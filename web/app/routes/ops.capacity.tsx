// /ops/capacity: hosts' CPU, memory and disk now and over time, running builds and the queue,
// concurrent editor sessions against the cluster's planned target, developer-mode sessions per
// agent host (devmode_hosts, the monitor's latest sample) against the business plan's cluster
// targets, and the autoscaler's record. Ops and admins only.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { useLoaderData, useLocation } from '@remix-run/react';
import { BuildQueueChart, HostUsageChart } from '~/components/ops/charts.tsx';
import { CsvLink, DataTable, Kpi, Panel } from '~/components/ops/DataTable.tsx';
import { bytes, count, percent, seoulDateTime, won } from '~/components/ops/format.ts';
import { sql } from '~/db.server.ts';
import { capacityOverTime, devmodeCapacityNow, hostsNow, listWorkerScalingEvents, rangeFromRequest, requireOpsView, workloadNow } from '~/ops.server.ts';

export async function loader({ request }: LoaderFunctionArgs) {
  await requireOpsView(request, 'capacity');
  const range = rangeFromRequest(request);
  const [hosts, points, workload, scaling, devmode] = await Promise.all([
    hostsNow(sql),
    capacityOverTime(sql, range),
    workloadNow(sql),
    listWorkerScalingEvents(sql, 20),
    devmodeCapacityNow(sql),
  ]);
  return json({ range, hosts, points, workload, scaling, devmode });
}

function Meter({ value }: { value: number | null }) {
  if (value === null) return <span className="muted">—</span>;
  const tone = value >= 90 ? 'danger' : value >= 80 ? 'warn' : '';
  return (
    <span className="ops-meter-cell">
      <span className={`ops-meter ${tone}`} aria-hidden="true">
        <span style={{ width: `${Math.min(100, value)}%` }} />
      </span>
      {percent(value)}
    </span>
  );
}

const STATUS = { online: '정상', offline: '꺼짐', unknown: '확인 불가', removed: '제거됨' } as Record<string, string>;
const ACTIONS = { 'scale-up': '늘림', 'scale-down': '줄임', hold: '유지' } as Record<string, string>;

export default function OpsCapacity() {
  const d = useLoaderData<typeof loader>();
  const { search } = useLocation();
  const w = d.workload;
  const editorShare = w.editorTarget > 0 ? (w.activeEditors / w.editorTarget) * 100 : 0;
  const dev = d.devmode;
  const devShare = dev.target.max > 0 ? (dev.sessions / dev.target.max) * 100 : 0;
  const monthly = d.hosts.reduce((s, h) => s + h.monthlyCostKrw, 0);
  return (
    <>
      <div className="stats">
        <Kpi label="호스트 (정상)" value={`${count(w.onlineHosts)}대`} hint={w.clusterLabel} />
        <Kpi label="동시 편집 세션" value={`${count(w.activeEditors)} / ${count(w.editorTarget)}명`} hint={`최근 10분 안에 저장한 사람 · 목표 대비 ${percent(editorShare, 0)}`} tone={editorShare >= 100 ? 'bad' : undefined} />
        <Kpi label="개발자 세션" value={`${count(dev.sessions)} / ${count(dev.target.min)}~${count(dev.target.max)}개`} hint={`코드 편집기 · 메모리 ${bytes(dev.memoryUsedBytes)} · ${dev.target.label}`} tone={dev.sessions > dev.target.max ? 'bad' : undefined} />
        <Kpi label="실행 중 빌드" value={`${count(w.runningBuilds)}건`} hint={`대기 ${count(w.queueDepth)}건`} tone={w.queueDepth > 10 ? 'bad' : undefined} />
        <Kpi label="호스트 월 비용" value={won(monthly)} hint="하드웨어 상각 + 전력 + 운영" />
      </div>

      <Panel title="호스트" note="마지막 측정값. 80% 이상 주의, 90% 이상 위험" flush actions={<CsvLink table="hosts" search={search} />}>
        <DataTable
          rows={d.hosts}
          rowKey={(h) => h.name}
          caption="호스트"
          empty="등록된 호스트가 없습니다. 모니터 프로세스가 시작되면 이 서버가 첫 호스트로 등록됩니다."
          columns={[
            {
              header: '호스트',
              cell: (h) => (
                <>
                  <strong className="mono">{h.name}</strong>
                  <span className="ops-ref">
                    {h.source === 'proxmox' ? 'Proxmox 노드' : '이 서버 (내장 모드)'} · {STATUS[h.status] ?? h.status}
                  </span>
                </>
              ),
            },
            { header: 'CPU', cell: (h) => <Meter value={h.cpuPercent} />, numeric: true },
            { header: '메모리', cell: (h) => <Meter value={h.memPercent} />, numeric: true },
            { header: '디스크', cell: (h) => <Meter value={h.diskPercent} />, numeric: true },
            { header: '사양', cell: (h) => `${h.cpuCount}코어 · ${bytes(h.memTotalBytes)} · ${bytes(h.diskTotalBytes)}`, numeric: true },
            { header: '월 비용', cell: (h) => won(h.monthlyCostKrw), numeric: true },
            { header: '측정', cell: (h) => seoulDateTime(h.sampledAt), numeric: true },
          ]}
        />
      </Panel>

      <Panel title="개발자 세션 용량" note="코드 편집기 호스트 에이전트별로 모니터가 1분마다 잰 열린 세션과 그 메모리 (컨테이너에서 읽은 값). 정상: 15초 안에 응답한 에이전트" flush>
        <div style={{ padding: '8px 24px 12px' }}>
          <p>
            열린 세션 <strong>{count(dev.sessions)}개</strong> · 목표 {count(dev.target.min)}~{count(dev.target.max)}개 ({dev.target.label}, 정상 호스트 {count(dev.liveHosts)}대) <Meter value={Math.round(devShare * 10) / 10} />
          </p>
          <p className="muted small">
            세션 메모리 {bytes(dev.memoryUsedBytes)} / 정상 호스트의 세션용 용량 {bytes(dev.capacityBytes)}
            {dev.capacityBytes > 0 ? ` (${percent((dev.memoryUsedBytes / dev.capacityBytes) * 100)})` : ''} · 새 세션에 남은 메모리 {bytes(dev.roomBytes)}. 사업 계획: 기본형 1서버 동시 개발 10~20명, 표준형 3서버 클러스터 50~80명. 여유 메모리가 없으면 새 편집기는 열리지 않고 그렇다고 알립니다.
          </p>
        </div>
        <DataTable
          rows={dev.hosts}
          rowKey={(h) => h.name}
          caption="개발자 세션 호스트"
          empty="등록된 코드 편집기 호스트가 없습니다. 호스트 에이전트(devmode-agent)가 시작되면 여기에 나타납니다."
          columns={[
            {
              header: '호스트',
              cell: (h) => (
                <>
                  <strong className="mono">{h.name}</strong>
                  <span className="ops-ref mono">{h.address}</span>
                </>
              ),
            },
            { header: '상태', cell: (h) => (h.live ? '정상' : <span className="ops-neg" style={{ whiteSpace: 'nowrap' }}>{h.stopped ? '중지됨' : '응답 없음'}</span>) },
            { header: '마지막 응답', cell: (h) => `${seoulDateTime(h.heartbeatAt)} · ${count(h.secondsSinceBeat)}초 전`, numeric: true },
            { header: '열린 세션', cell: (h) => (h.sample ? `${count(h.sample.sessions)}개` : <span className="muted">측정 전</span>), numeric: true },
            { header: '세션 메모리', cell: (h) => (h.sample ? bytes(h.sample.memoryUsedBytes) : <span className="muted">—</span>), numeric: true },
            { header: '예약 (한도 합)', cell: (h) => (h.sample ? bytes(h.sample.reservedBytes) : <span className="muted">—</span>), numeric: true },
            { header: '여유 메모리', cell: (h) => (h.sample ? `${bytes(h.sample.memFreeBytes)} / ${bytes(h.sample.memTotalBytes)}` : <span className="muted">—</span>), numeric: true },
            { header: '세션용 용량', cell: (h) => (h.sample ? bytes(h.sample.capacityBytes) : <span className="muted">—</span>), numeric: true },
            { header: '새 세션 여유', cell: (h) => (h.sample ? bytes(h.sample.roomBytes) : <span className="muted">—</span>), numeric: true },
            { header: '측정', cell: (h) => (h.sample ? seoulDateTime(h.sample.at) : <span className="muted">—</span>), numeric: true },
          ]}
        />
      </Panel>

      <div className="ops-grid">
        <Panel title="CPU 사용률" actions={<CsvLink table="capacity-over-time" search={search} />}>
          <HostUsageChart data={d.points} metric="cpuPercent" label="호스트별 CPU 사용률" />
        </Panel>
        <Panel title="메모리 사용률">
          <HostUsageChart data={d.points} metric="memPercent" label="호스트별 메모리 사용률" />
        </Panel>
        <Panel title="디스크 사용률">
          <HostUsageChart data={d.points} metric="diskPercent" label="호스트별 디스크 사용률" />
        </Panel>
        <Panel title="빌드와 대기열" note="구간별 최댓값">
          <BuildQueueChart data={d.points} />
        </Panel>
      </div>

      <Panel title="워커 자동 확장 기록" note="Proxmox가 설정된 경우 대기열 길이에 따라 빌드 워커를 늘리고 줄입니다" flush>
        <DataTable
          rows={d.scaling}
          rowKey={(e) => String(e.id)}
          caption="워커 자동 확장 기록"
          empty="자동 확장 기록이 없습니다 (내장 모드이거나 아직 결정이 없었습니다)."
          columns={[
            { header: '시각', cell: (e) => seoulDateTime(e.at, true) },
            { header: '결정', cell: (e) => ACTIONS[e.action] ?? e.action },
            { header: '워커', cell: (e) => `${e.workersBefore} → ${e.workersAfter} (목표 ${e.target})`, numeric: true },
            { header: '대기/실행', cell: (e) => `${e.queueDepth} / ${e.runningJobs}`, numeric: true },
            { header: '이유', cell: (e) => (e.problem ? <span className="ops-neg">{e.problem}</span> : e.reason) },
          ]}
        />
      </Panel>
    </>
  );
}
