import type { Job, Worker } from 'bullmq';
import type { ComposeResult } from '../../jobs/compose.js';
import type { PollResult } from '../../jobs/poll-feed.js';
import { QUEUE_NAMES } from '../queue/names.js';
import type { HeraldMetrics } from './metrics.js';

function processingSeconds(job: Job): number | undefined {
  if (!job.processedOn || !job.finishedOn) return undefined;
  return Math.max(0, job.finishedOn - job.processedOn) / 1000;
}

/**
 * Feeds a worker's finished jobs into the metrics: every job's processing time, for polls what
 * the poll did, for compose jobs the briefings made. Listening on this process's own workers (rather than on queue events)
 * counts each job once, in the process that ran it.
 */
export function observeWorker(worker: Worker, metrics: HeraldMetrics): void {
  worker.on('completed', (job: Job, result: unknown) => {
    const seconds = processingSeconds(job);
    if (seconds !== undefined) metrics.jobFinished(worker.name, 'completed', seconds);
    if (worker.name === QUEUE_NAMES.pollFeed) metrics.pollFinished(result as PollResult);
    // 'queued': this subscription got a briefing (composed now, or shared from its bundle).
    if (worker.name === QUEUE_NAMES.compose && (result as ComposeResult).status === 'queued') metrics.briefingComposed();
  });
  worker.on('failed', (job: Job | undefined) => {
    const seconds = job && processingSeconds(job);
    if (seconds !== undefined) metrics.jobFinished(worker.name, 'failed', seconds);
  });
}
