// The /ops charts (recharts). Recharts measures the DOM, so a chart draws after hydration: the
// server and the first client render both send the same sized frame (no hydration mismatch),
// then the chart appears. Every chart labels its numbers (the tables beside it hold them too).
import { useEffect, useState, type ReactNode } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  ComposedChart,
  LabelList,
  Legend,
  Line,
  LineChart,
  Pie,
  PieChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { count, dayTick, PLAN_LABELS, PROVIDER_LABELS, seoulDateTime, SOURCE_COLORS, SOURCE_LABELS, won, wonShort } from './format.ts';

function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}

export function ChartFrame({ height, label, empty, children }: { height: number; label: string; empty?: boolean; children: () => ReactNode }) {
  const hydrated = useHydrated();
  if (empty) {
    return (
      <div className="ops-chart ops-chart-empty" style={{ height }} role="img" aria-label={label}>
        선택한 기간에 기록이 없습니다.
      </div>
    );
  }
  return (
    <div className="ops-chart" style={{ height }} role="img" aria-label={label} data-chart={label}>
      {hydrated ? (
        <ResponsiveContainer width="100%" height="100%">
          {children() as React.ReactElement}
        </ResponsiveContainer>
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
      {() => (
        <BarChart data={rows} layout="vertical" margin={{ top: 8, right: 96, bottom: 8, left: 8 }}>
          <CartesianGrid horizontal={false} stroke={GRID} />
          <XAxis type="number" tickFormatter={wonShort} tick={AXIS} axisLine={false} tickLine={false} />
          <YAxis type="category" dataKey="name" width={84} tick={{ ...AXIS, fill: '#17202e' }} axisLine={false} tickLine={false} />
          <Tooltip formatter={tooltipWon} cursor={{ fill: '#f3f6fb' }} />
          <Bar dataKey="mrr" name="MRR" fill="#2f5bea" radius={[0, 4, 4, 0]} isAnimationActive={false} barSize={22}>
            <LabelList dataKey="mrr" position="right" formatter={(v: unknown) => won(Number(v))} style={{ fontSize: 12, fill: '#17202e', fontWeight: 600 }} />
          </Bar>
        </BarChart>
      )}
    </ChartFrame>
  );
}

export function CostRevenueChart({ data }: { data: { day: string; cdn: number; build: number; llm: number; core: number; revenueKrw: number }[] }) {
  const empty = data.every((d) => d.cdn + d.build + d.llm + d.core + d.revenueKrw === 0);
  return (
    <ChartFrame height={300} label="일별 비용(출처별)과 매출" empty={empty}>
      {() => (
        <ComposedChart data={data} margin={{ top: 12, right: 16, bottom: 4, left: 8 }}>
          <CartesianGrid vertical={false} stroke={GRID} />
          <XAxis dataKey="day" tickFormatter={dayTick} tick={AXIS} tickLine={false} axisLine={{ stroke: GRID }} minTickGap={16} />
          <YAxis tickFormatter={wonShort} tick={AXIS} axisLine={false} tickLine={false} width={56} />
          <Tooltip formatter={tooltipWon} labelFormatter={(d: unknown) => String(d)} />
          <Legend iconType="circle" wrapperStyle={{ fontSize: 12 }} />
          {(['core', 'build', 'cdn', 'llm'] as const).map((k) => (
            <Bar key={k} dataKey={k} name={SOURCE_LABELS[k]} stackId="cost" fill={SOURCE_COLORS[k]} isAnimationActive={false} maxBarSize={36} />
          ))}
          <Line dataKey="revenueKrw" name="매출" stroke="#d93a3a" strokeWidth={2} dot={false} type="monotone" isAnimationActive={false} />
        </ComposedChart>
      )}
    </ChartFrame>
  );
}

export function MarginChart({ data, label }: { data: { name: string; marginKrw: number }[]; label: string }) {
  // The amount sits in the axis label (a bar's end label would cover the names of negative bars).
  const rows = data.slice(0, 8).map((r) => ({ ...r, axis: `${r.name}  ${won(r.marginKrw)}` }));
  return (
    <ChartFrame height={Math.max(160, rows.length * 34 + 40)} label={label} empty={rows.length === 0}>
      {() => (
        <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 24, bottom: 4, left: 8 }}>
          <CartesianGrid horizontal={false} stroke={GRID} />
          <XAxis type="number" tickFormatter={wonShort} tick={AXIS} axisLine={false} tickLine={false} />
          <YAxis type="category" dataKey="axis" width={190} tick={{ ...AXIS, fill: '#17202e' }} axisLine={false} tickLine={false} />
          <ReferenceLine x={0} stroke="#8a94a6" />
          <Tooltip formatter={tooltipWon} cursor={{ fill: '#f3f6fb' }} />
          <Bar dataKey="marginKrw" name="마진" isAnimationActive={false} barSize={18} radius={3}>
            {rows.map((r) => (
              <Cell key={r.name} fill={r.marginKrw < 0 ? '#d93a3a' : '#1f9d63'} />
            ))}
          </Bar>
        </BarChart>
      )}
    </ChartFrame>
  );
}

export function TopCostChart({ data }: { data: { name: string; bySource: Record<'cdn' | 'build' | 'llm' | 'core', number>; costKrw: number }[] }) {
  const rows = data.slice(0, 8).map((d) => ({ name: d.name, ...d.bySource, costKrw: d.costKrw }));
  return (
    <ChartFrame height={Math.max(160, rows.length * 34 + 60)} label="비용 상위 사이트" empty={rows.length === 0}>
      {() => (
        <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 104, bottom: 4, left: 8 }}>
          <CartesianGrid horizontal={false} stroke={GRID} />
          <XAxis type="number" tickFormatter={wonShort} tick={AXIS} axisLine={false} tickLine={false} />
          <YAxis type="category" dataKey="name" width={110} tick={{ ...AXIS, fill: '#17202e' }} axisLine={false} tickLine={false} />
          <Tooltip formatter={tooltipWon} cursor={{ fill: '#f3f6fb' }} />
          <Legend iconType="circle" wrapperStyle={{ fontSize: 12 }} />
          {(['core', 'build', 'cdn', 'llm'] as const).map((k, i, all) => (
            <Bar key={k} dataKey={k} name={SOURCE_LABELS[k]} stackId="s" fill={SOURCE_COLORS[k]} isAnimationActive={false} barSize={18}>
              {i === all.length - 1 ? <LabelList dataKey="costKrw" position="right" formatter={(v: unknown) => won(Number(v))} style={{ fontSize: 12, fill: '#17202e' }} /> : null}
            </Bar>
          ))}
        </BarChart>
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
      {() => (
        <PieChart>
          <Pie
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
              <Cell key={r.name} fill={PROVIDER_COLORS[i % PROVIDER_COLORS.length]} />
            ))}
          </Pie>
          <Tooltip formatter={(v: unknown) => `${count(Number(v))}회`} />
        </PieChart>
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
      {() => (
        <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid vertical={false} stroke={GRID} />
          <XAxis dataKey="at" tickFormatter={(v: string) => seoulDateTime(v)} tick={AXIS} tickLine={false} axisLine={{ stroke: GRID }} minTickGap={40} />
          <YAxis domain={[0, 100]} tickFormatter={(v: number) => `${v}%`} tick={AXIS} axisLine={false} tickLine={false} width={44} />
          <ReferenceLine y={80} stroke="#d93a3a" strokeDasharray="4 4" label={{ value: '80%', position: 'right', fontSize: 11, fill: '#d93a3a' }} />
          <Tooltip formatter={(v: unknown) => `${Number(v).toFixed(1)}%`} labelFormatter={(v: unknown) => seoulDateTime(String(v), true)} />
          <Legend iconType="circle" wrapperStyle={{ fontSize: 12 }} />
          {hosts.map((h, i) => (
            <Line key={h} dataKey={h} name={h} stroke={HOST_COLORS[i % HOST_COLORS.length]} strokeWidth={2} dot={false} isAnimationActive={false} connectNulls />
          ))}
        </LineChart>
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
      {() => (
        <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid vertical={false} stroke={GRID} />
          <XAxis dataKey="at" tickFormatter={(v: string) => seoulDateTime(v)} tick={AXIS} tickLine={false} axisLine={{ stroke: GRID }} minTickGap={40} />
          <YAxis allowDecimals={false} tick={AXIS} axisLine={false} tickLine={false} width={36} />
          <Tooltip labelFormatter={(v: unknown) => seoulDateTime(String(v), true)} />
          <Legend iconType="circle" wrapperStyle={{ fontSize: 12 }} />
          <Line dataKey="running" name="실행 중 빌드" stroke="#2f5bea" strokeWidth={2} dot={false} isAnimationActive={false} type="stepAfter" />
          <Line dataKey="queued" name="대기 빌드" stroke="#e3a008" strokeWidth={2} dot={false} isAnimationActive={false} type="stepAfter" />
        </LineChart>
      )}
    </ChartFrame>
  );
}

export function LoadtestChart({ data, p95TargetMs }: { data: { startedAt: string; targetVus: number; p95Ms: number }[]; p95TargetMs: number }) {
  const targets = [...new Set(data.map((d) => d.targetVus))].sort((a, b) => a - b);
  const rows = data.map((d) => ({ at: d.startedAt, [`vus${d.targetVus}`]: d.p95Ms }));
  return (
    <ChartFrame height={280} label="부하 테스트 p95 응답 시간" empty={rows.length === 0}>
      {() => (
        <LineChart data={rows} margin={{ top: 12, right: 24, bottom: 4, left: 0 }}>
          <CartesianGrid vertical={false} stroke={GRID} />
          <XAxis dataKey="at" tickFormatter={(v: string) => seoulDateTime(v)} tick={AXIS} tickLine={false} axisLine={{ stroke: GRID }} minTickGap={40} />
          <YAxis tickFormatter={(v: number) => `${v}ms`} tick={AXIS} axisLine={false} tickLine={false} width={60} />
          <ReferenceLine y={p95TargetMs} stroke="#d93a3a" strokeDasharray="4 4" label={{ value: `목표 p95 < ${p95TargetMs}ms`, position: 'insideTopRight', fontSize: 11, fill: '#d93a3a' }} />
          <Tooltip formatter={(v: unknown) => `${Number(v).toFixed(0)}ms`} labelFormatter={(v: unknown) => seoulDateTime(String(v), true)} />
          <Legend iconType="circle" wrapperStyle={{ fontSize: 12 }} />
          {targets.map((t, i) => (
            <Line key={t} dataKey={`vus${t}`} name={`동접 ${t}명`} stroke={HOST_COLORS[i % HOST_COLORS.length]} strokeWidth={2} connectNulls isAnimationActive={false}>
              <LabelList dataKey={`vus${t}`} position="top" formatter={(v: unknown) => (v === undefined || v === null ? '' : `${Math.round(Number(v))}ms`)} style={{ fontSize: 11 }} />
            </Line>
          ))}
        </LineChart>
      )}
    </ChartFrame>
  );
}

export { PLAN_LABELS };
