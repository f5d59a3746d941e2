import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The shared real-world corpus lives beside the clone (../shared/corpus), not in it.
 * CI always has it; a user's fresh clone may not, and tests that need it say so plainly.
 */
export const SHARED_CORPUS_DIR = resolve(process.env.HERALD_CORPUS_DIR ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'corpus', 'feeds'));

export const hasSharedCorpus = existsSync(join(SHARED_CORPUS_DIR, 'MANIFEST.tsv'));

export const NO_CORPUS_MESSAGE = `shared corpus not found at ${SHARED_CORPUS_DIR} (it sits beside the clone in CI; set HERALD_CORPUS_DIR to point elsewhere): corpus tests are not run`;
