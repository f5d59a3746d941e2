import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { feedsCommand } from '../../src/cli/feeds.js';
import { UsageError } from '../../src/cli/command.js';
import { parseOpml } from '../../src/feeds/opml.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { pollSchedulerId } from '../../src/queue/names.js';
import { createPollQueue, type PollQueue } from '../../src/queue/poll-jobs.js';
import { FeedStore } from '../../src/store/feeds.js';
import { createKeys } from '../../src/store/keys.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const PREFIX = 'feedscli';
let redis: TestRedis;
let dir: string;
let config: string;
let feeds: FeedStore;
let queue: PollQueue;

const OPML = `<?xml version="1.0"?>
<opml version="2.0"><head><title>Reader export</title></head><body>
  <outline text="World">
    <outline type="rss" text="Globe" xmlUrl="https://globe.example/rss"/>
    <outline type="rss" text="Wire &amp; Co" xmlUrl="https://wire.example/feed.xml"/>
  </outline>
  <outline type="rss" text="Loose" xmlUrl="https://loose.example/atom"/>
  <outline type="rss" text="Intranet" xmlUrl="ftp://files.example/feed"/>
</body></opml>`;

/** Runs `herald feeds …` in this process and returns what it printed on standard output. */
async function herald(...positionals: string[]): Promise<{ code: number; stdout: string }> {
  const chunks: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  const quiet = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await feedsCommand.run({ config }, positionals);
    return { code, stdout: chunks.join('') };
  } finally {
    write.mockRestore();
    quiet.mockRestore();
  }
}

beforeAll(async () => {
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), 'herald-feeds-cli-'));
  config = join(dir, 'herald.config.yaml');
  await writeFile(config, `redis:\n  url: ${redis.url}\n  prefix: ${PREFIX}\ndefaults:\n  interval: 30\n`);
  await writeFile(join(dir, 'reader.opml'), OPML);
  feeds = new FeedStore(redis.client(), createKeys(PREFIX));
  queue = createPollQueue(createRedisConnection(redis.url), PREFIX);
});

afterAll(async () => {
  await queue.close();
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await redis.client().flushall();
});

describe('herald feeds import', () => {
  it('stores each feed with its section, schedules and requests a first poll, and says what it skipped', async () => {
    const { code, stdout } = await herald('import', join(dir, 'reader.opml'));
    expect(code).toBe(0);
    const stored = await feeds.list();
    expect(stored.map(({ url, name, section, intervalMinutes }) => ({ url, name, section, intervalMinutes }))).toEqual([
      { url: 'https://globe.example/rss', name: 'Globe', section: 'World', intervalMinutes: 30 },
      { url: 'https://wire.example/feed.xml', name: 'Wire & Co', section: 'World', intervalMinutes: 30 },
      { url: 'https://loose.example/atom', name: 'Loose', section: undefined, intervalMinutes: 30 },
    ]);
    const schedulers = (await queue.getJobSchedulers()).map((scheduler) => scheduler.key).sort();
    expect(schedulers).toEqual(stored.map((feed) => pollSchedulerId(feed.id)).sort());
    expect(await queue.getJobCountByTypes('waiting', 'delayed', 'prioritized')).toBeGreaterThanOrEqual(stored.length);
    expect(stdout).toContain('+ Globe [World]');
    expect(stdout).toContain('- skipped "Intranet": xmlUrl "ftp://files.example/feed" is not an http(s) URL');
    expect(stdout).toContain('Imported 3 feed(s)');
    expect(stdout).toContain('3 new, 0 already known, 1 skipped.');
  });

  it('imports twice without duplicates: known feeds are reported, not added again', async () => {
    await herald('import', join(dir, 'reader.opml'));
    const { stdout } = await herald('import', join(dir, 'reader.opml'));
    expect(await feeds.list()).toHaveLength(3);
    expect(stdout).toContain('= Globe [World] (already known)');
    expect(stdout).toContain('0 new, 3 already known');
  });

  it('refuses a file that is not OPML, and a missing file, as usage mistakes', async () => {
    await writeFile(join(dir, 'feed.xml'), '<rss version="2.0"><channel/></rss>');
    await expect(herald('import', join(dir, 'feed.xml'))).rejects.toThrow(/root element is <rss>/);
    await expect(herald('import', join(dir, 'absent.opml'))).rejects.toBeInstanceOf(UsageError);
    await expect(herald('import')).rejects.toThrow(/needs the OPML file/);
    expect(await feeds.list()).toEqual([]);
  });
});

describe('herald feeds export', () => {
  it('writes the stored feeds as OPML with their sections, to a file or standard output', async () => {
    await feeds.add({ url: 'https://a.example/feed', name: 'A <one>', section: 'Tech', intervalMinutes: 15 });
    await feeds.add({ url: 'https://b.example/feed', intervalMinutes: 15 });
    const file = join(dir, 'export.opml');
    expect((await herald('export', file)).code).toBe(0);
    const expected = [{ url: 'https://a.example/feed', title: 'A <one>', section: 'Tech' }, { url: 'https://b.example/feed' }];
    expect(parseOpml(await readFile(file, 'utf8')).feeds).toEqual(expected);
    expect(parseOpml((await herald('export')).stdout).feeds).toEqual(expected);
  });

  it('round-trips through import into an empty Herald', async () => {
    await herald('import', join(dir, 'reader.opml'));
    const exported = (await herald('export')).stdout;
    await redis.client().flushall();
    await writeFile(join(dir, 'again.opml'), exported);
    await herald('import', join(dir, 'again.opml'));
    expect((await feeds.list()).map(({ url, name, section }) => ({ url, name, section }))).toEqual([
      { url: 'https://globe.example/rss', name: 'Globe', section: 'World' },
      { url: 'https://wire.example/feed.xml', name: 'Wire & Co', section: 'World' },
      { url: 'https://loose.example/atom', name: 'Loose', section: undefined },
    ]);
  });
});
