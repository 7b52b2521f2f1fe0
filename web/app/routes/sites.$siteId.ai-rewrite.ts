// POST /sites/:siteId/ai-rewrite — the section form's "AI로 글 고쳐 쓰기": { section, instruction }
// in JSON; answers { ok: true, section } (the editor puts it in the document and autosaves) or
// { ok: false, message } in Korean (503 when AI is not configured, 404 for another workspace's site).
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { aiClientFromEnv, rewriteSiteSection } from '../ai.server.ts';
import { requireMember } from '../auth.server.ts';
import { sql } from '../db.server.ts';

const MAX_BODY_BYTES = 256 * 1024;

export async function loader({ request }: LoaderFunctionArgs) {
  await requireMember(request, 'viewer');
  return json({ ok: false, message: '이 주소는 POST 전용입니다.' }, { status: 405, headers: { Allow: 'POST' } });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { tenant } = await requireMember(request, 'editor');
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) return json({ ok: false, message: '섹션 내용이 너무 큽니다 (256KB 초과).' }, { status: 413 });
  let body: { section?: unknown; instruction?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return json({ ok: false, message: '보낸 내용이 JSON 형식이 아닙니다. 페이지를 새로 고쳐 주세요.' }, { status: 400 });
  }
  const result = await rewriteSiteSection(sql, await aiClientFromEnv(), {
    tenantId: tenant.id,
    siteId: params.siteId ?? '',
    section: body.section,
    instruction: typeof body.instruction === 'string' ? body.instruction : '',
  });
  if (result.ok) return json({ ok: true, section: result.section });
  return json({ ok: false, message: result.message }, { status: result.status });
}
