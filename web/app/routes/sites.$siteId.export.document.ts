// GET /sites/:siteId/export/document — the site's current document as a JSON file (viewer and up),
// the same file /sites/:siteId/import takes back.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { requireMember } from '../auth.server.ts';
import { sql } from '../db.server.ts';
import { exportSiteDocument } from '../export.server.ts';

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { tenant } = await requireMember(request, 'viewer');
  const exported = await exportSiteDocument(sql, tenant.id, params.siteId ?? '');
  if (!exported) return new Response('사이트를 찾을 수 없습니다.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  return new Response(JSON.stringify(exported, null, 2), {
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="${exported.site.slug}-document.json"`,
      'Cache-Control': 'no-store',
    },
  });
}
