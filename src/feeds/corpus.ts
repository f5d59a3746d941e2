import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ingestFeed, type IngestResult } from './ingest.js';
import { FeedParseError } from './parse.js';

/** What the corpus's MANIFEST.tsv says about one file. */
export interface CorpusFile {
  file: string;
  /** rss2, atom, rdf, json or other, as the manifest classifies the document. */
  manifestFormat?: string;
  declaredEncoding?: string;
  /** The manifest's `items=N`, when it gives one. */
  expectedItems?: number;
  /** The manifest marks the file ILL-FORMED XML (by expat's strict reading). */
  illFormed: boolean;
  notes: string;
}

/** How one corpus file fared through decode + parse + normalize. */
export interface SweepResult {
  file: string;
  /** `ok`: parsed; `recovered`: ill-formed, entries recovered; `error`: FeedParseError; `crash`: any other exception (a bug). */
  outcome: 'ok' | 'recovered' | 'error' | 'crash';
  format?: IngestResult['format'];
  encoding?: string;
  items: number;
  /** The recovery note or the error message. */
  detail?: string;
  result?: IngestResult;
}

/** The feed documents in a directory: everything but its notes (README, licences, manifest). */
export async function listFeedFiles(directory: string): Promise<string[]> {
  return (await readdir(directory)).filter((file) => !/\.(md|tsv)$/.test(file)).sort();
}

/** Every feed file in the corpus directory, joined with what the manifest says about it. */
export async function readCorpus(directory: string): Promise<CorpusFile[]> {
  const manifest = new Map<string, CorpusFile>();
  const [header, ...rows] = (await readFile(join(directory, 'MANIFEST.tsv'), 'utf8')).split('\n').filter((line) => line.trim() !== '');
  const columns = (header ?? '').split('\t');
  for (const row of rows) {
    const cells = Object.fromEntries(row.split('\t').map((cell, index) => [columns[index], cell]));
    const notes = cells['notes'] ?? '';
    const expected = notes.match(/\bitems=(\d+)/)?.[1];
    manifest.set(cells['file']!, {
      file: cells['file']!,
      manifestFormat: cells['format'],
      declaredEncoding: cells['declared_encoding'],
      expectedItems: expected === undefined ? undefined : Number(expected),
      illFormed: notes.includes('ILL-FORMED'),
      notes,
    });
  }
  return (await listFeedFiles(directory)).map((file) => manifest.get(file) ?? { file, illFormed: false, notes: '' });
}

/** Runs one corpus file through the ingest pipeline, catching what it throws. */
export async function sweepFile(directory: string, file: string, now: Date): Promise<SweepResult> {
  const bytes = await readFile(join(directory, file));
  try {
    const result = await ingestFeed(bytes, undefined, { feedId: file, now });
    const { format, encoding, recovered } = result;
    return { file, outcome: recovered ? 'recovered' : 'ok', format, encoding, items: result.items.length, detail: recovered, result };
  } catch (error) {
    const outcome = error instanceof FeedParseError ? 'error' : 'crash';
    return { file, outcome, items: 0, detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}
