import type { Redis } from 'ioredis';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { BACKOFF_CAP_MS, nextAttemptDelayMs } from '../../src/feeds/backoff.js';
import type { Feed, Item } from '../../src/feeds/item.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { createPollQueue, type PollQueue } from '../../src/queue/poll-jobs.js';
import { nextPollAt } from '../../src/queue/schedulers.js';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log.js';
import { describeHealth } from '../../src/commands/feed-health.js';
import { en } from '../../src/i18n/en.js';
import { createPollFeedDeps, type PollFeedDeps, type PollResult } from '../../jobs/poll-feed.js';
import { startPollWorker, type PollWorker } from '../../jobs/poll-worker.js';
import { startFeedServer, type FeedServer } from '../emulators/feed-server.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const PREFIX = 'polltest';
const HOUR_MS = 3_600_000;

let redisServer: TestRedis;
let feedServer: FeedServer;
let connection: Redis;
let queue: PollQueue;
let worker: PollWorker;
let deps: PollFeedDeps;
/** The worker's clock; tests move it forward past backoff windows. */
let clock = Date.now();
/** Every line the poll worker logged, parsed. */
const logLines: Record<string, unknown>[] = [];
const delivered: { feedId: string; items: Item[] }[] = [];

function rss(entries: { id: string; title: string }[]): string {
  const items = entries
    .map((e) => `<item><guid>https://news.example/${e.id}</guid><link>https://news.example/${e.id}</link><title>${e.title}</title><description>About ${e.title}.</description></item>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Test feed</title><link>https://news.example/</link>${items}</channel></rss>`;
}

const story = (id: string) => ({ id, title: `Story ${id}` });

async function addFeed(path: string): Promise<Feed> {
  return (await deps.feeds.add({ url: feedServer.url(path), intervalMinutes: 15 })).feed;
}

/** The result of the next poll of the feed the worker records. */
function nextPoll(feedId: string): Promise<PollResult> {
  return new Promise((resolve, reject) => {
    const onPolled = (result: PollResult) => {
      if (result.feedId !== feedId) return;
      off();
      resolve(result);
    };
    const onFailed = (failedId: string, error: Error) => {
      if (failedId !== feedId) return;
      off();
      reject(error);
    };
    const off = () => {
      worker.off('polled', onPolled);
      worker.off('failed', onFailed);
    };
    worker.on('polled', onPolled);
    worker.on('failed', onFailed);
  });
}

/** Asks for a poll of the feed now (by the worker's clock) and returns its result. */
async function poll(feedId: string): Promise<PollResult> {
  const result = nextPoll(feedId);
  await queue.requestPoll(feedId, clock);
  return result;
}

function requestsTo(path: string) {
  return feedServer.requests.filter((request) => request.path === path);
}

beforeAll(async () => {
  redisServer = await startRedis();
  feedServer = await startFeedServer();
  connection = createRedisConnection(redisServer.url);
  queue = createPollQueue(connection, PREFIX);
  const config = parseConfig({ redis: { prefix: PREFIX }, fetch: { allowHosts: [feedServer.host], timeoutMs: 20_000 } });
  deps = {
    ...createPollFeedDeps(connection, config, { onNewItems: async (items, feed) => void delivered.push({ feedId: feed.id, items }) }),
    now: () => new Date(clock),
    random: () => 0.5,
  };
  const logSink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>));
      done();
    },
  });
  worker = startPollWorker(deps, { concurrency: 4, logger: createLogger({ destination: logSink, level: 'debug' }) });
});

afterAll(async () => {
  await worker.close();
  connection.disconnect();
  await feedServer.close();
  await redisServer.stop();
});

describe('the poll worker', () => {
  it('stores a new feed’s items, then polls conditionally and adds only what changed', async () => {
    feedServer.setFeed('/news.xml', rss([story('1'), story('2')]), { etag: '"v1"' });
    const feed = await addFeed('/news.xml');

    expect(await poll(feed.id)).toEqual({ feedId: feed.id, feed: feed.url, status: 'fetched', newItems: 2 });
    // The log line names the feed (its URL, as it has no name), not only its id.
    await expect.poll(() => logLines.some((line) => line.msg === `feed polled: ${feed.url}, 2 new items`)).toBe(true);
    expect(delivered.filter((d) => d.feedId === feed.id).flatMap((d) => d.items.map((i) => i.title))).toEqual(['Story 1', 'Story 2']);
    expect(await deps.feeds.getState(feed.id)).toMatchObject({ etag: '"v1"', consecutiveFailures: 0 });

    const storedBefore = await deps.items.inWindow(new Date(0), new Date(clock + HOUR_MS));
    expect(await poll(feed.id)).toEqual({ feedId: feed.id, feed: feed.url, status: 'not-modified', newItems: 0 });
    expect(requestsTo('/news.xml').at(-1)?.headers['if-none-match']).toBe('"v1"');
    expect(await deps.items.inWindow(new Date(0), new Date(clock + HOUR_MS))).toEqual(storedBefore);
    expect(delivered.filter((d) => d.feedId === feed.id)).toHaveLength(1);

    feedServer.setFeed('/news.xml', rss([story('3'), story('1'), story('2')]), { etag: '"v2"' });
    expect(await poll(feed.id)).toEqual({ feedId: feed.id, feed: feed.url, status: 'fetched', newItems: 1 });
    expect(delivered.filter((d) => d.feedId === feed.id).at(-1)?.items.map((i) => i.title)).toEqual(['Story 3']);
    expect(await deps.feeds.getState(feed.id)).toMatchObject({ etag: '"v2"' });
  });

  it('polls a feed by itself at its next slot, its own phase of its interval', async () => {
    feedServer.setFeed('/regular.xml', rss([story('r1')]), { etag: '"r1"' });
    const feed = await addFeed('/regular.xml');
    expect((await poll(feed.id)).status).toBe('fetched');
    const due = nextPollAt(feed, clock);
    expect(await queue.dueAt(feed.id)).toBe(due);
    clock = due;
    expect(await nextPoll(feed.id)).toMatchObject({ status: 'not-modified' });
    expect(await queue.dueAt(feed.id)).toBe(due + 15 * 60_000);
    expect(requestsTo('/regular.xml')).toHaveLength(2);
  });

  it('stores an entry carried by two feeds once', async () => {
    feedServer.setFeed('/first.xml', rss([story('shared'), story('own-1')]));
    feedServer.setFeed('/second.xml', rss([story('shared'), story('own-2')]));
    const first = await addFeed('/first.xml');
    const second = await addFeed('/second.xml');
    expect((await poll(first.id)).newItems).toBe(2);
    expect(await poll(second.id)).toMatchObject({ newItems: 1, duplicatesDropped: 1 });
  });

  it('backs off after a failure, honours Retry-After, and disables the feed after 10 failures in a row', async () => {
    feedServer.setRoute('/broken.xml', (_req, res) => res.writeHead(500).end('oops'));
    const feed = await addFeed('/broken.xml');
    const first = await poll(feed.id);
    expect(first).toMatchObject({ status: 'failed', detail: expect.stringContaining('HTTP 500'), errorKind: 'http' });
    // A feed problem completes the job, but the operator still sees it in the log as a warning, naming the feed.
    const warning = `feed polled: ${feed.url}, failed: ${first.detail}`;
    await expect.poll(() => logLines.some((line) => line.msg === warning && line.level === 40 && line.feedId === feed.id)).toBe(true);
    const state = await deps.feeds.getState(feed.id);
    expect(state).toMatchObject({ consecutiveFailures: 1, lastError: first.detail });
    expect(Date.parse(state.retryAfter!) - clock).toBe(nextAttemptDelayMs(1, 0.5));
    // The schedule brings it back when the backoff ends, not at its next slot.
    expect(await queue.dueAt(feed.id)).toBe(Date.parse(state.retryAfter!));

    const requestsBefore = requestsTo('/broken.xml').length;
    expect(await poll(feed.id)).toMatchObject({ status: 'skipped', detail: 'backing-off' });
    expect(requestsTo('/broken.xml').length).toBe(requestsBefore);
    expect(await queue.dueAt(feed.id)).toBe(Date.parse(state.retryAfter!));

    for (let failures = 2; failures <= 10; failures++) {
      // Past the longest backoff: the worker polls it again by itself.
      clock += BACKOFF_CAP_MS + 1;
      expect((await nextPoll(feed.id)).status).toBe(failures < 10 ? 'failed' : 'disabled');
    }
    const disabled = await deps.feeds.getState(feed.id);
    expect(disabled).toMatchObject({ consecutiveFailures: 10, disabledAt: new Date(clock).toISOString() });
    expect(disabled.disabledReason).toMatch(/^Disabled after 10 failed polls in a row\. Last error: .*HTTP 500/);
    expect(await queue.dueAt(feed.id)).toBeUndefined();

    clock += BACKOFF_CAP_MS + 1;
    expect(await poll(feed.id)).toMatchObject({ status: 'skipped', detail: 'disabled' });
    expect(await queue.dueAt(feed.id)).toBeUndefined();
  });

  it('waits as long as a 429 says', async () => {
    feedServer.setRoute('/busy.xml', (_req, res) => res.writeHead(429, { 'retry-after': '86400' }).end());
    const feed = await addFeed('/busy.xml');
    expect((await poll(feed.id)).status).toBe('failed');
    expect(Date.parse((await deps.feeds.getState(feed.id)).retryAfter!) - clock).toBeGreaterThanOrEqual(86_400_000);
  });

  it('records a feed that is not a feed as a failure with the parser’s message', async () => {
    feedServer.setFeed('/page.html', '<html><body>Hello</body></html>', { contentType: 'text/html' });
    const feed = await addFeed('/page.html');
    const result = await poll(feed.id);
    expect(result).toMatchObject({ status: 'failed', errorKind: 'parse' });
    expect((await deps.feeds.getState(feed.id)).lastError).toBe(result.detail);
  });

  it('moves a feed to the URL a permanent redirect points to', async () => {
    feedServer.setFeed('/moved-here.xml', rss([story('moved')]));
    feedServer.redirect('/old-home.xml', feedServer.url('/moved-here.xml'), 301);
    const feed = await addFeed('/old-home.xml');
    expect((await poll(feed.id)).status).toBe('fetched');
    expect((await deps.feeds.get(feed.id))?.url).toBe(feedServer.url('/moved-here.xml'));
    expect((await deps.feeds.findByUrl(feedServer.url('/old-home.xml')))?.id).toBe(feed.id);
    await poll(feed.id);
    expect(requestsTo('/old-home.xml')).toHaveLength(1);
  });

  it('keeps a feed at its URL and still polls it when a permanent redirect points at another feed’s URL, which stays that feed’s', async () => {
    feedServer.setFeed('/taken.xml', rss([story('taken')]));
    feedServer.redirect('/moving.xml', feedServer.url('/taken.xml'), 301);
    const holder = await addFeed('/taken.xml');
    const feed = await addFeed('/moving.xml');
    expect(await poll(feed.id)).toMatchObject({ status: 'fetched', newItems: 1 });
    expect(await deps.feeds.get(feed.id)).toEqual(feed);
    expect((await deps.feeds.findByUrl(feedServer.url('/taken.xml')))?.id).toBe(holder.id);
    // Not moved, so the next poll goes by the redirect again.
    await poll(feed.id);
    expect(requestsTo('/moving.xml')).toHaveLength(2);
  });

  it('shows in a feed’s health that its permanent redirect leads onto another feed’s URL, and logs it once, not at every poll', async () => {
    feedServer.setFeed('/followed.xml', rss([story('followed')]), { etag: '"f1"' });
    feedServer.redirect('/duplicate.xml', feedServer.url('/followed.xml'), 301);
    const { feed: holder } = await deps.feeds.add({ url: feedServer.url('/followed.xml'), name: 'Followed News', intervalMinutes: 15 });
    const feed = await addFeed('/duplicate.xml');
    const conflict = `redirects permanently to ${holder.url}, which feed Followed News (${holder.id}) already fetches — remove one of them`;
    // As /feeds shows it: the listing names the feed holding the URL.
    const health = async () => describeHealth((await deps.feeds.listWithState()).find((entry) => entry.feed.id === feed.id)!.state, new Date(clock), en);
    const linesOf = (level: number, start: string) => logLines.filter((line) => line.feedId === feed.id && line.level === level && String(line.msg).startsWith(start));
    // A fetch, then two polls answered 304 (the redirect is followed at each).
    expect(await poll(feed.id)).toMatchObject({ status: 'fetched' });
    expect(await poll(feed.id)).toMatchObject({ status: 'not-modified' });
    expect(await poll(feed.id)).toMatchObject({ status: 'not-modified' });
    expect(await health()).toBe(`✅ ok, last read 0 min ago; ↪️ ${conflict}`);
    // The state keeps the other feed's id, not its name, which may change.
    expect(await deps.feeds.getState(feed.id)).toMatchObject({ redirectsTo: holder.url, redirectsToFeedId: holder.id });
    expect(await deps.feeds.getState(feed.id)).not.toHaveProperty('redirectsToFeedName');
    await expect.poll(() => logLines.filter((line) => line.feedId === feed.id && String(line.msg).startsWith('feed polled')).length).toBe(3);
    expect(linesOf(40, `feed ${feed.url}`).map((line) => [line.msg, line.redirectsToFeedId])).toEqual([[`feed ${feed.url} ${conflict}`, holder.id]]);
    expect(linesOf(40, `feed ${feed.url}`)[0]).toMatchObject({ redirectsTo: holder.url, redirectsToFeedName: 'Followed News' });

    // With the other feed removed, the next poll moves this one to the URL: the line goes, and the log says so once.
    await deps.feeds.remove(holder.id);
    await poll(feed.id);
    await poll(feed.id);
    expect((await deps.feeds.get(feed.id))?.url).toBe(holder.url);
    expect(await health()).toBe('✅ ok, last read 0 min ago');
    await expect.poll(() => logLines.filter((line) => line.feedId === feed.id && String(line.msg).startsWith('feed polled')).length).toBe(5);
    expect(linesOf(30, `feed ${feed.url} no longer`)).toHaveLength(1);
    expect(linesOf(40, `feed ${feed.url}`)).toHaveLength(1);
  });

  it('never polls one feed twice at once: a poll asked for during one runs right after it', async () => {
    const held: ServerResponse[] = [];
    feedServer.setRoute('/slow.xml', (_req, res) => void held.push(res));
    const feed = await addFeed('/slow.xml');
    const first = poll(feed.id);
    await expect.poll(() => held.length, { timeout: 20_000 }).toBe(1);
    await queue.requestPoll(feed.id, clock);
    // The worker found it due while its poll was in flight, and left it for later.
    await expect.poll(() => connection.sismember(deps.queue.keys.pollAsked(), feed.id), { timeout: 20_000 }).toBe(1);
    expect(held).toHaveLength(1);
    const second = nextPoll(feed.id).then(() => nextPoll(feed.id));
    held[0]!.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss([story('slow')]));
    expect(await first).toMatchObject({ status: 'fetched', newItems: 1 });
    await expect.poll(() => held.length, { timeout: 20_000 }).toBe(2);
    held[1]!.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss([story('slow')]));
    expect(await second).toMatchObject({ status: 'fetched', newItems: 0 });
    expect(await queue.dueAt(feed.id)).toBe(nextPollAt(feed, clock));
  });

  it('skips a feed removed after it was scheduled, and takes it out of the schedule', async () => {
    const feed = await addFeed('/removed.xml');
    await deps.feeds.remove(feed.id);
    // As a poll asked for just as the feed was removed would leave it.
    expect(await poll(feed.id)).toMatchObject({ status: 'skipped', detail: 'removed' });
    expect(requestsTo('/removed.xml')).toHaveLength(0);
    expect(await queue.dueAt(feed.id)).toBeUndefined();
  });
});
