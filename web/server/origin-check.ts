// Cross-site request forgery guard: a mutation (POST, PUT, PATCH, DELETE) must come from a page
// of this site. Browsers send Origin on every cross-site and same-site POST; when it is absent
// (very old browsers) Referer is checked instead. A request carrying neither is refused too,
// except API calls authenticated by an Authorization header (no cookies involved).
import type { RequestHandler } from 'express';

const MUTATIONS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function hostOf(value: string | undefined): string | null {
  if (!value) return null;
  try {
    return new URL(value).host.toLowerCase();
  } catch {
    return null;
  }
}

export function refuseForeignOrigin(publicUrl: string | undefined): RequestHandler {
  const publicHost = hostOf(publicUrl);
  return (req, res, next) => {
    if (!MUTATIONS.has(req.method)) return next();
    // Toss Payments' servers post webhooks without Origin or cookies; the handler trusts nothing in them.
    if (req.path === '/webhooks/toss') return next();
    if (req.headers.authorization && !req.headers.cookie) return next();
    const requestHost = (req.get('x-forwarded-host') && req.app.get('trust proxy fn')(req.socket.remoteAddress, 0)
      ? req.get('x-forwarded-host')
      : req.get('host'))?.toLowerCase();
    const from = hostOf(req.get('origin')) ?? hostOf(req.get('referer'));
    const allowed = from !== null && (from === requestHost || from === publicHost);
    if (allowed) return next();
    res
      .status(403)
      .type('text/plain; charset=utf-8')
      .send('다른 사이트에서 보낸 요청이라 거절했습니다. WindWalker 화면에서 다시 시도해 주세요.');
  };
}
