import type { ActionFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { forbidden, requireUser, safeRedirectTarget, switchWorkspace } from '~/auth.server.ts';

// POST /workspace/switch (tenantId, redirectTo): makes another of the user's workspaces active.
export async function action({ request }: ActionFunctionArgs) {
  await requireUser(request);
  const form = await request.formData();
  const switched = await switchWorkspace(request, String(form.get('tenantId') ?? ''));
  if (!switched) throw forbidden('이 워크스페이스의 멤버가 아닙니다. 초대를 받아야 들어갈 수 있습니다.');
  return redirect(safeRedirectTarget(form.get('redirectTo')));
}

export async function loader() {
  return redirect('/sites');
}
