import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Figure {
  value: number;
  unit: string;
  /** What the figure is compared with, measured in the same run, when one fits. */
  baseline?: { name: string; value: number; unit: string };
  goal?: string;
}

export type Figures = Record<string, Figure>;

export const benchDir = path.resolve('.data/bench');

/** Merges this run's figures into .data/bench/latest.json (figures from benches not run are kept). */
export function writeLatest(figures: Figures): string {
  mkdirSync(benchDir, { recursive: true });
  const file = path.join(benchDir, 'latest.json');
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { figures: Figures }).figures : {};
  const merged = { figures: { ...previous, ...figures }, measuredAt: new Date().toISOString() };
  writeFileSync(file, JSON.stringify(merged, null, 2) + '\n');
  return file;
}

export function printTable(figures: Figures): void {
  const rows = Object.entries(figures).map(([name, f]) => [
    name,
    `${f.unit === 'ratio' ? roundRatio(f.value) : round(f.value)} ${f.unit}`,
    f.baseline ? `${f.baseline.name} = ${round(f.baseline.value)} ${f.baseline.unit}` : '',
    f.goal ?? '',
  ]);
  const header = ['figure', 'value', 'baseline (same run)', 'goal'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

export function round(value: number): number {
  return Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 100) / 100;
}

/** Ratios with three decimals: a goal such as ≤ 0.2 is not met by a ratio of 0.204 shown as 0.2. */
function roundRatio(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}
