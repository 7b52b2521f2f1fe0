// Billing periods are calendar months in Asia/Seoul (UTC+9, no daylight saving), written
// 'YYYY-MM'. A period runs from 00:00 KST on the 1st to 00:00 KST on the 1st of the next month.
const KST_OFFSET_MS = 9 * 3600_000;
const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export interface BillingPeriod {
  period: string;
  start: Date;
  end: Date;
}

export function billingPeriod(period: string): BillingPeriod {
  const match = PERIOD.exec(period);
  if (!match) throw new Error(`A billing period looks like 2026-12, got ${JSON.stringify(period)}`);
  const year = Number(match[1]);
  const month = Number(match[2]) - 1;
  return {
    period,
    start: new Date(Date.UTC(year, month, 1) - KST_OFFSET_MS),
    end: new Date(Date.UTC(year, month + 1, 1) - KST_OFFSET_MS),
  };
}

/** The period (KST month) that contains `at`. */
export function periodOf(at: Date): string {
  const kst = new Date(at.getTime() + KST_OFFSET_MS);
  return `${kst.getUTCFullYear()}-${String(kst.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function nextPeriod(period: string): string {
  return periodOf(billingPeriod(period).end);
}

/** The KST calendar day of `at` as YYYYMMDD. */
export function kstDay(at: Date): string {
  return new Date(at.getTime() + KST_OFFSET_MS).toISOString().slice(0, 10).replace(/-/g, '');
}

/** 2026-12 → '2026년 12월' */
export function periodLabelKo(period: string): string {
  const { start } = billingPeriod(period);
  const kst = new Date(start.getTime() + KST_OFFSET_MS);
  return `${kst.getUTCFullYear()}년 ${kst.getUTCMonth() + 1}월`;
}
