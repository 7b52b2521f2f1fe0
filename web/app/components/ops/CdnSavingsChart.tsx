// What the CDN router saves, month by month: the baseline (every site on one provider) beside
// what the providers the router chose cost, each bar labelled with its amount.
import { ChartFrame } from './charts.tsx';
import { won, wonShort } from './format.ts';

const AXIS = { fontSize: 12, fill: '#6b7689' };
const GRID = '#edf0f5';

export function monthLabel(month: string): string {
  const [y, m] = month.split('-');
  return `${y}년 ${Number(m)}월`;
}

export function CdnSavingsChart({ data, baselineName }: { data: { month: string; routedKrw: number; baselineKrw: number; savingKrw: number }[]; baselineName: string }) {
  const rows = data.map((d) => ({ ...d, label: monthLabel(d.month) }));
  return (
    <ChartFrame height={260} label="CDN 라우터 절감액 (월별)" empty={rows.length === 0}>
      {(R) => (
        <R.BarChart data={rows} margin={{ top: 24, right: 16, bottom: 4, left: 8 }} barGap={6}>
          <R.CartesianGrid vertical={false} stroke={GRID} />
          <R.XAxis dataKey="label" tick={{ ...AXIS, fill: '#17202e' }} tickLine={false} axisLine={{ stroke: GRID }} />
          <R.YAxis tickFormatter={wonShort} tick={AXIS} axisLine={false} tickLine={false} width={56} />
          <R.Tooltip
            formatter={(v: unknown) => won(Number(v))}
            labelFormatter={(label: unknown, payload: readonly { payload?: { savingKrw?: number } }[]) =>
              `${String(label)} · 절감 ${won(payload?.[0]?.payload?.savingKrw ?? 0)}`}
            cursor={{ fill: '#f3f6fb' }}
          />
          <R.Legend iconType="circle" wrapperStyle={{ fontSize: 12 }} />
          <R.Bar dataKey="baselineKrw" name={baselineName} fill="#b8c0cc" radius={[4, 4, 0, 0]} isAnimationActive={false} maxBarSize={56}>
            <R.LabelList dataKey="baselineKrw" position="top" formatter={(v: unknown) => won(Number(v))} style={{ fontSize: 12, fill: '#4a5568' }} />
          </R.Bar>
          <R.Bar dataKey="routedKrw" name="라우터가 고른 제공자" fill="#2f5bea" radius={[4, 4, 0, 0]} isAnimationActive={false} maxBarSize={56}>
            <R.LabelList dataKey="routedKrw" position="top" formatter={(v: unknown) => won(Number(v))} style={{ fontSize: 12, fill: '#17202e', fontWeight: 600 }} />
          </R.Bar>
        </R.BarChart>
      )}
    </ChartFrame>
  );
}
