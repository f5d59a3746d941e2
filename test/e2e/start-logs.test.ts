/**
 * What `herald start` (the built CLI) says as it starts: readable lines when asked (as at a
 * terminal), the feeds loaded, the next briefing in its time zone, polls naming their feed, and
 * a dead REDIS_URL explained until Redis answers.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startFeedServer, type FeedServer } from '../emulators/feed-server.js';
import { CITY_DESK_FEED, startHeraldProcess, type HeraldProcess } from '../support/herald-process.js';
import { freePort, startRedis, type TestRedis } from '../support/redis.js';

const LONG = 120_000;
const ISO_TIME = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;

let redis: TestRedis;
let feedServer: FeedServer;
let dir: string;
let running: HeraldProcess | undefined;

beforeAll(async () => {
  [redis, feedServer] = await Promise.all([startRedis(), startFeedServer()]);
  feedServer.setFeed('/city.xml', CITY_DESK_FEED);
  dir = await mkdtemp(join(tmpdir(), 'herald-logs-'));
});
afterEach(() => {
  running?.kill();
  running = undefined;
});
afterAll(async () => {
  await Promise.all([feedServer?.close(), redis?.stop()]);
});

async function config(name: string, lines: string[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, lines.join('\n'));
  return file;
}

it('says in readable lines how many feeds it loaded, when the next briefing is, and which feed it polled', { timeout: LONG }, async () => {
  const file = await config('feeds.yaml', [
    'defaults:',
    '  briefingTime: "07:30"',
    '  timezone: Asia/Tokyo',
    'feeds:',
    `  - url: ${feedServer.url('/city.xml')}`,
    '    name: City Desk',
    'fetch:',
    `  allowHosts: ["${feedServer.host}"]`,
  ]);
  running = startHeraldProcess(file, { REDIS_URL: redis.url, HERALD_PREFIX: 'logs-feeds', HERALD_HEALTH_PORT: String(await freePort()), LOG_FORMAT: 'pretty', TELEGRAM_BOT_TOKEN: '', DISCORD_BOT_TOKEN: '' });
  await running.waitForOutput('feed polled: City Desk, 1 new item');
  const output = running.output();
  expect(output).toMatch(new RegExp(`^\\[${ISO_TIME}\\] INFO: 1 feed loaded, 1 polled`, 'm'));
  // No token: briefings are printed here, at the configured time in the configured zone.
  expect(output).toMatch(new RegExp(`^\\[${ISO_TIME}\\] INFO: next briefing for this console: \\d{4}-\\d\\d-\\d\\dT07:30:00\\+09:00 \\(Asia/Tokyo\\)`, 'm'));
  expect(output).not.toMatch(/^\{"level"/m);
  running.child.kill('SIGTERM');
  expect(await running.exited).toBe(0);
});

it('warns when there are no feeds', { timeout: LONG }, async () => {
  const file = await config('empty.yaml', ['feeds: []']);
  running = startHeraldProcess(file, { REDIS_URL: redis.url, HERALD_PREFIX: 'logs-empty', HERALD_HEALTH_PORT: String(await freePort()), TELEGRAM_BOT_TOKEN: '', DISCORD_BOT_TOKEN: '' });
  await running.waitForOutput('Herald is running');
  const warning = running
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .find((line) => line.msg.startsWith('no feeds'));
  expect(warning).toMatchObject({ level: 40, msg: expect.stringContaining('every briefing will be empty') });
});

it('explains a dead REDIS_URL and starts once Redis answers', { timeout: LONG }, async () => {
  const dead = await startRedis();
  await dead.down();
  try {
    const file = await config('dead-redis.yaml', ['feeds: []']);
    running = startHeraldProcess(file, { REDIS_URL: dead.url, HERALD_PREFIX: 'logs-dead', HERALD_HEALTH_PORT: String(await freePort()), TELEGRAM_BOT_TOKEN: '', DISCORD_BOT_TOKEN: '' });
    await running.waitForOutput(`Redis at ${dead.url} does not answer (connect ECONNREFUSED 127.0.0.1:${dead.port})`);
    expect(running.output()).toContain('Check that redis-server is running there');
    expect(running.output()).toContain('`npx herald doctor`');
    expect(running.output()).not.toContain('Herald is running');
    await dead.up();
    await running.waitForOutput(`Redis at ${dead.url} answers after`);
    await running.waitForOutput('Herald is running');
  } finally {
    running?.kill();
    await dead.stop();
  }
});
