// /billing/invoices/:invoiceId/receipt — a printable receipt (영수증) for a paid invoice.
// The print stylesheet hides the app's header, footer and buttons.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { loadInvoicePage, requireBillingOwner } from '~/billing.server.ts';
import billingStyles from '~/components/billing/billing.css?url';
import { InvoiceLinesTable, InvoiceTotals } from '~/components/billing/InvoiceTables.tsx';
import { formatKrw, formatPeriod } from '~/components/billing/format.ts';
import { formatSeoulDate, formatSeoulNumericDateTime } from '~/components/seoul-time.ts';
import { sql } from '~/db.server.ts';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: billingStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `영수증 ${data ? formatPeriod(data.invoice.period) : ''} — WindWalker` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { tenant } = await requireBillingOwner(request);
  const page = await loadInvoicePage(sql, tenant, params.invoiceId ?? '');
  if (page.invoice.status !== 'paid' && page.invoice.status !== 'refunded') {
    throw new Response('아직 결제되지 않은 청구서라 영수증이 없습니다. 청구서 상세에서 결제 상태를 확인해 주세요.', { status: 404 });
  }
  return json(page, { headers: { 'Cache-Control': 'no-store' } });
}

export default function Receipt() {
  const { workspaceName, invoice, lines, payments } = useLoaderData<typeof loader>();
  const paid = payments.filter((p) => p.status === 'done' || p.status === 'cancelled' || p.status === 'partially_cancelled');
  return (
    <div className="page">
      <div className="button-row no-print" style={{ marginBottom: 20 }}>
        <Link to={`/billing/invoices/${invoice.id}`} className="button button-secondary">
          청구서로 돌아가기
        </Link>
        <button type="button" className="button" onClick={() => window.print()}>
          인쇄하기
        </button>
      </div>
      <article className="receipt card">
        <header className="receipt-head">
          <div>
            <h1>영수증</h1>
            <p className="muted small">WindWalker 이용료 · 청구서 번호 {invoice.id}</p>
          </div>
          {invoice.status === 'paid' ? <span className="receipt-stamp">결제 완료</span> : <span className="receipt-stamp">환불됨</span>}
        </header>
        <dl className="receipt-meta">
          <dt>받는 분</dt>
          <dd>{workspaceName}</dd>
          <dt>이용 기간</dt>
          <dd>
            {formatPeriod(invoice.period)} ({formatSeoulDate(invoice.periodStart)} – {formatSeoulDate(new Date(new Date(invoice.periodEnd).getTime() - 1))})
          </dd>
          <dt>결제일</dt>
          <dd>{invoice.paidAt ? formatSeoulNumericDateTime(invoice.paidAt) : '—'}</dd>
          {paid.map((p) => (
            <div key={p.id} style={{ display: 'contents' }}>
              <dt>결제 수단</dt>
              <dd>
                카드 {p.cardNumberMasked ?? ''} · {formatKrw(p.amountKrw)}
                {p.receiptUrl ? (
                  <>
                    {' '}
                    ·{' '}
                    <a href={p.receiptUrl} target="_blank" rel="noreferrer noopener">
                      카드 매출전표
                    </a>
                  </>
                ) : null}
              </dd>
            </div>
          ))}
        </dl>
        <InvoiceLinesTable lines={lines} />
        <InvoiceTotals invoice={invoice} />
        <p className="muted small">
          공급가액에 부가가치세 {invoice.vatRatePercent}%를 더한 금액입니다(원 미만 절사). 세금계산서가 필요하시면 고객센터로 문의해 주세요.
        </p>
      </article>
    </div>
  );
}
