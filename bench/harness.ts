import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';

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

/** The middle value (the upper of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Milliseconds of a synchronous or async function, with a monotonic clock. */
export async function timeIt<T>(fn: () => Promise<T> | T): Promise<{ ms: number; result: T }> {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

/**
 * The least time `messages` sends take under a sliding limit of `limit` per `windowMs`: the
 * first window's worth go at once, each further window's worth one window later.
 */
export function timeAtLimitMs(messages: number, limit: number, windowMs = 1000): number {
  return (Math.ceil(messages / limit) - 1) * windowMs;
}

/**
 * The highest rate those sends can reach: over a few windows well above the limit itself (300
 * sends at 50/s: 60/s), the bar a short run is fairly judged by.
 */
export function rateAtLimit(messages: number, limit: number, windowMs = 1000): number {
  const ms = timeAtLimitMs(messages, limit, windowMs);
  return ms === 0 ? Infinity : (messages / ms) * 1000;
}

/** How busy the machine is, for a figure's note: the 1-minute load average. */
export function machineLoad(): string {
  return `load ${loadavg()[0]!.toFixed(1)}`;
}

/** The conditions a pacing figure is measured under: alone, or beside two busy processes. */
export type Conditions = 'idle' | 'beside a CPU hog';

export const CONDITIONS: readonly Conditions[] = ['idle', 'beside a CPU hog'];

/**
 * Runs `fn` under `conditions`: for 'beside a CPU hog', two processes spinning at 100% (one per
 * core of the 2-core machine the figures come from), started here and killed after, so the
 * event loop under test wakes late and runs in slices as on a busy host.
 */
export async function under<T>(conditions: Conditions, fn: () => Promise<T>): Promise<T> {
  if (conditions === 'idle') return fn();
  const hogs = Array.from({ length: 2 }, () => spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }));
  try {
    return await fn();
  } finally {
    for (const hog of hogs) hog.kill('SIGKILL');
  }
}

/** Runs `fn` and tells how late this process's event loop ran meanwhile (how busy the machine made it). */
export async function withLoopDelay<T>(fn: () => Promise<T>): Promise<{ result: T; loopDelay: string }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    const result = await fn();
    const ms = (nanoseconds: number) => (nanoseconds / 1e6).toFixed(0);
    return { result, loopDelay: `event loop late by ${ms(histogram.percentile(99))} ms at p99, ${ms(histogram.max)} ms at most` };
  } finally {
    histogram.disable();
  }
}
