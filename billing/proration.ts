// Proration of a plan change inside a billing period. Pure: no clock, no database.
//
// Invoices are issued for a period when it closes. The invoice charges the full price of the
// plan the period STARTED on, and one proration line per change during the period:
//
//   amount = (toPrice − fromPrice) × (periodEnd − changeAt) / (periodEnd − periodStart)
//
// computed on milliseconds with integer (BigInt) arithmetic, then ROUNDED DOWN to the won
// (floor, toward −∞). Floor always favours the owner: an upgrade charge loses its fraction of a
// won, a downgrade credit gains it. Example: December 2026 has 31 days; moving from 기본
// (30,000원) to 프리미엄 (50,000원) at 00:00 KST on 12 December leaves 20 of 31 days:
// 20,000 × 20/31 = 12,903.2… → 12,903원; the reverse move credits −12,903.2… → −12,904원.
// The plan line plus the proration lines is the price of each plan weighted by the time it
// was held, so the sum is never negative.

export interface PricedPlan {
  code: string;
  monthlyPriceKrw: number;
}

export interface ProrationInput {
  fromPlan: PricedPlan;
  toPlan: PricedPlan;
  periodStart: Date;
  periodEnd: Date;
  changeAt: Date;
}

export function prorate({ fromPlan, toPlan, periodStart, periodEnd, changeAt }: ProrationInput): number {
  for (const plan of [fromPlan, toPlan]) {
    if (!Number.isInteger(plan.monthlyPriceKrw) || plan.monthlyPriceKrw < 0) {
      throw new Error(`Plan ${plan.code} needs a whole, non-negative monthly price in won`);
    }
  }
  const start = BigInt(periodStart.getTime());
  const end = BigInt(periodEnd.getTime());
  const at = BigInt(changeAt.getTime());
  if (end <= start) throw new Error('A billing period must end after it starts');
  if (at < start || at > end) throw new Error(`The plan change at ${changeAt.toISOString()} is outside the period`);
  const difference = BigInt(toPlan.monthlyPriceKrw - fromPlan.monthlyPriceKrw);
  return Number(floorDiv(difference * (end - at), end - start));
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b; // truncates toward zero
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}
