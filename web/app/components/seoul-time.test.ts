import { describe, expect, it } from 'vitest';
import {
  formatSeoulDate,
  formatSeoulDateTime,
  formatSeoulNumericDate,
  formatSeoulNumericDateTime,
  formatSeoulNumericMonthDayTime,
  formatSeoulNumericMonthDayTimeWithSeconds,
  formatSeoulTime,
  formatSeoulTimeWithSeconds,
  seoulDateInputValue,
} from './seoul-time.ts';

describe('Seoul times', () => {
  // 15:15 UTC is 00:15 the next day in Seoul; browsers write it "00:15", so the server must too.
  it('writes the hour after midnight as 00, as browsers do', () => {
    const justAfterMidnight = '2026-11-28T15:15:07Z';
    expect(formatSeoulTime(justAfterMidnight)).toBe('00:15');
    expect(formatSeoulTimeWithSeconds(justAfterMidnight)).toBe('00:15:07');
    expect(formatSeoulDateTime(justAfterMidnight)).toBe('11월 29일 00:15');
    expect(formatSeoulNumericDateTime(justAfterMidnight)).toBe('2026. 11. 29. 00:15');
    expect(formatSeoulNumericMonthDayTime(justAfterMidnight)).toBe('11. 29. 00:15');
    expect(formatSeoulNumericMonthDayTimeWithSeconds(justAfterMidnight)).toBe('11. 29. 00:15:07');
  });

  it('gives the Seoul day, not the UTC one', () => {
    const justAfterMidnight = new Date('2026-03-04T15:15:07Z');
    expect(formatSeoulDate(justAfterMidnight)).toBe('2026년 3월 5일');
    expect(formatSeoulNumericDate(justAfterMidnight)).toBe('2026. 3. 5.');
  });

  it('writes afternoon hours on the 24-hour clock', () => {
    expect(formatSeoulDateTime('2026-11-28T05:03:00Z')).toBe('11월 28일 14:03');
  });

  // A new holiday starts on today's date: Seoul's, not UTC's (which is yesterday until 09:00 KST).
  it('gives Seoul’s calendar day as a date input value', () => {
    expect(seoulDateInputValue(new Date('2026-11-28T15:30:00Z'))).toBe('2026-11-29');
    expect(seoulDateInputValue(new Date('2026-12-31T14:59:59Z'))).toBe('2026-12-31');
    expect(seoulDateInputValue(new Date('2026-12-31T15:00:00Z'))).toBe('2027-01-01');
  });
});
