/**
 * `npm run bench [name…]`: runs every bench/*.bench.ts (or those whose file name contains
 * one of the given words), prints one table, and writes bench/results.json.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { formatTable, writeResults, type Benchmark, type BenchResult } from './harness.js';

const dir = import.meta.dirname;
const filters = process.argv.slice(2);
const files = (await readdir(dir))
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => filters.length === 0 || filters.some((word) => file.includes(word)))
  .sort();

const all: BenchResult[] = [];
for (const file of files) {
  const bench = (await import(join(dir, file))).default as Benchmark;
  console.log(`\n▶ ${bench.title} (${file})`);
  const started = Date.now();
  const results = await bench.run((line) => console.log(`  ${line}`));
  console.log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  all.push(...results);
}
console.log(`\n${formatTable(all)}`);
await writeResults(join(dir, 'results.json'), all);
console.log(`\nwrote bench/results.json (${all.length} figures)`);
process.exit(0);
