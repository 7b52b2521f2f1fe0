/**
 * The one allow-list for links an owner types. The schema rejects anything else, and the
 * renderer runs every URL through `safeLinkUrl` again so a document that skipped validation
 * still cannot produce a `javascript:` link.
 */

const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f-\u009f\u2028\u2029]/;

export type LinkKind = 'web' | 'tel' | 'mailto' | 'internal';

export function classifyLinkUrl(raw: string): LinkKind | null {
  const value = raw.trim();
  if (value === '' || value.length > 500) return null;
  if (CONTROL_OR_SPACE.test(value)) return null;
  if (value.startsWith('#')) return /^#[A-Za-z0-9_-]{0,64}$/.test(value) ? 'internal' : null;
  if (value.startsWith('/')) {
    if (value.startsWith('//') || value.includes('\\')) return null;
    return /^\/[A-Za-z0-9\-._~/%?=&#]*$/.test(value) ? 'internal' : null;
  }
  const lower = value.toLowerCase();
  if (lower.startsWith('tel:')) return /^tel:\+?[0-9][0-9-]{2,19}$/i.test(value) ? 'tel' : null;
  if (lower.startsWith('mailto:')) {
    return /^mailto:[^\s@<>"'()]+@[^\s@<>"'()]+\.[^\s@<>"'()]+$/i.test(value) ? 'mailto' : null;
  }
  if (lower.startsWith('http://') || lower.startsWith('https://')) {
    try {
      const url = new URL(value);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
      if (!url.hostname || url.username || url.password) return null;
      return 'web';
    } catch {
      return null;
    }
  }
  return null;
}

/** Returns the URL when it is on the allow-list, otherwise null (the renderer then drops the link). */
export function safeLinkUrl(raw: string | null | undefined): string | null {
  if (typeof raw !== 'string') return null;
  return classifyLinkUrl(raw) ? raw.trim() : null;
}

/** Image sources are stricter: only http(s). */
export function safeImageUrl(raw: string | null | undefined): string | null {
  if (typeof raw !== 'string') return null;
  return classifyLinkUrl(raw) === 'web' ? raw.trim() : null;
}

/** '02-123-4567' → 'tel:021234567' */
export function telUrl(phone: string): string | null {
  const digits = phone.replace(/[^0-9+]/g, '');
  return /^\+?[0-9]{3,20}$/.test(digits) ? `tel:${digits}` : null;
}

export function naverMapUrl(address: string): string {
  return `https://map.naver.com/p/search/${encodeURIComponent(address)}`;
}

export function kakaoMapUrl(address: string): string {
  return `https://map.kakao.com/?q=${encodeURIComponent(address)}`;
}

export function ftcBusinessInfoUrl(businessNumber: string): string {
  return `https://www.ftc.go.kr/bizCommPop.do?wrkr_no=${businessNumber.replace(/[^0-9]/g, '')}`;
}
