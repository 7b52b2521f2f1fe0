// Times people read on these pages are shown in Korea's time zone, whatever the server's or browser's zone.
// hourCycle 'h23', not hour12: false: with the latter Node's ICU writes midnight as "24:15" and the
// browser as "00:15", and the page fails to hydrate for that hour (CI ran into it at 00:02 KST);
// in the formats without an hour it changes nothing (checked in Node 20 and Chromium 156).
// The formatters are made once: building an Intl.DateTimeFormat costs about 1 ms (a /sites page
// with ten sites paid ~11 ms of CPU for them), formatting with a made one about 26 µs.

function seoulFormat(options: Intl.DateTimeFormatOptions): (value: string | Date) => string {
  const format = new Intl.DateTimeFormat('ko-KR', { ...options, timeZone: 'Asia/Seoul', hourCycle: 'h23' });
  return (value) => format.format(new Date(value));
}

/** '14:03' */
export const formatSeoulTime = seoulFormat({ hour: '2-digit', minute: '2-digit' });

/** '14:03:27' (build log lines) */
export const formatSeoulTimeWithSeconds = seoulFormat({ hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** '11월 28일 14:03' */
export const formatSeoulDateTime = seoulFormat({ month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** '2026년 11월 28일' */
export const formatSeoulDate = seoulFormat({ year: 'numeric', month: 'long', day: 'numeric' });

/** '2026. 3. 5.' */
export const formatSeoulNumericDate = seoulFormat({ dateStyle: 'medium' });

/** '2026. 03. 05. 14:03' */
export const formatSeoulNumericDateTime = seoulFormat({ year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });

/** '03. 05. 14:03' */
export const formatSeoulNumericMonthDayTime = seoulFormat({ month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });

/** '03. 05. 14:03:27' */
export const formatSeoulNumericMonthDayTimeWithSeconds = seoulFormat({
  month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
});

/** The Seoul calendar day of `at` as an <input type="date"> value: '2026-11-29' from 15:30 UTC on the 28th. */
export function seoulDateInputValue(at: Date = new Date()): string {
  return new Date(at.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
}
