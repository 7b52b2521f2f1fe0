// POST /sites/:siteId/upload — one image (multipart field "file"). Answers JSON with the stored
// asset, or a Korean message (too large, not an image) and nothing stored.
import type { ActionFunctionArgs } from '@remix-run/node';
import {
  json,
  MaxPartSizeExceededError,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
} from '@remix-run/node';
import { env } from '../../../config/env.ts';
import { requireMember } from '../auth.server.ts';
import { sql } from '../db.server.ts';
import { getSite, uploadAsset, uploadTooLargeMessage } from '../sites.server.ts';

export async function action({ request, params }: ActionFunctionArgs) {
  const { tenant, user } = await requireMember(request, 'editor');
  const siteId = params.siteId ?? '';
  if (!(await getSite(sql, tenant.id, siteId))) {
    return json({ ok: false, message: '사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.' }, { status: 404 });
  }
  const maxBytes = env().UPLOAD_MAX_BYTES;
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > maxBytes + 64 * 1024) return json({ ok: false, message: uploadTooLargeMessage() }, { status: 413 });

  let form: FormData;
  try {
    form = await unstable_parseMultipartFormData(request, unstable_createMemoryUploadHandler({ maxPartSize: maxBytes }));
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) return json({ ok: false, message: uploadTooLargeMessage() }, { status: 413 });
    return json({ ok: false, message: '파일을 받지 못했습니다. 이미지 파일을 골라 다시 올려 주세요.' }, { status: 400 });
  }
  const file = form.get('file');
  if (!file || typeof file === 'string') return json({ ok: false, message: '올릴 이미지 파일을 골라 주세요.' }, { status: 400 });
  const data = Buffer.from(await file.arrayBuffer());
  const result = await uploadAsset(sql, { tenantId: tenant.id, siteId, userId: user.id, fileName: file.name, data });
  if (!result) return json({ ok: false, message: '사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.' }, { status: 404 });
  if (!result.ok) return json(result, { status: 400 });
  const { asset } = result;
  return json({ ok: true, asset: { id: asset.id, width: asset.width, height: asset.height, contentType: asset.contentType, bytes: asset.bytes } });
}
