// POST /sites/:siteId/import — a document file back into the site (editor and up): multipart
// with `file`, or the JSON itself. Validated with the site schema; saved as a new version.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { requireMember } from '../auth.server.ts';
import { sql } from '../db.server.ts';
import { IMPORT_MAX_BYTES, importSiteDocument } from '../export.server.ts';

export async function loader({ request }: LoaderFunctionArgs) {
  await requireMember(request, 'viewer');
  return json({ ok: false, message: '이 주소는 가져오기(POST) 전용입니다.' }, { status: 405, headers: { Allow: 'POST' } });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { tenant, user } = await requireMember(request, 'editor');
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > IMPORT_MAX_BYTES + 64 * 1024) {
    return json({ ok: false, message: '파일이 2MB를 넘습니다.', errors: [] }, { status: 413 });
  }
  let text: string;
  if ((request.headers.get('content-type') ?? '').startsWith('multipart/form-data')) {
    const file = (await request.formData()).get('file');
    if (!file || typeof file === 'string') return json({ ok: false, message: '가져올 사이트 문서(.json) 파일을 골라 주세요.', errors: [] }, { status: 400 });
    text = await file.text();
  } else {
    text = await request.text();
  }
  const result = await importSiteDocument(sql, { tenantId: tenant.id, siteId: params.siteId ?? '', userId: user.id, text });
  if (!result.ok) return json(result, { status: result.status });
  return json({ ok: true, revision: result.revision, versionNumber: result.versionNumber, message: `가져왔습니다. 버전 ${result.versionNumber}로 저장되었습니다.` });
}
