/**
 * The command core over real Redis, BullMQ queues and a local feed server: every command's
 * argument problems (table-driven), refusals that change nothing, and the main flows.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCommandRunner, type CommandContext, type CommandReply, type CommandRequest, type RunCommand } from '../../src/commands/index.js';
import { createCommandServices } from '../../src/commands/services-wiring.js';
import type { CommandServices } from '../../src/commands/services.js';
import { parseConfig } from '../../src/config/load.js';
import { defaultFetchOptions } from '../../src/feeds/fetch.js';
import { createComposeQueue, type ComposeQueue } from '../../src/queue/compose-jobs.js';
import { createDeliverQueue, deliveryJobId, type DeliverQueue } from '../../src/queue/deliver-jobs.js';
import { BriefingStore } from '../../src/store/briefings.js';
import { DeliveryStore } from '../../src/store/deliveries.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { createPollQueue, type PollQueue } from '../../src/queue/poll-jobs.js';
import { createKeys } from '../../src/store/keys.js';
import { subscriptionIdFor } from '../../src/store/subscriptions.js';
import { startFeedServer, type FeedServer } from '../emulators/feed-server.js';
import { saveTestBriefing } from '../support/delivery-rig.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const PREFIX = 'cmd';
let redisServer: TestRedis;
let redis: Redis;
let feedServer: FeedServer;
let pollQueue: PollQueue;
let composeQueue: ComposeQueue;
let deliverQueue: DeliverQueue;
let services: CommandServices;
let run: RunCommand;

function rss(title: string, entries: string[]): string {
  const items = entries.map((entry, i) => `<item><title>${entry}</title><link>https://news.example/${encodeURIComponent(title)}/${i}</link><guid>${title}-${i}</guid><pubDate>${new Date(Date.now() - i * 60_000).toUTCString()}</pubDate><description>${entry}. A sentence about it.</description></item>`);
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>${title}</title><link>https://news.example/</link>${items.join('')}</channel></rss>`;
}

const GROUP = { platform: 'telegram', chatId: '-100500', channelKind: 'supergroup' } as const;

function context(overrides: Partial<CommandContext> = {}): CommandContext {
  return { platform: 'telegram', user: { id: '7', name: 'Ada' }, target: GROUP, targetLabel: '"Newsroom"', canManage: true, isOwner: false, ...overrides };
}

function command(name: CommandRequest['name'], args: string[] = [], options: CommandRequest['options'] = {}, attachment?: CommandRequest['attachment']): CommandRequest {
  return { name, args, options, ...(attachment ? { attachment } : {}) };
}

/** Everything the commands can change, to assert that a refusal changed nothing. */
async function snapshot(): Promise<unknown> {
  return { feeds: await services.feeds.list(), subscriptions: await services.subscriptions.list(), schedulers: (await composeQueue.getJobSchedulers()).map((s) => s.key).sort() };
}

const opml = (body: string) => ({ name: 'feeds.opml', content: new TextEncoder().encode(body) });

beforeAll(async () => {
  redisServer = await startRedis();
  redis = createRedisConnection(redisServer.url);
  feedServer = await startFeedServer();
  feedServer.setFeed('/world.xml', rss('World Wire', ['Summit opens', 'Rivers rise']));
  feedServer.setFeed('/tech.xml', rss('Tech Daily', ['Chip launched']));
  feedServer.setRoute('/site', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html><head><title>Site</title><link rel="alternate" type="application/rss+xml" href="/tech.xml"></head><body>hi</body></html>');
  });
  feedServer.setRoute('/plain-page', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><html><head><title>No feed</title></head><body>nothing</body></html>');
  });
  feedServer.setRoute('/junk.xml', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end('this is not xml at all');
  });
  const config = parseConfig({ fetch: { allowHosts: [feedServer.host], timeoutMs: 5000 }, defaults: { timezone: 'Europe/Berlin', briefingTime: '07:30' } });
  pollQueue = createPollQueue(redis, PREFIX);
  composeQueue = createComposeQueue(redis, PREFIX);
  deliverQueue = createDeliverQueue(redis, PREFIX);
  services = createCommandServices({ config: { ...config, redis: { ...config.redis, prefix: PREFIX } }, redis, keys: createKeys(PREFIX), pollQueue, composeQueue, deliverQueue, fetchOptions: defaultFetchOptions(config.fetch) });
  run = createCommandRunner(services);
}, 30_000);

afterAll(async () => {
  await pollQueue.close();
  await composeQueue.close();
  await deliverQueue.close();
  redis.disconnect();
  await feedServer.close();
  await redisServer.stop();
});

beforeEach(async () => {
  await redis.flushall();
});

async function subscribed(): Promise<void> {
  expect((await run(command('subscribe'), context())).ok).toBe(true);
}

describe('bad arguments: each says what was wrong and shows an example, and changes nothing', () => {
  const cases: Array<[string, CommandRequest, RegExp]> = [
    ['subscribe: a time past midnight', command('subscribe', ['25:00']), /"25:00" is not a time of day/],
    ['subscribe: an unknown time zone', command('subscribe', ['07:30', 'Mars/Base']), /"Mars\/Base" is not an IANA time zone/],
    ['unsubscribe: stray words', command('unsubscribe', ['please']), /Did not understand "please"/],
    ['feeds: stray words', command('feeds', ['all']), /takes no arguments/],
    ['addfeed: a section but no URL', command('addfeed', [], { section: 'World' }), /Give the address of a feed/],
    ['addfeed: not a web address', command('addfeed', ['ftp://example.com/feed']), /is not a web address/],
    ['addfeed: interval out of range', command('addfeed', ['https://example.com/feed.xml', '0']), /"0" is not a poll interval/],
    ['addfeed: section too long', command('addfeed', ['https://example.com/feed.xml'], { section: 'x'.repeat(41) }), /too long/],
    ['addfeed: private address (SSRF guard)', command('addfeed', ['http://10.1.2.3/feed.xml']), /10\.1\.2\.3/],
    ['addfeed: a feed:// address stands for http://, still behind the SSRF guard', command('addfeed', ['feed://10.1.2.3/feed.xml']), /Refused http:\/\/10\.1\.2\.3\/feed\.xml: it resolves to 10\.1\.2\.3, a private network address/],
    ['addfeed: feed: before another scheme', command('addfeed', ['feed:ftp://example.com/feed']), /"feed:ftp:\/\/example\.com\/feed" is not a web address/],
    ['removefeed: nothing named', command('removefeed'), /Say which feed/],
    ['removefeed: no such number', command('removefeed', ['9']), /No feed 9/],
    ['removefeed: unknown scope', command('removefeed', ['1', 'sideways']), /Did not understand "sideways"/],
    ['schedule: a stray word', command('schedule', ['07:30', 'UTC', 'daily']), /Did not understand "daily"/],
    ['schedule: a bad weekday time', command('schedule', [], { weekdays: '7' }), /"7" is not a time of day/],
    ['schedule: daily and weekdays at once', command('schedule', ['08:00'], { weekdays: '07:00' }), /not both/],
    ['settings: a name without a value', command('settings', ['bullets']), /"bullets" has no value/],
    ['settings: an unknown setting', command('settings', [], { colour: 'red' }), /no setting "colour"/],
    ['settings: bullets out of range', command('settings', [], { bullets: '0' }), /bullets must be a whole number from 1 to 100/],
    ['settings: a bad language', command('settings', [], { language: 'not a language' }), /is not a language code/],
    ['settings: a bad empty-window choice', command('settings', [], { empty: 'maybe' }), /empty must be "message"/],
    ['settings: previews neither on nor off', command('settings', [], { previews: 'perhaps' }), /previews must be on or off/],
    ['mute: an unknown action', command('mute', ['shout']), /"shout" is not list, add or remove/],
    ['mute: no keyword', command('mute', ['add']), /Give a keyword/],
    ['mute: a regular expression', command('mute', ['add', '(crypto|nft)']), /plain words/],
    ['boost: removing what is not there', command('boost', ['remove', 'weather']), /"weather" is not on the boost list/],
    ['preview: stray words', command('preview', ['tomorrow']), /takes no arguments/],
    ['status: stray words', command('status', ['verbose']), /takes no arguments/],
    ['export: stray words', command('export', ['csv']), /takes no arguments/],
    ['import: no file', command('import'), /Attach an OPML file/],
    ['import: not OPML', command('import', [], {}, opml('<html><body>hello</body></html>')), /is not an OPML file/],
    ['import: OPML without feeds', command('import', [], {}, opml('<?xml version="1.0"?><opml version="2.0"><head/><body><outline text="empty"/></body></opml>')), /lists no feeds/],
    ['help: an unknown command', command('help', ['frobnicate']), /There is no command "frobnicate"/],
    ['retry: nothing named', command('retry'), /Name one failed delivery by the id \/status shows, or say all/],
    ['retry: two ids', command('retry', ['a-telegram/1', 'b-telegram/2']), /Name one failed delivery/],
  ];

  it.each(cases)('%s', async (_label, request, message) => {
    await subscribed();
    await run(command('addfeed', [feedServer.url('/world.xml')]), context());
    const before = await snapshot();
    const reply = await run(request, context({ isOwner: true }));
    expect(reply.ok).toBe(false);
    expect(reply.text).toMatch(message);
    expect(reply.text).toMatch(new RegExp(`\\nExample: /${request.name}\\b`));
    expect(await snapshot()).toEqual(before);
  });

  it('explains feeds that cannot be added: a page without a feed, an unreadable document', async () => {
    const page = await run(command('addfeed', [feedServer.url('/plain-page')]), context());
    expect(page).toMatchObject({ ok: false, text: expect.stringMatching(/advertises no feed[\s\S]*Example: \/addfeed/) });
    const junk = await run(command('addfeed', [feedServer.url('/junk.xml')]), context());
    expect(junk).toMatchObject({ ok: false, text: expect.stringMatching(/is not a feed Herald can read/) });
    expect(await services.feeds.list()).toEqual([]);
  });
});

describe('permissions', () => {
  const changes: CommandRequest[] = [
    command('subscribe', ['09:00']),
    command('unsubscribe'),
    command('addfeed', ['https://example.com/feed.xml']),
    command('removefeed', ['1']),
    command('schedule', ['06:00']),
    command('settings', [], { bullets: '3' }),
    command('mute', ['add', 'sports']),
    command('boost', ['add', 'science']),
    command('import', [], {}, opml('<opml version="2.0"><body><outline xmlUrl="https://a.example/feed"/></body></opml>')),
  ];

  it.each(changes.map((request) => [request.name, request] as const))('refuses %s to a non-administrator and changes nothing', async (_name, request) => {
    await subscribed();
    await run(command('addfeed', [feedServer.url('/world.xml')]), context());
    const before = await snapshot();
    const reply = await run(request, context({ canManage: false }));
    expect(reply).toMatchObject({ ok: false, text: expect.stringMatching(/only an administrator of "Newsroom" can change its briefing/) });
    expect(await snapshot()).toEqual(before);
  });

  it('lets anyone read, and an owner change what they do not administer', async () => {
    await subscribed();
    for (const name of ['help', 'feeds', 'status', 'export'] as const) expect((await run(command(name), context({ canManage: false }))).ok).toBe(true);
    expect((await run(command('mute', ['list']), context({ canManage: false }))).ok).toBe(true);
    expect((await run(command('schedule', ['06:00']), context({ canManage: false, isOwner: true }))).ok).toBe(true);
  });

  it('refuses to subscribe where Herald cannot post, with the reason', async () => {
    const reply = await run(command('subscribe'), context({ cannotPostReason: 'Herald is not an administrator of the channel.' }));
    expect(reply).toMatchObject({ ok: false, text: 'Herald cannot post in "Newsroom": Herald is not an administrator of the channel.' });
    expect(await services.subscriptions.list()).toEqual([]);
  });
});

describe('help', () => {
  it('explains a command in the asker\'s language, its usage too (only the words Herald reads stay English)', async () => {
    expect((await run(command('help', ['addfeed']), context({ locale: 'ja' }))).text).toBe(
      '/addfeed: フィード（またはフィードを載せたサイト）を追加: addfeed URL [セクション] [間隔]\n使い方: /addfeed URL [セクション] [取得間隔（分）]\n例: /addfeed https://example.com/feed.xml World 30',
    );
    expect((await run(command('help', ['import']), context({ locale: 'de' }))).text).toContain('Aufruf: /import (mit angehängter OPML-Datei, oder als Antwort auf eine)');
    expect((await run(command('help', ['removefeed']), context())).text).toContain('Usage: /removefeed NUMBER|URL [everywhere]');
  });

  it('answers a mistyped command with the one most likely meant and its example', async () => {
    expect((await run(command('help', ['subscrbe']), context())).text).toBe('There is no command "subscrbe". Did you mean /subscribe?\nExample: /subscribe 07:30 Europe/Berlin');
    expect((await run(command('help', ['feed']), context({ locale: 'ja' }))).text).toBe('「feed」というコマンドはありません。 /feeds のことですか？\n例: /feeds');
    expect((await run(command('help', ['frobnicate']), context())).text).toBe('There is no command "frobnicate".\nExample: /help');
  });
});

describe('flows', () => {
  it('subscribes with the default or given schedule, one compose scheduler per time, in its zone', async () => {
    const first = await run(command('subscribe'), context());
    expect(first.text).toMatch(/^Subscribed: "Newsroom" gets its briefing at 07:30 \(Europe\/Berlin\)/);
    await run(command('schedule', [], { weekdays: '06:45', weekends: '09:00,18:00', tz: 'Asia/Tokyo' }), context());
    const sub = await services.subscriptions.get(subscriptionIdFor(GROUP));
    expect(sub?.schedule).toEqual({ weekdays: ['06:45'], weekends: ['09:00', '18:00'], timezone: 'Asia/Tokyo' });
    const schedulers = await composeQueue.getJobSchedulers();
    expect(schedulers.map((s) => [s.pattern, s.tz]).sort()).toEqual([['0 18 * * 0,6', 'Asia/Tokyo'], ['0 9 * * 0,6', 'Asia/Tokyo'], ['45 6 * * 1-5', 'Asia/Tokyo']]);
    const status = await run(command('status'), context());
    expect(status.text).toMatch(/Next briefing: \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    const question = await run(command('unsubscribe'), context());
    expect(question.text).toMatch(/^Stop the briefings in "Newsroom"\?/);
    expect(await services.subscriptions.get(subscriptionIdFor(GROUP))).toBeDefined();
    expect((await run(command('unsubscribe', ['now']), context())).text).toMatch(/^Unsubscribed/);
    expect(await composeQueue.getJobSchedulers()).toEqual([]);
    expect(await services.subscriptions.list()).toEqual([]);
  });

  it('adds a feed found on a web page, schedules and polls it, and lists it with its health', async () => {
    const reply = await run(command('addfeed', [feedServer.url('/site'), 'Tech', 'News', '45']), context());
    expect(reply).toMatchObject({ ok: true, text: expect.stringContaining(`Found ${feedServer.url('/tech.xml')} on that page. Added: Tech Daily (1 item now, section Tech News, every 45 min)`) });
    const [feed] = await services.feeds.list();
    expect(feed).toMatchObject({ url: feedServer.url('/tech.xml'), name: 'Tech Daily', section: 'Tech News', intervalMinutes: 45 });
    // Due now for its first poll; its 45 minutes apply from then on.
    const due = await pollQueue.dueTimes();
    expect([...due.keys()]).toEqual([feed!.id]);
    expect(due.get(feed!.id)).toBeLessThanOrEqual(Date.now());
    const listed = await run(command('feeds'), context());
    expect(listed.text).toMatch(/follows every feed Herald reads \(1\):\n• 1\. Tech Daily \(Tech News, every 45 min\) http:\/\/127\.0\.0\.1:\d+\/tech\.xml\n {2}🕓 waiting for its first poll/);
    const fetches = feedServer.requests.length;
    const again = await run(command('addfeed', [feedServer.url('/tech.xml')]), context());
    expect(again.text).toBe('Already known, now followed: Tech Daily (section Tech News, every 45 min).\n"Newsroom" has no briefing yet: /subscribe 07:30 Europe/Berlin');
    expect(feedServer.requests.length).toBe(fetches);
    expect(await services.feeds.list()).toHaveLength(1);
  });

  it('reads a feed:// address (as browsers hand them out) as the http:// one, and feed:http(s):// as the address inside', async () => {
    const address = feedServer.url('/world.xml');
    const reply = await run(command('addfeed', [address.replace(/^http:/, 'feed:')]), context());
    expect(reply).toMatchObject({ ok: true, text: expect.stringMatching(/^Added: World Wire/) });
    expect((await services.feeds.list()).map((feed) => feed.url)).toEqual([address]);
    const again = await run(command('addfeed', [`feed:${address}`]), context());
    expect(again).toMatchObject({ ok: true, text: expect.stringMatching(/^Already known, now followed: World Wire/) });
  });

  it('removefeed finds a feed by the feed:// address it was added from', async () => {
    await subscribed();
    const browser = feedServer.url('/world.xml').replace(/^http:/, 'feed:');
    await run(command('addfeed', [browser]), context());
    await run(command('addfeed', [feedServer.url('/tech.xml')]), context());
    expect((await run(command('removefeed', [browser]), context())).text).toMatch(/no longer follows World Wire\. It follows 1 feed\./);
  });

  it('removefeed narrows this destination to the other feeds; only owners remove a feed everywhere', async () => {
    await subscribed();
    await run(command('addfeed', [feedServer.url('/world.xml')]), context());
    await run(command('addfeed', [feedServer.url('/tech.xml')]), context());
    const [world, tech] = await services.feeds.list();
    expect((await run(command('removefeed', ['1']), context())).text).toMatch(/no longer follows World Wire\. It follows 1 feed\./);
    expect((await services.subscriptions.get(subscriptionIdFor(GROUP)))?.feedIds).toEqual([tech!.id]);
    expect((await run(command('removefeed', ['1']), context())).text).toMatch(/only feed "Newsroom" follows/);
    expect((await run(command('removefeed', [feedServer.url('/tech.xml'), 'everywhere']), context())).text).toMatch(/Only a Herald owner/);
    expect((await run(command('removefeed', [feedServer.url('/tech.xml'), 'everywhere']), context({ isOwner: true }))).ok).toBe(true);
    expect((await services.feeds.list()).map((f) => f.id)).toEqual([world!.id]);
    expect([...(await pollQueue.dueTimes()).keys()]).toEqual([world!.id]);
  });

  it('shows in /status and /feeds that a feed’s permanent redirect leads onto another feed’s URL, naming that feed', async () => {
    await run(command('addfeed', [feedServer.url('/world.xml')]), context());
    await run(command('addfeed', [feedServer.url('/tech.xml')]), context());
    const [world, tech] = await services.feeds.list();
    // As a poll records it when the store leaves the URL to the feed that holds it.
    await services.feeds.saveState(tech!.id, { consecutiveFailures: 0, lastSuccessAt: new Date().toISOString(), redirectsTo: world!.url, redirectsToFeedId: world!.id });
    const health = `✅ ok, last read 0 min ago; ↪️ redirects permanently to ${world!.url}, which feed World Wire (${world!.id}) already fetches — remove one of them`;
    expect((await run(command('status'), context())).text).toContain(`• Tech Daily: ${health}`);
    expect((await run(command('feeds'), context())).text).toContain(`/tech.xml\n  ${health}`);
    expect((await run(command('status'), context())).text).toContain('• World Wire: 🕓 waiting for its first poll');
  });

  it('names the feed a redirect leads onto as it is now, and drops the line once that feed is removed, before the next poll', async () => {
    await run(command('addfeed', [feedServer.url('/world.xml')]), context());
    await run(command('addfeed', [feedServer.url('/tech.xml')]), context());
    const [world, tech] = await services.feeds.list();
    await services.feeds.saveState(tech!.id, { consecutiveFailures: 0, lastSuccessAt: new Date().toISOString(), redirectsTo: world!.url, redirectsToFeedId: world!.id });
    // A state stored by an older Herald also holds the name as of its poll: it is not what is shown.
    await redis.hset(createKeys(PREFIX).feedState(tech!.id), 'redirectsToFeedName', 'World Wire');
    await services.feeds.update(world!.id, { name: 'Wire Worldwide' });
    expect((await run(command('status'), context())).text).toContain(`• Tech Daily: ✅ ok, last read 0 min ago; ↪️ redirects permanently to ${world!.url}, which feed Wire Worldwide (${world!.id}) already fetches`);
    await run(command('removefeed', [world!.url, 'everywhere']), context({ isOwner: true }));
    expect((await run(command('status'), context())).text).toMatch(/• Tech Daily: ✅ ok, last read 0 min ago$/m);
  });

  it('keeps settings and keyword lists per destination', async () => {
    await subscribed();
    // French: a briefing language Herald has no reply catalogue for, so replies stay in English (the asker's).
    const changed = await run(command('settings', ['language', 'fr'], { bullets: '5', empty: 'nothing', previews: 'on' }), context());
    expect(changed.text).toContain('• language: fr\n• bullets: 5\n• empty: nothing (stay silent)\n• previews: on');
    await run(command('mute', ['add', 'Transfer', 'rumours']), context());
    await run(command('boost', ['add', 'climate*']), context());
    expect((await run(command('mute', ['add', 'transfer', 'RUMOURS']), context())).text).toMatch(/already on the mute list/);
    expect((await run(command('mute'), context())).text).toBe('Stories mentioning these are left out:\n• Transfer rumours');
    const sub = await services.subscriptions.get(subscriptionIdFor(GROUP));
    expect(sub?.settings).toMatchObject({ locale: 'fr', maxBullets: 5, whenEmpty: 'nothing', linkPreviews: true, mutes: ['Transfer rumours'], boosts: ['climate*'] });
    await run(command('mute', ['remove', 'transfer rumours']), context());
    expect((await services.subscriptions.get(subscriptionIdFor(GROUP)))?.settings.mutes).toEqual([]);
    const other = context({ target: { platform: 'telegram', chatId: '42', channelKind: 'private' }, targetLabel: 'this chat' });
    expect((await run(command('settings'), other)).text).toMatch(/has no briefing yet/);
  });

  it('exports the followed feeds as OPML and imports an OPML file', async () => {
    await subscribed();
    await run(command('addfeed', [feedServer.url('/world.xml'), 'World']), context());
    const exported = await run(command('export'), context());
    const text = new TextDecoder().decode(exported.file!.content);
    expect(exported.file).toMatchObject({ name: 'herald-feeds.opml', mimeType: 'text/x-opml' });
    expect(text).toContain(`xmlUrl="${feedServer.url('/world.xml')}"`);
    const imported = await run(
      command('import', [], {}, opml(`<?xml version="1.0"?><opml version="2.0"><body><outline text="Tech"><outline text="Tech Daily" xmlUrl="${feedServer.url('/tech.xml')}"/></outline><outline text="World" xmlUrl="${feedServer.url('/world.xml')}"/><outline text="bad" xmlUrl="ftp://x/y"/></body></opml>`)),
      context(),
    );
    expect(imported.text).toMatch(/^Imported 2 feeds \(1 new to Herald, 1 already known\)[\s\S]*Skipped 1:/);
    expect((await services.feeds.list()).map((f) => [f.name, f.section])).toEqual([['World Wire', 'World'], ['Tech Daily', 'Tech']]);
  });

  it('previews without recording a delivery', async () => {
    await subscribed();
    const reply: CommandReply = await run(command('preview'), context());
    expect(reply.ok).toBe(true);
    expect(reply.text).toMatch(/^(Preview for|Nothing new for) "Newsroom"/);
    expect((await services.subscriptions.get(subscriptionIdFor(GROUP)))?.lastWindowEnd).toBeUndefined();
  });

  it('shows status with feed health, and global figures to owners only', async () => {
    await subscribed();
    await run(command('addfeed', [feedServer.url('/world.xml')]), context());
    const [feed] = await services.feeds.list();
    await services.feeds.saveState(feed!.id, { consecutiveFailures: 3, lastError: 'HTTP 500', lastSuccessAt: new Date(Date.now() - 3 * 3600_000).toISOString() });
    const plain = await run(command('status'), context());
    expect(plain.text).toContain('• World Wire: ⚠️ 3 failures (last read 3 h ago): HTTP 500');
    expect(plain.text).not.toContain('Herald overall');
    const owner = await run(command('status'), context({ isOwner: true }));
    expect(owner.text).toContain('• feeds: 1 (0 ok, 1 failing, 0 disabled, 0 not read yet)\n• subscriptions: 1 active, 0 stopped');
  });
});

describe('owners retry failed deliveries', () => {
  const deliveries = () => new DeliveryStore(redis, createKeys(PREFIX));
  const subscriptionId = subscriptionIdFor(GROUP);
  const owner = () => context({ isOwner: true });

  /** A delivery to GROUP that failed for good, as the deliver worker records it. */
  async function deadLetter(briefingId: string): Promise<string> {
    const id = deliveryJobId(briefingId, subscriptionId);
    await deliveries().addDeadLetter({ id, briefingId, subscriptionId, destination: GROUP, reason: `502 Bad Gateway (${briefingId})`, attempts: 8, failedAt: new Date().toISOString() });
    return id;
  }

  it('lists them to owners by id, and queues one again by its id', async () => {
    await subscribed();
    await saveTestBriefing(new BriefingStore(redis, createKeys(PREFIX)), 'b1');
    const id = await deadLetter('b1');
    expect((await run(command('status'), owner())).text).toContain(`• failed deliveries waiting: 1\n  – ${id}: 502 Bad Gateway (b1)\nSend one again with /retry ID, or all with /retry all.`);
    expect(await run(command('retry', [id]), owner())).toMatchObject({ ok: true, private: true, text: `${id} is queued again; only the parts that never went out are sent.` });
    expect((await deliverQueue.getJob(id))?.data).toEqual({ briefingId: 'b1', subscriptionId });
    expect(await deliveries().deadLetters()).toEqual([]);
    expect(await run(command('retry', [id]), owner())).toMatchObject({ ok: false, text: `No failed delivery "${id}". /status lists them, with their ids.` });
  });

  it('retries all at once and says how many could not be sent any more', async () => {
    await saveTestBriefing(new BriefingStore(redis, createKeys(PREFIX)), 'b2');
    const kept = await deadLetter('b2');
    const expired = await deadLetter('gone');
    expect((await run(command('retry', [expired]), owner())).text).toBe(`Cannot retry ${expired}: its briefing has expired, so it can no longer be sent.`);
    expect((await run(command('retry', ['ALL']), owner())).text).toBe('Queued again: 1 of 2 failed deliveries.\n1 could not be: their briefing has expired.');
    expect((await deliverQueue.getJob(kept))?.data).toEqual({ briefingId: 'b2', subscriptionId });
    expect((await deliveries().deadLetters()).map((letter) => letter.id)).toEqual([expired]);
    expect((await run(command('retry', ['all']), owner())).text).toBe('Queued again: 0 of 1 failed deliveries.\n1 could not be: their briefing has expired.');
  });

  it('refuses anyone but an owner, chat administrators included, and queues nothing', async () => {
    await saveTestBriefing(new BriefingStore(redis, createKeys(PREFIX)), 'b3');
    const id = await deadLetter('b3');
    for (const asker of [context({ canManage: true }), context({ canManage: false })]) {
      expect(await run(command('retry', ['all']), asker)).toMatchObject({ ok: false, text: 'Sorry, only a Herald owner can use /retry.' });
    }
    expect(await deliverQueue.getJob(id)).toBeUndefined();
    expect((await deliveries().deadLetters()).map((letter) => letter.id)).toEqual([id]);
    expect((await run(command('status'), context())).text).not.toContain(id);
  });
});
