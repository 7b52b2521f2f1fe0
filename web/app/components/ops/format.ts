// Numbers and dates the way Korean finance people read them: 30,000원, 1.2억원, Asia/Seoul dates.
import { formatSeoulNumericDateTime, formatSeoulNumericMonthDayTime } from '../seoul-time.ts';

const integer = new Intl.NumberFormat('ko-KR', { maximumFractionDigits: 0 });

/** 30000 → "30,000원"; null → "—". */
export function won(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return `${integer.format(Math.round(value))}원`;
}

/** Short amounts for chart axes: 12,340,000 → "1,234만", 150,000,000 → "1.5억". */
export function wonShort(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 100_000_000) return `${(value / 100_000_000).toFixed(abs >= 1_000_000_000 ? 0 : 1)}억`;
  if (abs >= 10_000) return `${integer.format(Math.round(value / 10_000))}만`;
  return integer.format(value);
}

export function count(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return integer.format(value);
}

export function percent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined) return '—';
  return `${value.toFixed(digits)}%`;
}

export function bytes(value: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = value;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)}${units[i]}`;
}

/** "03. 10. 14:05" in Asia/Seoul; with `full` "2026. 03. 10. 14:05". */
export function seoulDateTime(value: string | Date | null | undefined, full = false): string {
  if (!value) return '—';
  return full ? formatSeoulNumericDateTime(value) : formatSeoulNumericMonthDayTime(value);
}

/** "2026-03-10" → "3월 10일". */
export function dayLabel(day: string): string {
  const [, m, d] = day.split('-').map(Number);
  return `${m}월 ${d}일`;
}

/** "2026-03-10" → "3/10" for axes. */
export function dayTick(day: string): string {
  const [, m, d] = day.split('-').map(Number);
  return `${m}/${d}`;
}

export const SOURCE_LABELS = { cdn: 'CDN', build: '빌드', llm: 'AI(LLM)', core: '자체 코어' } as const;
export const SOURCE_COLORS = { core: '#2f5bea', build: '#7c93f5', cdn: '#16a394', llm: '#e3a008' } as const;
export const PLAN_LABELS: Record<string, string> = {
  trial: '무료 체험',
  basic: '기본',
  premium: '프리미엄',
  enterprise: '엔터프라이즈',
  none: '구독 없음',
  platform: '플랫폼 공통',
};
export const PROVIDER_LABELS: Record<string, string> = {
  local: '자체 엣지',
  cloudflare: 'Cloudflare',
  vercel: 'Vercel',
  cloudfront: 'AWS CloudFront',
};

export const METRIC_LABELS = { cost: '비용', margin: '마진', capacity: '용량' } as const;
export const SCOPE_LABELS = { site: '사이트', tenant: '워크스페이스', platform: '플랫폼' } as const;
/** The concurrency targets of the business plan's scenario tables and the load tests. */
export const CONCURRENCY_TARGETS = [50, 100, 250, 500] as const;
