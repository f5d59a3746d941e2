import { once } from 'node:events';
import { Queue, Worker } from 'bullmq';
import { Events } from 'discord.js';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection } from '../../src/queue/connection.js';
import { bullPrefix, QUEUE_NAMES } from '../../src/queue/names.js';
import { basicAuthMatches } from '../../src/observability/basic-auth.js';
import { startHttpServer, type RunningHttpServer } from '../../src/observability/http-server.js';
import { discordReadiness, redisReadiness, telegramReadiness } from '../../src/observability/readiness.js';
import { createDiscordClient } from '../../src/platforms/discord/client.js';
import { startDiscordEmulator } from '../emulators/discord-api.js';
import type { ComposeResult } from '../../jobs/compose.js';
import type { PollResult } from '../../jobs/poll-feed.js';
import { HeraldMetrics } from '../../src/observability/metrics.js';
import { observeWorker } from '../../src/observability/worker-metrics.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const PREFIX = bullPrefix('httptest');
const DASHBOARD = { user: 'ops', password: 'a long enough password' };

let redis: TestRedis;
let connection: Redis;
let deliverQueue: Queue;
let composeQueue: Queue;
let metrics: HeraldMetrics;
let server: RunningHttpServer;
let platformReady = true;

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** The value of one sample line of the exposition, e.g. `herald_feed_polls_total{status="fetched"}`. */
function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

beforeAll(async () => {
  redis = await startRedis();
  connection = createRedisConnection(redis.url);
  deliverQueue = new Queue(QUEUE_NAMES.deliver, { connection, prefix: PREFIX });
  composeQueue = new Queue(QUEUE_NAMES.compose, { connection, prefix: PREFIX });
  // The last test stops Redis on purpose; BullMQ would print every refused reconnection.
  for (const queue of [deliverQueue, composeQueue]) queue.on('error', () => undefined);
  metrics = new HeraldMetrics({ process: true });
  metrics.watchQueues([composeQueue, deliverQueue]);
  server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    metrics,
    readiness: [
      redisReadiness(connection),
      telegramReadiness(() => platformReady),
    ],
    readinessTimeoutMs: 1_000,
    dashboard: { ...DASHBOARD, queues: [composeQueue, deliverQueue] },
  });
});

afterAll(async () => {
  await server.close();
  await deliverQueue.close();
  await composeQueue.close();
  connection.disconnect();
  await redis.stop();
});

describe('health endpoints', () => {
  it('/healthz answers while the process runs', async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when every check passes and 503 naming the failing one otherwise', async () => {
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { redis: 'ok', telegram: 'ok' } });

    platformReady = false;
    try {
      const notReady = await fetch(`${server.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ status: 'not ready', checks: { redis: 'ok', telegram: 'not receiving updates' } });
    } finally {
      platformReady = true;
    }
  });

  it('unknown paths are 404 and other methods 405', async () => {
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/healthz`, { method: 'POST' })).status).toBe(405);
  });
});

/**
 * Runs one job per result through a real worker observed by the metrics: a result that is an
 * Error fails its job. Resolves once every job finished.
 */
async function runObservedJobs(queue: Queue, results: unknown[]): Promise<void> {
  const worker = new Worker(
    queue.name,
    async (job) => {
      const result = results[job.data.index as number];
      if (result instanceof Error) throw result;
      return result;
    },
    { connection: createRedisConnection(redis.url), prefix: PREFIX },
  );
  observeWorker(worker, metrics);
  let finished = 0;
  const done = new Promise<void>((resolve) => {
    const count = () => {
      finished += 1;
      if (finished === results.length) resolve();
    };
    worker.on('completed', count);
    worker.on('failed', count);
  });
  await queue.addBulk(results.map((_, index) => ({ name: 'job', data: { index } })));
  await done;
  await worker.close();
}

describe('/metrics', () => {
  it('reports queue depths read from Redis, job latency and briefings from observed workers, and poll outcomes', async () => {
    await deliverQueue.add('deliver', { n: 1 }, { delay: 60_000 });
    await deliverQueue.add('deliver', { n: 2 });
    const composed: (ComposeResult | Error)[] = [
      { subscriptionId: 's1', status: 'queued', briefingId: 'b1' },
      { subscriptionId: 's2', status: 'empty', briefingId: 'b2' },
      { subscriptionId: 's3', status: 'skipped', detail: 'inactive' },
      new Error('Redis went away mid-compose'),
    ];
    await runObservedJobs(composeQueue, composed);
    // Polls run outside BullMQ; the poll worker reports each one as this does (the scale-out suite reads them from real workers).
    const polls: PollResult[] = [
      { feedId: 'a', status: 'fetched', newItems: 3, duplicatesDropped: 2 },
      { feedId: 'b', status: 'not-modified', newItems: 0 },
      { feedId: 'c', status: 'failed', newItems: 0, errorKind: 'timeout', detail: 'timed out' },
    ];
    for (const poll of polls) metrics.pollFinished(poll);

    const response = await fetch(`${server.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(sample(text, 'herald_queue_jobs{queue="deliver",state="delayed"}')).toBe(1);
    expect(sample(text, 'herald_queue_jobs{queue="deliver",state="waiting"}')).toBe(1);
    expect(sample(text, 'herald_queue_jobs{queue="compose",state="failed"}')).toBe(1);
    expect(sample(text, 'herald_queue_jobs{queue="compose",state="waiting"}')).toBe(0);
    expect(sample(text, 'herald_job_duration_seconds_count{queue="compose",outcome="completed"}')).toBe(3);
    expect(sample(text, 'herald_job_duration_seconds_count{queue="compose",outcome="failed"}')).toBe(1);
    expect(sample(text, 'herald_feed_polls_total{status="fetched"}')).toBe(1);
    expect(sample(text, 'herald_feed_polls_total{status="not-modified"}')).toBe(1);
    expect(sample(text, 'herald_fetch_errors_total{kind="timeout"}')).toBe(1);
    expect(sample(text, 'herald_items_ingested_total')).toBe(3);
    expect(sample(text, 'herald_duplicates_dropped_total{stage="exact"}')).toBe(2);
    expect(sample(text, 'herald_briefings_composed_total')).toBe(1);
    expect(text).toContain('process_cpu_seconds_total');
  });
});

describe('/admin/queues (bull-board)', () => {
  it('refuses requests without the configured credentials', async () => {
    const none = await fetch(`${server.url}/admin/queues`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect((await fetch(`${server.url}/admin/queues`, { headers: { authorization: basic('ops', 'wrong password!!') } })).status).toBe(401);
    expect((await fetch(`${server.url}/admin/queues/api/queues`, { headers: { authorization: basic('ops2', DASHBOARD.password) } })).status).toBe(401);
  });

  it('serves the board and its API for Herald queues with the right credentials', async () => {
    const authorization = basic(DASHBOARD.user, DASHBOARD.password);
    const page = await fetch(`${server.url}/admin/queues`, { headers: { authorization } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<base href="/admin/queues/" />');
    expect(html).toContain('<title>Herald</title>');
    const script = /src="(static\/js\/main\.[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${server.url}/admin/queues/${script}`, { headers: { authorization } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('javascript');
    const api = await fetch(`${server.url}/admin/queues/api/queues`, { headers: { authorization } });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: { name: string }[] };
    expect(body.queues.map((queue) => queue.name).sort()).toEqual([QUEUE_NAMES.compose, QUEUE_NAMES.deliver]);
  });

  it('accepts exactly the configured user and password, whatever characters they hold', () => {
    const user = fc.string({ unit: 'grapheme', minLength: 1 }).filter((u) => !u.includes(':'));
    const password = fc.string({ unit: 'grapheme', minLength: 12 });
    fc.assert(
      fc.property(user, password, password, (name, secret, other) => {
        const expected = { user: name, password: secret };
        expect(basicAuthMatches(basic(name, secret), expected)).toBe(true);
        expect(basicAuthMatches(basic(name, other), expected)).toBe(other === secret);
        expect(basicAuthMatches(undefined, expected)).toBe(false);
        expect(basicAuthMatches(`Bearer ${secret}`, expected)).toBe(false);
      }),
    );
  });

  it('is absent when no dashboard is configured', async () => {
    const plain = await startHttpServer({ port: 0, host: '127.0.0.1', metrics: new HeraldMetrics() });
    try {
      expect((await fetch(`${plain.url}/admin/queues`, { headers: { authorization: basic(DASHBOARD.user, DASHBOARD.password) } })).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});

describe('readiness when Redis is gone', () => {
  it('/readyz turns 503 with the Redis problem while /healthz stays 200', async () => {
    redis.process.kill('SIGKILL');
    await new Promise((resolve) => redis.process.once('exit', resolve));
    const response = await fetch(`${server.url}/readyz`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { checks: Record<string, string> };
    expect(body.checks.redis).not.toBe('ok');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await redis.restart();
  });
});

describe('discordReadiness', () => {
  it('fails until the gateway session is up and again after it closed', async () => {
    const emulator = await startDiscordEmulator();
    const client = createDiscordClient({ token: emulator.token, apiBase: emulator.apiBase, owners: [] });
    const readiness = discordReadiness(client);
    try {
      await expect(readiness.check()).rejects.toThrow('gateway not connected');
      const ready = once(client, Events.ClientReady);
      await client.login();
      await ready;
      await expect(readiness.check()).resolves.toBeUndefined();
      await client.destroy();
      await expect(readiness.check()).rejects.toThrow('gateway not connected');
    } finally {
      await client.destroy();
      await emulator.close();
    }
  });
});
