/**
 * ioredis's run-time values, loaded with require(): an ES `import` of this CommonJS package
 * costs Node 20 about 90 ms more CPU at every start than require() does (see bullmq.ts).
 * Types still come from `import type … from 'ioredis'`, which is erased.
 */
import { createRequire } from 'node:module';
import type * as IORedis from 'ioredis';

export const ioredis = createRequire(import.meta.url)('ioredis') as typeof IORedis;
