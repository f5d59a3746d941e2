/**
 * BullMQ queue names and the queue key prefix. BullMQ 6 refuses `:` in queue names and custom
 * job ids, so ids built here join their parts with `-`.
 */
import type { Queue, QueueOptions } from 'bullmq';
import { bullmq } from './bullmq.js';
import type { RedisClient } from '../store/client.js';

/** The queues Herald runs, by job kind. */
export const QUEUE_NAMES = {
  pollFeed: 'poll-feed',
  compose: 'compose',
  deliver: 'deliver',
  housekeeping: 'housekeeping',
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/**
 * The BullMQ `prefix` option for Herald's queues: the store prefix wrapped in braces, a Redis
 * Cluster hash tag, so every key of a queue lands on one slot (BullMQ's Lua scripts need that).
 */
export function bullPrefix(storePrefix = 'herald'): string {
  return `{${storePrefix}}`;
}

/** One of Herald's queues under `{storePrefix}`, the way every producer opens it (workers: jobs/start-worker.ts). */
export function openQueue<Data>(name: QueueName, connection: RedisClient, storePrefix = 'herald', settings?: QueueOptions['settings']): Queue<Data> {
  return new bullmq.Queue<Data>(name, { connection, prefix: bullPrefix(storePrefix), ...(settings ? { settings } : {}) });
}

