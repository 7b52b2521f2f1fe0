// GET /ops/export/<table>?from=&to= — the dashboard's tables as CSV (UTF-8 with BOM for Excel).
// Each table keeps its view's access: money tables for finance/admin, capacity for ops/admin.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { sql } from '~/db.server.ts';
import { OPS_TABLES, opsNotFound, rangeFromRequest, requireOpsAccess, toCsv } from '~/ops.server.ts';

export async function loader({ request, params }: LoaderFunctionArgs) {
  const access = await requireOpsAccess(request);
  const name = params.table ?? '';
  const entry = Object.hasOwn(OPS_TABLES, name) ? OPS_TABLES[name] : undefined;
  if (!entry || (entry.view !== 'any' && !access[entry.view])) throw opsNotFound();
  const range = rangeFromRequest(request);
  const table = await entry.load(sql, range, access);
  return new Response(toCsv(table), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="windwalker-${name}-${range.from}_${range.to}.csv"`,
      'Cache-Control': 'no-store',
    },
  });
}
