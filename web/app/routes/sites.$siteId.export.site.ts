// GET /sites/:siteId/export/site — the published site as a zip of its static files (viewer and up).
import type { LoaderFunctionArgs } from '@remix-run/node';
import { requireMember } from '../auth.server.ts';
import { sql } from '../db.server.ts';
import { exportPublishedSiteZip } from '../export.server.ts';

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { tenant } = await requireMember(request, 'viewer');
  const result = await exportPublishedSiteZip(sql, tenant.id, params.siteId ?? '');
  if (!result.ok) return new Response(result.message, { status: result.status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  return new Response(Buffer.from(result.zip), {
    headers: {
      'Content-Type': 'application/zip',
      'Content-Disposition': `attachment; filename="${result.fileName}"`,
      'Cache-Control': 'no-store',
    },
  });
}
