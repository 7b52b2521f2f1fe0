// The /ops charts (recharts). Recharts measures the DOM, so a chart draws after hydration: the
// server and the first client render both send the same sized frame (no hydration mismatch),
// then the chart appears. Every chart labels its numbers (the tables beside it hold them too).
import { useEffect, useState, type ReactNode } from 'react';
import type * as Recharts from 'recharts';
import { count, dayTick, PLAN_LABELS, PROVIDER_LABELS, seoulDateTime, SOURCE_COLORS, SOURCE_LABELS, won, wonShort } from './format.ts';

type RechartsModule = typeof Recharts;

/**
 * recharts, imported in the browser once the page has hydrated. The server never renders a chart
 * (it sends the sized frame), so the web process never loads recharts (about 30 MB resident).
 */
let recharts: RechartsModule | null = null;
function useRecharts(): RechartsModule | null {
  const [loaded, setLoaded] = useState<RechartsModule | null>(recharts);
  useEffect(() => {
    if (loaded) return;
    let live = true;
    import('recharts').then((module) => {
      recharts = module;
      if (live) setLoaded(module);
    }, (error: unknown) => console.error('차트 모듈을 불러오지 못했습니다', error));
    return () => {
      live = false;
    };
  }, [loaded]);
  return loaded;
}

export function ChartFrame({ height, label, empty, children }: { height: number; label: string; empty?: boolean; children: (R: RechartsModule) => ReactNode }) {
  const R = useRecharts();
  if (empty) {
    return (
      <div className="ops-chart ops-chart-empty" style={{ height }} role="img" aria-label={label}>
        선택한 기간에 기록이 없습니다.
      </div>
    );
  }
  return (
    <div className="ops-chart" style={{ height }} role="img" aria-label={label} data-chart={label}>
      {R ? (
        <R.ResponsiveContainer width="100%" height="100%">
          {children(R) as React.ReactElement}
        </R.ResponsiveContainer>
      ) : null}
    </div>
  );
}

const AXIS = { fontSize: 12, fill: '#6b7689' };
const GRID = '#edf0f5';
const tooltipWon = (value: unknown) => won(Number(value));

export function MrrByPlanChart({ data }: { data: { planCode: string; planName: string; mrrKrw: number; subscriptions: number }[] }) {
  const rows = data.map((d) => ({ name: d.planName, mrr: d.mrrKrw, subs: d.subscriptions }));
  return (
    <ChartFrame height={220} label="플랜별 MRR" empty={rows.length === 0}>
      {(R) => (
        <R.BarChart data={rows} layout="vertical" margin={{ top: 8, right: 96, bottom: 8, left: 8 }}>
          <R.CartesianGrid horizontal={false} stroke={GRID} />
          <R.XAxis type="number" tickFormatter={wonShort} tick={AXIS} axisLine={false} tickLine={false} />
          <R.YAxis type="category" dataKey="name" width={84} tick={{ ...AXIS, fill: '#17202e' }} axisLine={false} tickLine={false} />
          <R.Tooltip formatter={tooltipWon} cursor={{ fill: '#f3f6fb' }} />
          <R.Bar dataKey="mrr" name="MRR" fill="#2f5bea" radius={[0, 4, 4, 0]} isAnimationActive={false} barSize={22}>
            <R.LabelList dataKey="mrr" position="right" formatter={(v: unknown) => won(Number(v))} style={{ fontSize: 12, fill: '#17202e', fontWeight: 600 }} />
          </R.Bar>
        </R.BarChart>
      )}
    </ChartFrame>
  );
}

export function CostRevenueChart({ data }: { data: { day: string; cdn: number; build: number; llm: number; core: number; revenueKrw: number }[] }) {
  const empty = data.every((d) => d.cdn + d.build + d.llm + d.core + d.revenueKrw === 0);
  return (
    <ChartFrame height={300} label="일별 비용(출처별)과 매출" empty={empty}>
      {(R) => (
        <R.ComposedChart data={data} margin={{ top: 12, right: 16, bottom: 4, left: 8 }}>
          <R.CartesianGrid vertical={false} stroke={GRID} />
          <R.XAxis dataKey="day" tickFormatter={dayTick} tick={AXIS} tickLine={false} axisLine={{ stroke: GRID }} minTickGap={16} />
          <R.YAxis tickFormatter={wonShort} tick={AXIS} axisLine={false} tickLine={false} width={56} />
          <R.Tooltip formatter={tooltipWon} labelFormatter={(d: unknown) => String(d)} />
          <R.Legend iconType="circle" wrapperStyle={{ fontSize: 12 }} />
          {(['core', 'build', 'cdn', 'llm'] as const).map((k) => (
            <R.Bar key={k} dataKey={k} name={SOURCE_LABELS[k]} stackId="cost" fill={SOURCE_COLORS[k]} isAnimationActive={false} maxBarSize={36} />
          ))}
          <R.Line dataKey="revenueKrw" name="매출" stroke="#d93a3a" strokeWidth={2} dot={false} type="monotone" isAnimationActive={false} />
        </R.ComposedChart>
      )}
    </ChartFrame>
  );
}

export function MarginChart({ data, label }: { data: { name: string; marginKrw: number }[]; label: string }) {
  // The amount sits in the axis label (a bar's end label would cover the names of negative bars).
  const rows = data.slice(0, 8).map((r) => ({ ...r, axis: `${r.name}  ${won(r.marginKrw)}` }));
  return (
    <ChartFrame height={Math.max(160, rows.length * 34 + 40)} label={label} empty={rows.length === 0}>
      {(R) => (
        <R.BarChart data={rows} layout="vertical" margin={{ top: 4, right: 24, bottom: 4, left: 8 }}>
          <R.CartesianGrid horizontal={false} stroke={GRID} />
          <R.XAxis type="number" tickFormatter={wonShort} tick={AXIS} axisLine={false} tickLine={false} />
          <R.YAxis type="category" dataKey="axis" width={190} tick={{ ...AXIS, fill: '#17202e' }} axisLine={false} tickLine={false} />
          <R.ReferenceLine x={0} stroke="#8a94a6" />
          <R.Tooltip formatter={tooltipWon} cursor={{ fill: '#f3f6fb' }} />
          <R.Bar dataKey="marginKrw" name="마진" isAnimationActive={false} barSize={18} radius={3}>
            {rows.map((r) => (
              <R.Cell key={r.name} fill={r.marginKrw < 0 ? '#d93a3a' : '#1f9d63'} />
            ))}
          </R.Bar>
        </R.BarChart>
      )}
    </ChartFrame>
  );
}

export function TopCostChart({ data }: { data: { name: string; bySource: Record<'cdn' | 'build' | 'llm' | 'core', number>; costKrw: number }[] }) {
  const rows = data.slice(0, 8).map((d) => ({ name: d.name, ...d.bySource, costKrw: d.costKrw }));
  return (
    <ChartFrame height={Math.max(160, rows.length * 34 + 60)} label="비용 상위 사이트" empty={rows.length === 0}>
      {(R) => (
        <R.BarChart data={rows} layout="vertical" margin={{ top: 4, right: 104, bottom: 4, left: 8 }}>
          <R.CartesianGrid horizontal={false} stroke={GRID} />
          <R.XAxis type="number" tickFormatter={wonShort} tick={AXIS} axisLine={false} tickLine={false} />
          <R.YAxis type="category" dataKey="name" width={110} tick={{ ...AXIS, fill: '#17202e' }} axisLine={false} tickLine={false} />
          <R.Tooltip formatter={tooltipWon} cursor={{ fill: '#f3f6fb' }} />
          <R.Legend iconType="circle" wrapperStyle={{ fontSize: 12 }} />
          {(['core', 'build', 'cdn', 'llm'] as const).map((k, i, all) => (
            <R.Bar key={k} dataKey={k} name={SOURCE_LABELS[k]} stackId="s" fill={SOURCE_COLORS[k]} isAnimationActive={false} barSize={18}>
              {i === all.length - 1 ? <R.LabelList dataKey="costKrw" position="right" formatter={(v: unknown) => won(Number(v))} style={{ fontSize: 12, fill: '#17202e' }} /> : null}
            </R.Bar>
          ))}
        </R.BarChart>
      )}
    </ChartFrame>
  );
}

const PROVIDER_COLORS = ['#2f5bea', '#16a394', '#e3a008', '#8b5cf6', '#d93a3a', '#64748b'];

export function ProviderMixChart({ data }: { data: { provider: string; requests: number }[] }) {
  const total = data.reduce((s, d) => s + d.requests, 0);
  const rows = data.map((d) => ({ name: PROVIDER_LABELS[d.provider] ?? d.provider, value: d.requests }));
  return (
    <ChartFrame height={240} label="CDN 제공자별 요청 비중" empty={total === 0}>
      {(R) => (
        <R.PieChart>
          <R.Pie
            data={rows}
            dataKey="value"
            nameKey="name"
            innerRadius={56}
            outerRadius={86}
            paddingAngle={2}
            isAnimationActive={false}
            label={(p: { name?: string; value?: number }) => `${p.name} ${Math.round(((p.value ?? 0) / total) * 100)}%`}
          >
            {rows.map((r, i) => (
              <R.Cell key={r.name} fill={PROVIDER_COLORS[i % PROVIDER_COLORS.length]} />
            ))}
          </R.Pie>
          <R.Tooltip formatter={(v: unknown) => `${count(Number(v))}회`} />
        </R.PieChart>
      )}
    </ChartFrame>
  );
}

const HOST_COLORS = ['#2f5bea', '#16a394', '#e3a008', '#8b5cf6', '#d93a3a', '#0ea5e9'];

export function HostUsageChart({ data, metric, label }: { data: { at: string; host: string; cpuPercent: number; memPercent: number; diskPercent: number }[]; metric: 'cpuPercent' | 'memPercent' | 'diskPercent'; label: string }) {
  const hosts = [...new Set(data.map((d) => d.host))];
  const byAt = new Map<string, Record<string, number | string>>();
  for (const d of data) {
    const row = byAt.get(d.at) ?? { at: d.at };
    row[d.host] = d[metric];
    byAt.set(d.at, row);
  }
  const rows = [...byAt.values()];
  return (
    <ChartFrame height={220} label={label} empty={rows.length === 0}>
      {(R) => (
        <R.LineChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <R.CartesianGrid vertical={false} stroke={GRID} />
          <R.XAxis dataKey="at" tickFormatter={(v: string) => seoulDateTime(v)} tick={AXIS} tickLine={false} axisLine={{ stroke: GRID }} minTickGap={40} />
          <R.YAxis domain={[0, 100]} tickFormatter={(v: number) => `${v}%`} tick={AXIS} axisLine={false} tickLine={false} width={44} />
          <R.ReferenceLine y={80} stroke="#d93a3a" strokeDasharray="4 4" label={{ value: '80%', position: 'right', fontSize: 11, fill: '#d93a3a' }} />
          <R.Tooltip formatter={(v: unknown) => `${Number(v).toFixed(1)}%`} labelFormatter={(v: unknown) => seoulDateTime(String(v), true)} />
          <R.Legend iconType="circle" wrapperStyle={{ fontSize: 12 }} />
          {hosts.map((h, i) => (
            <R.Line key={h} dataKey={h} name={h} stroke={HOST_COLORS[i % HOST_COLORS.length]} strokeWidth={2} dot={false} isAnimationActive={false} connectNulls />
          ))}
        </R.LineChart>
      )}
    </ChartFrame>
  );
}

export function BuildQueueChart({ data }: { data: { at: string; runningBuilds: number; queueDepth: number }[] }) {
  const byAt = new Map<string, { at: string; running: number; queued: number }>();
  for (const d of data) {
    const row = byAt.get(d.at) ?? { at: d.at, running: 0, queued: 0 };
    row.running = Math.max(row.running, d.runningBuilds);
    row.queued = Math.max(row.queued, d.queueDepth);
    byAt.set(d.at, row);
  }
  const rows = [...byAt.values()];
  return (
    <ChartFrame height={220} label="실행 중 빌드와 대기열" empty={rows.length === 0}>
      {(R) => (
        <R.LineChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <R.CartesianGrid vertical={false} stroke={GRID} />
          <R.XAxis dataKey="at" tickFormatter={(v: string) => seoulDateTime(v)} tick={AXIS} tickLine={false} axisLine={{ stroke: GRID }} minTickGap={40} />
          <R.YAxis allowDecimals={false} tick={AXIS} axisLine={false} tickLine={false} width={36} />
          <R.Tooltip labelFormatter={(v: unknown) => seoulDateTime(String(v), true)} />
          <R.Legend iconType="circle" wrapperStyle={{ fontSize: 12 }} />
          <R.Line dataKey="running" name="실행 중 빌드" stroke="#2f5bea" strokeWidth={2} dot={false} isAnimationActive={false} type="stepAfter" />
          <R.Line dataKey="queued" name="대기 빌드" stroke="#e3a008" strokeWidth={2} dot={false} isAnimationActive={false} type="stepAfter" />
        </R.LineChart>
      )}
    </ChartFrame>
  );
}

export function LoadtestChart({ data, p95TargetMs }: { data: { startedAt: string; targetVus: number; p95Ms: number }[]; p95TargetMs: number }) {
  const targets = [...new Set(data.map((d) => d.targetVus))].sort((a, b) => a - b);
  const rows = data.map((d) => ({ at: d.startedAt, [`vus${d.targetVus}`]: d.p95Ms }));
  return (
    <ChartFrame height={280} label="부하 테스트 p95 응답 시간" empty={rows.length === 0}>
      {(R) => (
        <R.LineChart data={rows} margin={{ top: 12, right: 24, bottom: 4, left: 0 }}>
          <R.CartesianGrid vertical={false} stroke={GRID} />
          <R.XAxis dataKey="at" tickFormatter={(v: string) => seoulDateTime(v)} tick={AXIS} tickLine={false} axisLine={{ stroke: GRID }} minTickGap={40} />
          <R.YAxis tickFormatter={(v: number) => `${v}ms`} tick={AXIS} axisLine={false} tickLine={false} width={60} />
          <R.ReferenceLine y={p95TargetMs} stroke="#d93a3a" strokeDasharray="4 4" label={{ value: `목표 p95 < ${p95TargetMs}ms`, position: 'insideTopRight', fontSize: 11, fill: '#d93a3a' }} />
          <R.Tooltip formatter={(v: unknown) => `${Number(v).toFixed(0)}ms`} labelFormatter={(v: unknown) => seoulDateTime(String(v), true)} />
          <R.Legend iconType="circle" wrapperStyle={{ fontSize: 12 }} />
          {targets.map((t, i) => (
            <R.Line key={t} dataKey={`vus${t}`} name={`동접 ${t}명`} stroke={HOST_COLORS[i % HOST_COLORS.length]} strokeWidth={2} connectNulls isAnimationActive={false}>
              <R.LabelList dataKey={`vus${t}`} position="top" formatter={(v: unknown) => (v === undefined || v === null ? '' : `${Math.round(Number(v))}ms`)} style={{ fontSize: 11 }} />
            </R.Line>
          ))}
        </R.LineChart>
      )}
    </ChartFrame>
  );
}

export { PLAN_LABELS };
