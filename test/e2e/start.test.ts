import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPOSE_JOB_NAME, createComposeQueue } from '../../src/queue/compose-jobs.js';
import { createKeys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import { startFeedServer, type FeedServer } from '../emulators/feed-server.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const root = resolve(import.meta.dirname, '..', '..');

/** `herald start` as a user runs it, with its output collected. */
function startHerald(configFile: string, redisUrl: string): { child: ChildProcessWithoutNullStreams; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(root, 'dist/src/cli.js'), 'start', '--config', configFile], {
    cwd: root,
    env: { ...process.env, REDIS_URL: redisUrl, TELEGRAM_BOT_TOKEN: '', DISCORD_BOT_TOKEN: '', LOG_LEVEL: 'info' },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return { child, output: () => output, exited };
}

async function waitFor(description: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${description}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('herald start with no bot tokens', () => {
  let redis: TestRedis;
  let feedServer: FeedServer;
  let configFile: string;
  let localFeed: string;

  /** The config under test: a web feed, a local feed file, and the console briefing time. */
  async function writeConfig(briefingTime: string): Promise<void> {
    await writeFile(
      configFile,
      [
        `defaults:`,
        `  briefingTime: "${briefingTime}"`,
        `feeds:`,
        `  - url: ${feedServer.url('/city.xml')}`,
        `    name: City Desk`,
        `  - url: ${localFeed}`,
        `fetch:`,
        `  allowHosts: ["${feedServer.host}"]`,
        `health:`,
        `  port: 0`,
      ].join('\n'),
    );
  }

  beforeAll(async () => {
    redis = await startRedis();
    feedServer = await startFeedServer();
    feedServer.setFeed(
      '/city.xml',
      `<?xml version="1.0"?><rss version="2.0"><channel><title>City Desk</title>
        <item><title>Tram line 4 extended to the harbour</title><link>https://city.example/tram</link>
          <pubDate>${new Date(Date.now() - 3_600_000).toUTCString()}</pubDate>
          <description>The city council approved the extension of tram line 4 to the harbour district on Tuesday.</description></item>
      </channel></rss>`,
    );
    const dir = await mkdtemp(join(tmpdir(), 'herald-start-'));
    configFile = join(dir, 'herald.config.yaml');
    localFeed = join(dir, 'harbour.xml');
    await writeFile(
      localFeed,
      `<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Log</title>
        <item><title>Ferry timetable changes for winter</title><link>https://harbour.example/ferry</link>
          <description>The winter ferry timetable starts on Monday with fewer evening crossings.</description></item>
      </channel></rss>`,
    );
    await writeConfig('07:30');
  });
  afterAll(async () => {
    await feedServer.close();
    await redis.stop();
  });

  it('polls its feeds at once, prints briefings on the console, and shuts down cleanly on SIGTERM', async () => {
    const herald = startHerald(configFile, redis.url);
    try {
      await waitFor('Herald is running', () => herald.output().includes('Herald is running'));
      expect(herald.output()).toContain('briefings are printed on this console');

      // The new feed is polled right away, not at its first scheduled slot.
      await waitFor('the feed was polled', () => feedServer.requests.some((request) => request.path === '/city.xml'));

      // With no token there is a console subscription; its briefing is printed, not lost.
      const subscriptions = new SubscriptionStore(redis.client(), createKeys('herald'));
      const [printed] = await subscriptions.list();
      expect(printed?.destination.platform).toBe('console');
      const composeQueue = createComposeQueue(redis.client());
      // Both feeds (the web one and the file) are polled at start, each in its own job: wait until
      // both items are placed in stories, which is what a briefing reads.
      await waitFor('the polls placed both items', async () => (await redis.client().keys('herald:story-of:*')).length >= 2);
      await composeQueue.add(COMPOSE_JOB_NAME, { subscriptionId: printed!.id });
      await waitFor('the briefing is printed', () => herald.output().includes('Tram line 4 extended to the harbour'));
      // A feed file from the config is polled like a web feed.
      expect(herald.output()).toContain('Ferry timetable changes for winter');
      // The console shows each source's link, and no hashtags (a Telegram setting by default).
      expect(herald.output()).toContain('🔗 City Desk <https://city.example/tram>');
      expect(herald.output()).not.toMatch(/#topstories\d{6}/);
      await composeQueue.close();

      herald.child.kill('SIGTERM');
      expect(await herald.exited).toBe(0);
      expect(herald.output()).toContain('shut down cleanly');
    } finally {
      herald.child.kill('SIGKILL');
    }
  });

  it('moves the console briefing when the configured briefing time changes', async () => {
    await writeConfig('05:45');
    const herald = startHerald(configFile, redis.url);
    try {
      await waitFor('Herald is running', () => herald.output().includes('Herald is running'));
      const [printed] = await new SubscriptionStore(redis.client(), createKeys('herald')).list();
      expect(printed?.schedule.weekdays).toEqual(['05:45']);
      herald.child.kill('SIGTERM');
      expect(await herald.exited).toBe(0);
    } finally {
      herald.child.kill('SIGKILL');
    }
  });
});
