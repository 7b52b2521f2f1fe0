// Times the owner reads are shown in Korea's time zone, whatever the server's or browser's zone.

/** '14:03' */
export function formatSeoulTime(iso: string): string {
  return new Intl.DateTimeFormat('ko-KR', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'Asia/Seoul' }).format(new Date(iso));
}

/** '11월 28일 14:03' */
export function formatSeoulDateTime(iso: string): string {
  return new Intl.DateTimeFormat('ko-KR', {
    month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'Asia/Seoul',
  }).format(new Date(iso));
}
