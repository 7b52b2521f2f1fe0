// POST /webhooks/toss — Toss Payments' webhook (PAYMENT_STATUS_CHANGED). No session and no
// Origin check (Toss's servers post it; web/server/origin-check.ts exempts this path). The
// body is only a hint: billing/handleTossWebhook re-reads the payment from the Toss API and
// applies it forward-only, so a forged, duplicate or reordered delivery changes nothing.
//   200  handled, duplicate, ignored, unknown payment, or a mismatch kept for review
//   400  not JSON / not a Toss event        413  body over 64 KB
//   503  payments are not configured        5xx  Toss could not be reached (Toss redelivers)
import type { ActionFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { handleTossWebhook } from '../../../billing/index.ts';
import { tossServerClient } from '~/billing.server.ts';
import { sql } from '~/db.server.ts';

const MAX_BODY_BYTES = 64 * 1024;

export async function loader() {
  return json({ message: 'Toss Payments webhooks are POSTed here.' }, { status: 405, headers: { Allow: 'POST' } });
}

/** Reads at most `limit` bytes of the body; null when it is longer. */
async function readLimited(request: Request, limit: number): Promise<string | null> {
  const declared = Number(request.headers.get('Content-Length') ?? '0');
  if (declared > limit) return null;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== 'POST') return json({ ok: false, error: 'method_not_allowed' }, { status: 405, headers: { Allow: 'POST' } });
  const toss = tossServerClient();
  if (!toss) return json({ ok: false, error: 'payments_not_configured' }, { status: 503 });
  const text = await readLimited(request, MAX_BODY_BYTES);
  if (text === null) return json({ ok: false, error: 'body_too_large' }, { status: 413 });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return json({ ok: false, error: 'invalid_json' }, { status: 400 });
  }
  const transmissionId = request.headers.get('tosspayments-webhook-transmission-id')?.slice(0, 200) || undefined;
  const result = await handleTossWebhook(sql, toss, body, { transmissionId });
  if (result.outcome === 'invalid') return json({ ok: false, error: 'invalid_event' }, { status: 400 });
  if (result.outcome === 'mismatch') console.warn(`[billing] Toss webhook event ${result.eventId}: Toss's payment does not match our order; refused and kept for review`);
  return json({ ok: true, outcome: result.outcome });
}
