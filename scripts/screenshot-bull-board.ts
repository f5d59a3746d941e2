/**
 * Renders docs/bull-board.png: starts a private redis-server, fills Herald's queues with jobs in
 * every state (deliveries done and failed, briefings scheduled, deliveries waiting), serves bull-board
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
import { bullPrefix, openQueue, QUEUE_NAMES } from '../src/queue/names.js';
import { startRedis } from '../test/support/redis.js';

const output = resolve(process.argv[2] ?? 'docs/bull-board.png');
const credentials = { user: 'ops', password: 'screenshot-only-password' };
const prefix = bullPrefix('herald');

const redis = await startRedis();
const connection = redis.client();
// The queues a running Herald shows on its dashboard (polls run from a schedule, not as jobs).
const [compose, deliver, housekeeping] = [QUEUE_NAMES.compose, QUEUE_NAMES.deliver, QUEUE_NAMES.housekeeping].map((name) => openQueue(name, connection)) as [Queue, Queue, Queue];
const queues = [compose, deliver, housekeeping];

// Deliveries that ran: most fine, a few refused the way chats refuse. The worker stays connected for the picture.
await deliver.addBulk(Array.from({ length: 36 }, (_, i) => ({ name: 'deliver', data: { briefingId: 'daily-2025-03-11', subscriptionId: `telegram/${1000 + i}` } })));
const deliverWorker = new Worker(
  QUEUE_NAMES.deliver,
  async (job) => {
    if (Number(String(job.data.subscriptionId).split('/')[1]) % 12 === 5) throw new Error('Telegram refused the message: 403 Forbidden: bot was blocked by the user');
    return { status: 'delivered', parts: 2 };
  },
  { connection: redis.client(), prefix, concurrency: 8 },
);
while ((await deliver.getJobCountByTypes('waiting', 'active')) > 0) await new Promise((r) => setTimeout(r, 50));

// Briefings due later today, and deliveries of the next one waiting (the worker paused, still connected).
await deliverWorker.pause();
for (const [index, zone] of ['Europe/Berlin', 'Asia/Tokyo', 'America/New_York'].entries()) {
  await compose.add('compose', { subscriptionId: `telegram/-100${index}`, timezone: zone }, { delay: (index + 1) * 3_600_000 });
}
await housekeeping.upsertJobScheduler('housekeeping', { every: 3_600_000 }, { name: 'housekeeping' });
await deliver.addBulk(Array.from({ length: 12 }, (_, i) => ({ name: 'deliver', data: { briefingId: 'daily-2025-03-12', subscriptionId: `telegram/${2000 + i}` } })));

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
  await deliverWorker.close();
  await server.close();
  await Promise.all(queues.map((queue) => queue.close()));
  await redis.stop();
  await rm(profile, { recursive: true, force: true });
}
