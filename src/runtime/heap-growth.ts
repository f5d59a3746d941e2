/**
 * How far V8 lets the old generation grow past what survived the last full GC before it
 * collects again. By default, on a host with gigabytes of memory, V8 allows up to 4× the live
 * heap when the program allocates fast. A worker allocates fast and keeps little: each poll's
 * body, parsed feed, items and Redis replies outlive a couple of young-generation collections
 * while the poll waits on the network and on Redis, so they are promoted and die in the old
 * generation. With 10,000 feeds polled at a first start, ~30 MB live became 100–140 MB of old
 * generation (worker RSS 210–270 MB); at 1.5× it stays about 45 MB (RSS about 155 MB) for
 * the same polls per CPU second: a full GC of a 30 MB heap is mostly concurrent and short.
 *
 * Only the growth factor is set: not `--max-old-space-size`, which would turn a larger live
 * heap (a bigger catalogue) into an out-of-memory crash instead of more memory.
 */
import { setFlagsFromString } from 'node:v8';

/** Old generation limit after a full GC: live size × (1 + this / 100). */
export const HEAP_GROWING_PERCENT = 50;

const GROWING_FLAG = /^--heap[-_]growing[-_]percent(=|$)/;

/**
 * The V8 flag Herald sets, or undefined when the operator chose a growth factor on node's command
 * line (`node --heap-growing-percent=N dist/src/cli.js start`; Node refuses the flag in NODE_OPTIONS).
 */
export function heapGrowthFlag(execArgv: readonly string[]): string | undefined {
  return execArgv.some((arg) => GROWING_FLAG.test(arg)) ? undefined : `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/**
 * Sets the growth factor for this process. V8 reads it each time it sizes the old generation
 * after a full GC, so setting it once the process runs (Node has no other way for a program
 * started as `herald start`) applies from the next collection on.
 */
export function limitHeapGrowth(): void {
  const flag = heapGrowthFlag(process.execArgv);
  if (flag !== undefined) setFlagsFromString(flag);
}
