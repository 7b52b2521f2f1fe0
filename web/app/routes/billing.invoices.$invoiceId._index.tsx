// /billing/invoices/:invoiceId — one invoice: lines (quantity × unit price), subtotal, VAT 10%,
// total, status, and every payment attempt with Toss's receipt link. Another workspace's
// invoice id is a 404, like any id that does not exist.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { loadInvoicePage, requireBillingOwner } from '~/billing.server.ts';
import billingStyles from '~/components/billing/billing.css?url';
import { InvoiceLinesTable, InvoiceTotals } from '~/components/billing/InvoiceTables.tsx';
import { formatKrw, formatPeriod, INVOICE_STATUS, PAYMENT_STATUS } from '~/components/billing/format.ts';
import { formatSeoulDate, formatSeoulNumericDateTime } from '~/components/seoul-time.ts';
import { sql } from '~/db.server.ts';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: billingStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data ? formatPeriod(data.invoice.period) : ''} 청구서 — WindWalker` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { tenant } = await requireBillingOwner(request);
  const page = await loadInvoicePage(sql, tenant, params.invoiceId ?? '');
  return json(page, { headers: { 'Cache-Control': 'no-store' } });
}

export default function InvoiceDetail() {
  const { invoice, lines, payments } = useLoaderData<typeof loader>();
  const status = INVOICE_STATUS[invoice.status] ?? { label: invoice.status, tone: '' };
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>{formatPeriod(invoice.period)} 청구서</h1>
          <p>
            <span className={`badge ${status.tone}`}>{status.label}</span> · 발행 {formatSeoulDate(invoice.issuedAt)}
            {invoice.paidAt ? ` · 결제 ${formatSeoulDate(invoice.paidAt)}` : ''}
          </p>
        </div>
        <div className="button-row">
          <Link to="/billing/invoices" className="button button-secondary">
            청구서 목록
          </Link>
          {invoice.status === 'paid' || invoice.status === 'refunded' ? (
            <Link to={`/billing/invoices/${invoice.id}/receipt`} className="button">
              영수증 보기
            </Link>
          ) : null}
        </div>
      </div>

      {invoice.status === 'open' && invoice.lastFailureMessage ? (
        <div className="alert alert-warning" role="status" style={{ marginBottom: 16 }}>
          결제 실패: {invoice.lastFailureMessage}.{' '}
          {invoice.nextAttemptAt ? `${formatSeoulDate(invoice.nextAttemptAt)}에 다시 시도합니다. ` : ''}
          <Link to="/billing">결제 페이지</Link>에서 카드를 확인하거나 지금 결제할 수 있습니다.
        </div>
      ) : null}

      <section className="card card-flush">
        <div className="card-header">
          <h2>내역</h2>
          <span className="muted small">금액은 공급가액(VAT 별도), 부가가치세 {invoice.vatRatePercent}%는 아래에 따로 적었습니다</span>
        </div>
        <InvoiceLinesTable lines={lines} />
        <InvoiceTotals invoice={invoice} />
      </section>

      <section className="card card-flush">
        <div className="card-header">
          <h2>결제</h2>
        </div>
        {payments.length === 0 ? (
          <p className="empty-state">아직 결제 시도가 없습니다.</p>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>회차</th>
                  <th>상태</th>
                  <th className="num">금액</th>
                  <th>카드</th>
                  <th>시각</th>
                  <th>영수증</th>
                </tr>
              </thead>
              <tbody>
                {payments.map((payment) => {
                  const paymentStatus = PAYMENT_STATUS[payment.status] ?? { label: payment.status, tone: '' };
                  return (
                    <tr key={payment.id}>
                      <td>{payment.attempt}회</td>
                      <td>
                        <span className={`badge ${paymentStatus.tone}`}>{paymentStatus.label}</span>
                        {payment.failureMessage ? <span className="muted small"> {payment.failureMessage}</span> : null}
                      </td>
                      <td className="num">{formatKrw(payment.amountKrw)}</td>
                      <td className="mono">{payment.cardNumberMasked ?? '—'}</td>
                      <td className="muted small">{formatSeoulNumericDateTime(payment.approvedAt ?? payment.createdAt)}</td>
                      <td>
                        {payment.receiptUrl ? (
                          <a href={payment.receiptUrl} target="_blank" rel="noreferrer noopener">
                            카드 매출전표
                          </a>
                        ) : (
                          '—'
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
