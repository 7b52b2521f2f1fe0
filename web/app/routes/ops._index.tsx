// /ops: the first view the person may see — money for finance and admins, capacity for ops.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { requireOpsAccess } from '~/ops.server.ts';

export async function loader({ request }: LoaderFunctionArgs) {
  const access = await requireOpsAccess(request);
  const url = new URL(request.url);
  return redirect(`${access.money ? '/ops/finance' : '/ops/capacity'}${url.search}`);
}
