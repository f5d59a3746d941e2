import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runFeeds } from '../../src/cli/feeds.js';
import { parseOpml } from '../../src/feeds/opml.js';
import { createRedisConnection } from '../../src/queue/connection.js';
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

/** Runs `herald feeds …` in this process and returns what it printed. */
async function herald(...positionals: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const capture = (stream: NodeJS.WriteStream, chunks: string[]) =>
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  const out: string[] = [];
  const err: string[] = [];
  const spies = [capture(process.stdout, out), capture(process.stderr, err)];
  try {
    const code = await runFeeds({ config }, positionals);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    for (const spy of spies) spy.mockRestore();
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
    const due = await queue.dueTimes();
    expect([...due.keys()].sort()).toEqual(stored.map((feed) => feed.id).sort());
    // A first poll at once, not at the feed's first slot up to an interval away.
    for (const at of due.values()) expect(at).toBeLessThanOrEqual(Date.now());
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

  it('refuses a file that is not OPML, and a missing file, saying what is wrong with it (not with the command line, as preview does); no file named is a usage mistake', async () => {
    await writeFile(join(dir, 'feed.xml'), '<rss version="2.0"><channel/></rss>');
    expect(await herald('import', join(dir, 'feed.xml'))).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/^herald feeds: .*feed\.xml: .*root element is <rss>[^\n]*\n$/) });
    expect(await herald('import', join(dir, 'absent.opml'))).toEqual({ code: 1, stdout: '', stderr: `herald feeds: cannot read ${join(dir, 'absent.opml')}: no such file\n` });
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

describe('herald feeds list and remove', () => {
  it('lists every feed with its id, who added it and its health, and removes one by URL or by id', async () => {
    await herald('import', join(dir, 'reader.opml'));
    const chat = (await feeds.add({ url: 'https://chat.example/feed', intervalMinutes: 15 })).feed;
    await feeds.saveState(chat.id, { consecutiveFailures: 2, lastError: 'HTTP 404 Not Found', lastPolledAt: new Date().toISOString() });
    const globe = (await feeds.findByUrl('https://globe.example/rss'))!;
    const wire = (await feeds.findByUrl('https://wire.example/feed.xml'))!;
    // As a poll records a permanent redirect onto a URL another feed holds.
    await feeds.saveState(wire.id, { consecutiveFailures: 0, lastSuccessAt: new Date().toISOString(), redirectsTo: globe.url, redirectsToFeedId: globe.id });

    const list = await herald('list');
    expect(list.code).toBe(0);
    const lines = list.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID +ADDED BY +STATUS +EVERY +SECTION +NAME AND URL$/);
    expect(lines.find((line) => line.startsWith(globe.id))).toMatch(/ opml +not read yet +30 min +World +Globe https:\/\/globe\.example\/rss$/);
    expect(lines.find((line) => line.startsWith(chat.id))).toMatch(/ chat +failing ×2 +15 min +- +https:\/\/chat\.example\/feed$/);
    expect(list.stdout).toContain(`Last errors:\n  ${chat.id}: HTTP 404 Not Found`);
    expect(list.stdout).toContain(`Two feeds fetching one document:\n  ${wire.id}: redirects permanently to ${globe.url}, which feed Globe (${globe.id}) already fetches — remove one of them`);

    const byUrl = await herald('remove', 'https://globe.example/rss');
    expect(byUrl).toMatchObject({ code: 0, stdout: 'Removed Globe (https://globe.example/rss): no destination gets it any more.\n' });
    expect((await herald('remove', chat.id)).code).toBe(0);
    const left = await feeds.list();
    expect(left.map((feed) => feed.url)).toEqual(['https://wire.example/feed.xml', 'https://loose.example/atom']);
    expect([...(await queue.dueTimes()).keys()].sort()).toEqual(left.map((feed) => feed.id).sort());

    const missing = await herald('remove', 'https://nowhere.example/feed');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no feed has the id or URL https://nowhere.example/feed; `herald feeds list` shows them.');
    await expect(herald('remove')).rejects.toThrow(/needs the feed's id or URL/);
    await expect(herald('list', 'everything')).rejects.toThrow('unexpected argument "everything"');
  });

  it('removes a feed by the feed:// address it was added from, as imported (as written) or from a chat (normalized)', async () => {
    await writeFile(join(dir, 'browser.opml'), '<opml version="2.0"><body><outline type="rss" text="Browser" xmlUrl="feed://browser.example/rss"/></body></opml>');
    await herald('import', join(dir, 'browser.opml'));
    // /addfeed feed://Chat.example keeps the URL it read, normalized: http://chat.example/.
    await feeds.add({ url: 'http://chat.example/', intervalMinutes: 15 });
    expect(await herald('remove', 'feed://browser.example/rss')).toMatchObject({ code: 0, stdout: 'Removed Browser (http://browser.example/rss): no destination gets it any more.\n' });
    expect((await herald('remove', 'feed://Chat.example')).code).toBe(0);
    expect(await feeds.list()).toEqual([]);
  });

  it('says when a removed feed is still listed in the config, which would add it again', async () => {
    const listing = join(dir, 'listing.yaml');
    await writeFile(listing, `redis:\n  url: ${redis.url}\n  prefix: ${PREFIX}\nfeeds:\n  - https://a.example/feed\n`);
    await feeds.add({ url: 'https://a.example/feed', intervalMinutes: 15, origin: 'config' });
    const plain = config;
    config = listing;
    try {
      const removed = await herald('remove', 'https://a.example/feed');
      expect(removed.stdout).toContain('It is still listed under feeds: in the config, so the next start adds it again: remove it there too.');
    } finally {
      config = plain;
    }
    expect(await feeds.list()).toEqual([]);
  });

  it('says how to add feeds when there are none', async () => {
    expect((await herald('list')).stdout).toContain('No feeds yet');
  });
});
