// Money and labels as the billing pages show them (browser-safe: no server imports); their dates come from ../seoul-time.ts.
// Amounts are integer KRW written 30,000원.
export function formatKrw(amount: number): string {
  return `${amount.toLocaleString('ko-KR')}원`;
}

/** A signed amount for proration: +12,903원 / −12,904원. */
export function formatSignedKrw(amount: number): string {
  return amount < 0 ? `−${formatKrw(-amount)}` : `+${formatKrw(amount)}`;
}

/** '2026-12' → '2026년 12월' */
export function formatPeriod(period: string): string {
  const [year, month] = period.split('-');
  return `${year}년 ${Number(month)}월`;
}

export const INVOICE_STATUS: Record<string, { label: string; tone: string }> = {
  open: { label: '결제 대기', tone: 'badge-warning' },
  paid: { label: '결제 완료', tone: 'badge-success' },
  refunded: { label: '환불됨', tone: '' },
  void: { label: '취소됨', tone: '' },
};

export const PAYMENT_STATUS: Record<string, { label: string; tone: string }> = {
  in_progress: { label: '처리 중', tone: 'badge-warning' },
  done: { label: '승인', tone: 'badge-success' },
  failed: { label: '실패', tone: 'badge-danger' },
  partially_cancelled: { label: '부분 환불', tone: 'badge-warning' },
  cancelled: { label: '환불', tone: '' },
};

export const PLAN_LABELS: Record<string, string> = { trial: '무료 체험', basic: '기본', premium: '프리미엄', enterprise: '엔터프라이즈' };

export const SUBSCRIPTION_STATUS_LABELS: Record<string, string> = {
  trialing: '무료 체험 중',
  active: '이용 중',
  past_due: '결제 밀림',
  limited: '제한됨',
  cancelled: '해지됨',
};
