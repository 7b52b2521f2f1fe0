// /billing/card/success?authKey&customerKey — where Toss sends the browser after the owner
// authenticated a card (requestBillingAuth). The server issues the billing key with the
// authKey and stores it encrypted (billing/registerCard). A redirect for another workspace's
// customerKey, a made-up authKey or one already used (a replay) is refused with a Korean
// message; nothing is registered or charged.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json, redirect } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { BillingError, registerCard } from '../../../billing/index.ts';
import { billingEncryptionKey, paymentsConfig, requireBillingOwner } from '~/billing.server.ts';
import billingStyles from '~/components/billing/billing.css?url';
import { sql } from '~/db.server.ts';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: billingStyles }];
export const meta: MetaFunction = () => [{ title: '카드 등록 — WindWalker' }];

// Toss's authKey and our customerKey shapes; anything else is not a Toss redirect.
const AUTH_KEY = /^[A-Za-z0-9_\-=.]{1,300}$/;
const CUSTOMER_KEY = /^[A-Za-z0-9\-_=.@]{2,300}$/;

function refused(message: string, status = 400) {
  return json({ message }, { status, headers: { 'Cache-Control': 'no-store' } });
}

export async function loader({ request }: LoaderFunctionArgs) {
  const { user, tenant } = await requireBillingOwner(request);
  const payments = paymentsConfig();
  if (!payments) return refused('결제가 아직 설정되지 않아 카드를 등록할 수 없습니다. 관리자에게 문의해 주세요.', 503);
  const url = new URL(request.url);
  const authKey = url.searchParams.get('authKey') ?? '';
  const customerKey = url.searchParams.get('customerKey') ?? '';
  if (!AUTH_KEY.test(authKey) || !CUSTOMER_KEY.test(customerKey)) {
    console.warn(`[billing] card success redirect without a valid authKey/customerKey for workspace ${tenant.id}`);
    return refused('카드 등록 응답이 올바르지 않습니다. 결제 페이지에서 카드 등록을 다시 시작해 주세요.');
  }
  try {
    await registerCard(sql, payments.toss, { tenantId: tenant.id, authKey, customerKey, encryptionKey: await billingEncryptionKey(), userId: user.id });
  } catch (error) {
    if (error instanceof BillingError) {
      console.warn(`[billing] card registration refused for workspace ${tenant.id}: ${error.code}`);
      return refused(error.message);
    }
    throw error;
  }
  return redirect('/billing?done=card-registered');
}

export default function CardRegistrationRefused() {
  const { message } = useLoaderData<typeof loader>();
  return (
    <div className="page page-narrow">
      <h1>카드를 등록하지 못했습니다</h1>
      <p className="alert alert-error" role="alert">
        {message}
      </p>
      <p>
        <Link to="/billing" className="button">
          결제 페이지로 돌아가기
        </Link>
      </p>
    </div>
  );
}
