// GET /sites/:siteId/assets/:assetId — a workspace's image for the builder's preview.
// Another workspace's asset id (or one of another site) is a 404.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { requireMember } from '../auth.server.ts';
import { sql } from '../db.server.ts';
import { getAsset } from '../sites.server.ts';

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { tenant } = await requireMember(request, 'viewer');
  const asset = await getAsset(sql, tenant.id, params.assetId ?? '');
  if (!asset || asset.siteId !== params.siteId) {
    return new Response('이미지를 찾을 수 없습니다.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  }
  const etag = `"${asset.sha256}"`;
  const headers = {
    'Content-Type': asset.contentType,
    'Cache-Control': 'private, max-age=31536000, immutable',
    ETag: etag,
    'Content-Security-Policy': "default-src 'none'",
  };
  if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers });
  return new Response(new Uint8Array(asset.data), { headers: { ...headers, 'Content-Length': String(asset.data.length) } });
}
