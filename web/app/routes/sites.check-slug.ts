// GET /sites/check-slug?slug=… — live validation for the create-site form.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { requireMember } from '../auth.server.ts';
import { sql } from '../db.server.ts';
import { checkSlug } from '../sites.server.ts';

export async function loader({ request }: LoaderFunctionArgs) {
  const { tenant } = await requireMember(request, 'editor');
  const slug = (new URL(request.url).searchParams.get('slug') ?? '').trim();
  const result = await checkSlug(sql, tenant.id, slug);
  return json({ slug, ...result }, { headers: { 'Cache-Control': 'no-store' } });
}
