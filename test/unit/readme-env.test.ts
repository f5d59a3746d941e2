import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
/** Variables of the system, not Herald's settings. */
const SYSTEM_VARIABLES = new Set(['PATH']);

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(root, dir, file));
}

/** Every environment variable the code reads: `process.env.NAME`, or `env.NAME` on the environment handed to the config loader. */
function variablesReadInSources(): string[] {
  const names = new Set<string>();
  for (const file of [...sourceFiles('src'), ...sourceFiles('jobs')]) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\benv(?:\.([A-Z][A-Z0-9_]+)|\[['"]([A-Z][A-Z0-9_]+)['"]\])/g)) names.add(match[1] ?? match[2]!);
  }
  return [...names].filter((name) => !SYSTEM_VARIABLES.has(name)).sort();
}

/** The first column of the README's environment table: rows whose first cell names upper-case `NAME`s. */
function variablesInReadme(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const firstCells = [...readme.matchAll(/^\| (`[A-Z][A-Z0-9_]+`(?:, `[A-Z][A-Z0-9_]+`)*) \|/gm)].map((match) => match[1]!);
  return firstCells.flatMap((cell) => [...cell.matchAll(/`([A-Z0-9_]+)`/g)].map((match) => match[1]!)).sort();
}

describe('the README environment table', () => {
  it('lists every environment variable the code reads, and no other', () => {
    const read = variablesReadInSources();
    expect(read).toContain('TELEGRAM_API_ROOT');
    expect(variablesInReadme()).toEqual(read);
  });
});
