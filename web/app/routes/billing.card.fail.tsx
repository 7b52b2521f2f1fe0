// /billing/card/fail?code&message — where Toss sends the browser when card authentication
// failed or the owner closed the window. Nothing was registered; the page says so in Korean.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { requireBillingOwner } from '~/billing.server.ts';

export const meta: MetaFunction = () => [{ title: '카드 등록 실패 — WindWalker' }];

/** Toss's failure codes for billing authentication, in the owner's words. */
const KNOWN_CODES: Record<string, string> = {
  PAY_PROCESS_CANCELED: '카드 등록을 취소하셨습니다.',
  PAY_PROCESS_ABORTED: '카드 등록이 중간에 멈췄습니다.',
  REJECT_CARD_COMPANY: '카드사에서 카드 등록을 거절했습니다.',
  INVALID_CARD_NUMBER: '카드 번호가 올바르지 않습니다.',
  INVALID_CARD_EXPIRATION: '카드 유효기간이 올바르지 않습니다.',
  NOT_SUPPORTED_CARD_TYPE: '자동결제에 쓸 수 없는 카드입니다.',
};

export async function loader({ request }: LoaderFunctionArgs) {
  const { tenant } = await requireBillingOwner(request);
  const url = new URL(request.url);
  const code = (url.searchParams.get('code') ?? '').slice(0, 100);
  const tossMessage = (url.searchParams.get('message') ?? '').replace(/\s+/g, ' ').trim().slice(0, 200);
  const reason = KNOWN_CODES[code] ?? (tossMessage ? `토스페이먼츠 안내: ${tossMessage}` : '카드 인증을 마치지 못했습니다.');
  console.warn(`[billing] card authentication failed for workspace ${tenant.id}: ${code || 'no code'}`);
  return json(
    { reason, code: /^[A-Z0-9_]{1,100}$/.test(code) ? code : null },
    { headers: { 'Cache-Control': 'no-store' } },
  );
}

export default function CardRegistrationFailed() {
  const { reason, code } = useLoaderData<typeof loader>();
  return (
    <div className="page page-narrow">
      <h1>카드를 등록하지 못했습니다</h1>
      <p className="alert alert-error" role="alert">
        {reason} 카드는 등록되지 않았고 결제된 금액도 없습니다. 결제 페이지에서 다시 시도하거나 다른 카드를 써 주세요.
      </p>
      {code ? <p className="muted small">오류 코드: {code}</p> : null}
      <p>
        <Link to="/billing" className="button">
          결제 페이지로 돌아가기
        </Link>
      </p>
    </div>
  );
}
