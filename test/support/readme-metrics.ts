import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

/**
 * The metric names the README's Operate section documents: the rows of its metrics table and the
 * process metrics named after it, from "**Metrics.**" to the example queries.
 */
export async function readmeMetrics(): Promise<string[]> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('**Metrics.**');
  const end = readme.indexOf('```promql', start);
  if (start < 0 || end < 0) throw new Error('README.md has no "**Metrics.**" section followed by example queries');
  const section = readme.slice(start, end);
  return [...new Set([...section.matchAll(/`((?:herald|process|nodejs)_[a-z_]+)`/g)].map((match) => match[1]!))];
}
