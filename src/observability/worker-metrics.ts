import type { Job, Worker } from 'bullmq';
import type { ComposeResult } from '../../jobs/compose.js';
import { QUEUE_NAMES } from '../queue/names.js';
import type { HeraldMetrics } from './metrics.js';

function processingSeconds(job: Job): number | undefined {
  if (!job.processedOn || !job.finishedOn) return undefined;
  return Math.max(0, job.finishedOn - job.processedOn) / 1000;
}

/**
 * Feeds a BullMQ worker's finished jobs into the metrics: every job's processing time, for
 * compose jobs the briefings made (polls run outside BullMQ and report their own, jobs/poll-worker.ts). Listening on this process's own workers (rather than on queue events)
 * counts each job once, in the process that ran it.
 */
export function observeWorker(worker: Worker, metrics: HeraldMetrics): void {
  worker.on('completed', (job: Job, result: unknown) => {
    const seconds = processingSeconds(job);
    if (seconds !== undefined) metrics.jobFinished(worker.name, 'completed', seconds);
    // 'queued': this subscription got a briefing (composed now, or shared from its bundle).
    if (worker.name === QUEUE_NAMES.compose && (result as ComposeResult).status === 'queued') metrics.briefingComposed();
  });
  worker.on('failed', (job: Job | undefined) => {
    const seconds = job && processingSeconds(job);
    if (seconds !== undefined) metrics.jobFinished(worker.name, 'failed', seconds);
  });
}
