import { writeFile } from 'node:fs/promises';

/** One measured figure; the shape of `bench/results.json` (contract in DESIGN.md). */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The comparison figure, measured in the same run. */
  baseline?: number;
  /** value / baseline. */
  ratio?: number;
  note?: string;
}

/** A benchmark module under bench/ named `*.bench.ts` default-exports one of these. */
export interface Benchmark {
  title: string;
  run(log: (line: string) => void): Promise<BenchResult[]>;
}

export function withRatio(result: Omit<BenchResult, 'ratio'> & { baseline: number }): BenchResult {
  return { ...result, ratio: result.baseline === 0 ? 0 : result.value / result.baseline };
}

function formatNumber(value: number | undefined): string {
  if (value === undefined) return '';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

export function formatTable(results: BenchResult[]): string {
  const header = ['name', 'value', 'unit', 'baseline', 'ratio', 'note'];
  const rows = results.map((r) => [r.name, formatNumber(r.value), r.unit, formatNumber(r.baseline), formatNumber(r.ratio), r.note ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

export async function writeResults(path: string, results: BenchResult[]): Promise<void> {
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
}

/** Milliseconds of a synchronous or async function, with a monotonic clock. */
export async function timeIt<T>(fn: () => Promise<T> | T): Promise<{ ms: number; result: T }> {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}
