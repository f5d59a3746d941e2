/**
 * BullMQ's run-time values, loaded with require(). bullmq is CommonJS: an ES `import` of it has
 * Node 20 lex its index and, through its re-exports, all 171 of its modules to list their names
 * before loading them, about 150 ms of CPU at every start (half again what loading them takes);
 * require() only loads them. Types still come from `import type … from 'bullmq'`, which is erased.
 */
import { createRequire } from 'node:module';
import type * as BullMQ from 'bullmq';

export const bullmq = createRequire(import.meta.url)('bullmq') as typeof BullMQ;
