/**
 * The one way Herald starts a BullMQ worker, so every queue gets the same prefix, stall
 * settings and logging of outcomes (queues are opened alike through openQueue).
 */
import type { Job, Worker, WorkerOptions } from 'bullmq';
import type { RedisClient } from '../src/store/client.js';
import type { Logger } from '../src/log.js';
import { isPartOfOutage } from '../src/queue/connection.js';
import { bullmq } from '../src/queue/bullmq.js';
import { bullPrefix, type QueueName } from '../src/queue/names.js';

/** How soon the jobs of a worker that died are taken over, and how often (BullMQ's stall detection). */
export type StallOptions = Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'maxStalledCount'>;

export interface LoggedWorkerOptions {
  connection: RedisClient;
  /** The store prefix; queues live under `{prefix}`. */
  prefix?: string;
  concurrency: number;
  /** How soon the jobs of a worker that died are taken over (BullMQ's stall detection); tests shorten it. */
  stall?: StallOptions;
  logger?: Logger;
}

/** What to log about a job of this queue: its identifying fields, and the words for outcomes. */
export interface WorkerLogging<Data, Result> {
  describe: (job: Job<Data, Result> | undefined) => Record<string, unknown>;
  /** The message of a completed job's line, or how to word it from the result. */
  completed: string | ((result: Result) => string);
  failed: string;
  /** Level of a failure: 'warn' where failures are retried as a matter of course. */
  failedLevel?: 'warn' | 'error';
  /** Level of a completed job's line, from its result (default debug: most jobs are routine). */
  completedLevel?: (result: Result) => 'debug' | 'info' | 'warn';
}

/** A BullMQ worker on one of Herald's queues that logs its jobs' outcomes and its own errors. */
export function startLoggedWorker<Data, Result>(
  queue: QueueName,
  processor: (job: Job<Data, Result>, token?: string) => Promise<Result>,
  options: LoggedWorkerOptions,
  logging: WorkerLogging<Data, Result>,
): Worker<Data, Result> {
  // BullMQ's Worker checks this only once it has opened its blocking connection, which its refusal then leaves open for good.
  if (!(options.concurrency >= 1 && Number.isFinite(options.concurrency))) throw new Error(`the ${queue} worker's concurrency must be at least 1, not ${options.concurrency}`);
  const worker = new bullmq.Worker<Data, Result>(queue, processor, {
    connection: options.connection,
    prefix: bullPrefix(options.prefix),
    concurrency: options.concurrency,
    ...options.stall,
  });
  const { logger } = options;
  worker.on('completed', (job, result) => {
    const message = typeof logging.completed === 'string' ? logging.completed : logging.completed(result);
    logger?.[logging.completedLevel?.(result) ?? 'debug']({ ...logging.describe(job), result }, message);
  });
  worker.on('failed', (job, error) => logger?.[logging.failedLevel ?? 'error']({ err: error, ...logging.describe(job), attempt: job?.attemptsMade }, logging.failed));
  worker.on('error', (error) => {
    // During an outage each worker's own connection fails every retry; the shared connection logs the outage once.
    if (isPartOfOutage(error, options.connection)) logger?.debug({ err: error, queue }, 'worker connection error (Redis outage)');
    else logger?.error({ err: error, queue }, 'worker error');
  });
  return worker;
}
