/**
 * Renders docs/bull-board.png: starts a private redis-server, fills Herald's queues with jobs in
 * every state (polls done and failed, briefings scheduled, deliveries waiting), serves bull-board
 * behind basic auth on 127.0.0.1, and has headless Chromium screenshot /admin/queues.
 * Chromium goes through a small proxy that adds the Authorization header: a page opened as
 * http://user:password@host/ cannot fetch() its own API (URLs with credentials are refused).
 *
 *   npx tsx scripts/screenshot-bull-board.ts [OUTPUT.png]
 *
 * Needs redis-server and chromium (Debian: apt-get install redis-server chromium). Chromium
 * may resolve nothing but 127.0.0.1, so the page's web fonts fall back to local ones.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request as forward } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { HeraldMetrics } from '../src/observability/metrics.js';
import { startHttpServer } from '../src/observability/http-server.js';
import { bullPrefix, QUEUE_NAMES } from '../src/queue/names.js';
import { startRedis } from '../test/support/redis.js';

const output = resolve(process.argv[2] ?? 'docs/bull-board.png');
const credentials = { user: 'ops', password: 'screenshot-only-password' };
const prefix = bullPrefix('herald');

const redis = await startRedis();
const connection = redis.client();
const queues = Object.values(QUEUE_NAMES).map((name) => new Queue(name, { connection, prefix }));
const [poll, compose, deliver, housekeeping] = queues as [Queue, Queue, Queue, Queue];

// Polls that ran: most fine, a few failing the way feeds fail. The worker stays connected for the picture.
await poll.addBulk(Array.from({ length: 48 }, (_, i) => ({ name: 'poll', data: { feedId: `feed-${i}` } })));
const pollWorker = new Worker(
  QUEUE_NAMES.pollFeed,
  async (job) => {
    if (Number(String(job.data.feedId).split('-')[1]) % 12 === 5) throw new Error('Timed out after 15 s fetching https://slow.example/feed.xml');
    return { feedId: job.data.feedId, status: 'fetched', newItems: 3 };
  },
  { connection: redis.client(), prefix, concurrency: 8 },
);
while ((await poll.getJobCountByTypes('waiting', 'active')) > 0) await new Promise((r) => setTimeout(r, 50));

// Briefings due later today, and deliveries waiting for a worker.
for (const [index, zone] of ['Europe/Berlin', 'Asia/Tokyo', 'America/New_York'].entries()) {
  await compose.add('compose', { subscriptionId: `telegram/-100${index}`, timezone: zone }, { delay: (index + 1) * 3_600_000 });
}
await housekeeping.upsertJobScheduler('housekeeping', { every: 3_600_000 }, { name: 'housekeeping' });
await deliver.addBulk(Array.from({ length: 12 }, (_, i) => ({ name: 'deliver', data: { briefingId: 'daily-2025-03-11', subscriptionId: `telegram/${1000 + i}` } })));

const server = await startHttpServer({ port: 0, host: '127.0.0.1', metrics: new HeraldMetrics(), dashboard: { ...credentials, queues } });
const authorization = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
const proxy = createServer((incoming, outgoing) => {
  const upstream = forward({ host: '127.0.0.1', port: server.port, path: incoming.url, method: incoming.method, headers: { ...incoming.headers, authorization } }, (answer) => {
    outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(outgoing);
  });
  incoming.pipe(upstream);
});
await new Promise<void>((listening) => proxy.listen(0, '127.0.0.1', listening));
const profile = await mkdtemp(join(tmpdir(), 'herald-chromium-'));
try {
  await promisify(execFile)('chromium', [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    `--user-data-dir=${profile}`,
    '--hide-scrollbars',
    '--window-size=1280,800',
    '--virtual-time-budget=10000',
    `--screenshot=${output}`,
    `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/admin/queues`,
  ]);
  process.stdout.write(`wrote ${output}\n`);
} finally {
  proxy.close();
  await pollWorker.close();
  await server.close();
  await Promise.all(queues.map((queue) => queue.close()));
  await redis.stop();
  await rm(profile, { recursive: true, force: true });
}
