// An invoice's lines (description, quantity × unit price, amount) and its totals
// (공급가액, VAT, 합계) — shared by the invoice page and the printable receipt.
import { formatKrw } from './format.ts';

export interface InvoiceLineView {
  kind: string;
  description: string;
  quantity: number;
  unitPriceKrw: number;
  amountKrw: number;
}

export function InvoiceLinesTable({ lines }: { lines: InvoiceLineView[] }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th>항목</th>
            <th className="num">수량</th>
            <th className="num">단가</th>
            <th className="num">금액</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line, index) => (
            <tr key={index}>
              <td>{line.description}</td>
              <td className="num">{line.quantity.toLocaleString('ko-KR')}</td>
              <td className="num">{formatKrw(line.unitPriceKrw)}</td>
              <td className="num">
                <span className="sr-only">
                  {line.quantity.toLocaleString('ko-KR')} × {formatKrw(line.unitPriceKrw)} =
                </span>
                {formatKrw(line.amountKrw)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function InvoiceTotals({ invoice }: { invoice: { subtotalKrw: number; vatKrw: number; totalKrw: number; vatRatePercent: number } }) {
  return (
    <dl className="invoice-totals">
      <dt>공급가액</dt>
      <dd>{formatKrw(invoice.subtotalKrw)}</dd>
      <dt>부가가치세 ({invoice.vatRatePercent}%)</dt>
      <dd>{formatKrw(invoice.vatKrw)}</dd>
      <dt className="invoice-total">합계</dt>
      <dd className="invoice-total" data-testid="invoice-total">
        {formatKrw(invoice.totalKrw)}
      </dd>
    </dl>
  );
}
