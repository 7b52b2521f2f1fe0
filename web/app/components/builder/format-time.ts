// Times the owner reads are shown in Korea's time zone, whatever the server's or browser's zone.
// hourCycle 'h23', not hour12: false: with the latter Node's ICU writes midnight as "24:15" and the
// browser as "00:15", and the page fails to hydrate for that hour (CI ran into it at 00:02 KST).
// The formatters are made once: building an Intl.DateTimeFormat costs about 1 ms (a /sites page
// with ten sites paid ~11 ms of CPU for them), formatting with a made one about 26 µs.

const seoulTime = new Intl.DateTimeFormat('ko-KR', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Asia/Seoul' });
const seoulTimeWithSeconds = new Intl.DateTimeFormat('ko-KR', {
  hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone: 'Asia/Seoul',
});
const seoulDateTime = new Intl.DateTimeFormat('ko-KR', {
  month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Asia/Seoul',
});

/** '14:03' */
export function formatSeoulTime(iso: string): string {
  return seoulTime.format(new Date(iso));
}

/** '14:03:27' (build log lines) */
export function formatSeoulTimeWithSeconds(iso: string): string {
  return seoulTimeWithSeconds.format(new Date(iso));
}

/** '11월 28일 14:03' */
export function formatSeoulDateTime(iso: string): string {
  return seoulDateTime.format(new Date(iso));
}

/** The Seoul calendar day of `at` as an <input type="date"> value: '2026-11-29' from 15:30 UTC on the 28th. */
export function seoulDateInputValue(at: Date = new Date()): string {
  return new Date(at.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
}
