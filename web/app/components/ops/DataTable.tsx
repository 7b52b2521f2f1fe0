// A table of the dashboard with its CSV download (the same rows, from /ops/export/<name>).
import type { ReactNode } from 'react';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  numeric?: boolean;
}

export function CsvLink({ table, search }: { table: string; search: string }) {
  return (
    <a className="button button-secondary button-small ops-csv" href={`/ops/export/${table}${search}`} download>
      CSV 내려받기
    </a>
  );
}

export function DataTable<T>({ rows, columns, rowKey, empty = '선택한 기간에 기록이 없습니다.', caption }: { rows: T[]; columns: Column<T>[]; rowKey: (row: T) => string; empty?: string; caption?: string }) {
  if (rows.length === 0) return <p className="empty-state ops-empty">{empty}</p>;
  return (
    <div className="table-wrap">
      <table className="table ops-table">
        {caption ? <caption className="sr-only">{caption}</caption> : null}
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.header} className={c.numeric ? 'num' : undefined} scope="col">
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={rowKey(r)}>
              {columns.map((c) => (
                <td key={c.header} className={c.numeric ? 'num' : undefined}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Panel({ title, note, actions, children, flush }: { title: string; note?: ReactNode; actions?: ReactNode; children: ReactNode; flush?: boolean }) {
  return (
    <section className={`card ops-panel${flush ? ' card-flush' : ''}`} aria-label={title}>
      <div className="card-header">
        <div>
          <h2>{title}</h2>
          {note ? <p className="muted small ops-note">{note}</p> : null}
        </div>
        {actions ? <div className="ops-actions">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}

export function Kpi({ label, value, hint, tone }: { label: string; value: string; hint?: string; tone?: 'good' | 'bad' }) {
  return (
    <div className={`stat ops-kpi${tone ? ` ops-kpi-${tone}` : ''}`}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {hint ? <div className="muted small">{hint}</div> : null}
    </div>
  );
}
