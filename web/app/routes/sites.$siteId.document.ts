// POST /sites/:siteId/document — the builder's autosave: { document, baseRevision } in JSON.
// Answers JSON: saved (new revision), invalid (Korean errors per field) or conflict (the newer
// stored document, so the editor can offer to overwrite or reload without losing anything).
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { requireMember } from '../auth.server.ts';
import { sql } from '../db.server.ts';
import { saveDocument } from '../sites.server.ts';

/** A document is a few KB to a few hundred KB; anything far larger is not an edit. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

export async function loader({ request }: LoaderFunctionArgs) {
  await requireMember(request, 'viewer');
  return json({ ok: false, kind: 'error', message: '이 주소는 저장 전용입니다.' }, { status: 405, headers: { Allow: 'POST' } });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { tenant, user } = await requireMember(request, 'editor');
  if (request.method !== 'POST') return json({ ok: false, kind: 'error', message: '저장은 POST로만 할 수 있습니다.' }, { status: 405 });
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) {
    return json({ ok: false, kind: 'error', message: '사이트 문서가 너무 커서 저장하지 못했습니다 (2MB 초과). 섹션이나 글을 줄여 주세요.' }, { status: 413 });
  }
  let body: { document?: unknown; baseRevision?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return json({ ok: false, kind: 'invalid', message: '저장하지 못했습니다: 보낸 내용이 JSON 형식이 아닙니다.', errors: [] }, { status: 400 });
  }
  const baseRevision = Number(body?.baseRevision);
  if (!Number.isInteger(baseRevision) || baseRevision < 1) {
    return json({ ok: false, kind: 'invalid', message: '저장하지 못했습니다: 기준 버전(baseRevision)이 없습니다. 페이지를 새로 고쳐 주세요.', errors: [] }, { status: 400 });
  }
  const result = await saveDocument(sql, { tenantId: tenant.id, siteId: params.siteId ?? '', userId: user.id, document: body.document, baseRevision });
  if (!result) return json({ ok: false, kind: 'error', message: '사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.' }, { status: 404 });
  if (result.ok) return json({ ok: true, revision: result.revision, savedAt: result.savedAt.toISOString() });
  return json(result, { status: result.kind === 'conflict' ? 409 : 400 });
}
