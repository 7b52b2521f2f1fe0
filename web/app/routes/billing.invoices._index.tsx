// /billing/invoices — the workspace's monthly invoices, newest first.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { listInvoices } from '../../../billing/index.ts';
import { PLAN_LABELS, requireBillingOwner } from '~/billing.server.ts';
import billingStyles from '~/components/billing/billing.css?url';
import { formatKrw, formatPeriod, INVOICE_STATUS } from '~/components/billing/format.ts';
import { formatSeoulDate } from '~/components/seoul-time.ts';
import { sql } from '~/db.server.ts';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: billingStyles }];
export const meta: MetaFunction = () => [{ title: '청구서 — WindWalker' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { tenant } = await requireBillingOwner(request);
  const invoices = await listInvoices(sql, tenant.id);
  return json(
    {
      workspaceName: tenant.name,
      invoices: invoices.map((i) => ({
        id: i.id,
        period: i.period,
        planLabel: PLAN_LABELS[i.planCode] ?? i.planCode,
        status: i.status,
        totalKrw: i.totalKrw,
        issuedAt: i.issuedAt.toISOString(),
        paidAt: i.paidAt?.toISOString() ?? null,
      })),
    },
    { headers: { 'Cache-Control': 'no-store' } },
  );
}

export default function Invoices() {
  const { workspaceName, invoices } = useLoaderData<typeof loader>();
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>청구서</h1>
          <p>{workspaceName}의 월별 이용료입니다. 매월 1일에 지난달 이용료가 청구됩니다.</p>
        </div>
        <Link to="/billing" className="button button-secondary">
          결제와 요금제
        </Link>
      </div>
      <section className="card card-flush">
        {invoices.length === 0 ? (
          <p className="empty-state">아직 청구서가 없습니다. 첫 청구서는 유료 요금제를 쓴 달이 끝난 다음 날 만들어집니다.</p>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>이용 기간</th>
                  <th>요금제</th>
                  <th>상태</th>
                  <th className="num">합계 (VAT 포함)</th>
                  <th>발행일</th>
                  <th>
                    <span className="sr-only">보기</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {invoices.map((invoice) => {
                  const status = INVOICE_STATUS[invoice.status] ?? { label: invoice.status, tone: '' };
                  return (
                    <tr key={invoice.id}>
                      <td>
                        <Link to={`/billing/invoices/${invoice.id}`}>{formatPeriod(invoice.period)}</Link>
                      </td>
                      <td>{invoice.planLabel}</td>
                      <td>
                        <span className={`badge ${status.tone}`}>{status.label}</span>
                      </td>
                      <td className="num">{formatKrw(invoice.totalKrw)}</td>
                      <td className="muted small">{formatSeoulDate(invoice.issuedAt)}</td>
                      <td>
                        <Link to={`/billing/invoices/${invoice.id}`} className="button button-secondary button-small">
                          상세
                        </Link>
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
