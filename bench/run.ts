/**
 * `npm run bench [name…]`: runs every bench/*.bench.ts (or the named ones), prints one table, and
 * writes bench/results.json — or, when only some were named, bench/results.partial.json, so a
 * partial run never replaces the committed figures of a full one.
 *
 * Each bench runs in a process of its own: an earlier bench's heap (100,000-item indexes, worker
 * processes' buffers) would otherwise slow the garbage collection of the next and skew its figures
 * by the order the files happen to sort in.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTable, writeResults, type Benchmark, type BenchResult } from './harness.js';

const dir = import.meta.dirname;

/** In a child: runs one bench file and writes its figures to `outPath`. */
async function runOne(file: string, outPath: string): Promise<void> {
  const bench = (await import(join(dir, file))).default as Benchmark;
  console.log(`\n▶ ${bench.title} (${file})`);
  const started = Date.now();
  const results = await bench.run((line) => console.log(`  ${line}`));
  console.log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await writeResults(outPath, results);
}

/** The bench files a word names: `fanout` is fanout.bench.ts alone; a word naming no file exactly matches by part of the name. */
function selectFiles(files: string[], words: string[]): string[] {
  if (words.length === 0) return files;
  return files.filter((file) =>
    words.some((word) => (files.includes(`${word}.bench.ts`) ? file === `${word}.bench.ts` : file.includes(word))),
  );
}

/** Runs `file` in a fresh process with the same loader (tsx) as this one; returns its figures. */
async function runInChild(file: string, scratch: string): Promise<BenchResult[]> {
  const outPath = join(scratch, `${file}.json`);
  const child = spawn(process.execPath, [...process.execArgv, import.meta.filename, '--one', file, outPath], { stdio: 'inherit' });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${file} failed (exit code ${code})`);
  return JSON.parse(await readFile(outPath, 'utf8')) as BenchResult[];
}

const args = process.argv.slice(2);
if (args[0] === '--one') {
  await runOne(args[1]!, args[2]!);
  process.exit(0);
}

const allFiles = (await readdir(dir)).filter((file) => file.endsWith('.bench.ts')).sort();
const files = selectFiles(allFiles, args);
const scratch = await mkdtemp(join(tmpdir(), 'herald-bench-'));
const all: BenchResult[] = [];
try {
  for (const file of files) all.push(...(await runInChild(file, scratch)));
} finally {
  await rm(scratch, { recursive: true, force: true });
}
console.log(`\n${formatTable(all)}`);
const resultsFile = files.length === allFiles.length ? 'results.json' : 'results.partial.json';
await writeResults(join(dir, resultsFile), all);
console.log(`\nwrote bench/${resultsFile} (${all.length} figures)`);
process.exit(0);
