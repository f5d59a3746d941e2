import { Writable } from 'node:stream';
import { GrammyError } from 'grammy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleSender } from '../../src/platforms/console/sender.js';
import { createDiscordRest } from '../../src/platforms/discord/client.js';
import { createTelegramApi } from '../../src/platforms/telegram/client.js';
import { HeraldMetrics } from '../../src/observability/metrics.js';
import { countDiscordRateLimits, countSentParts, countTelegramRateLimits } from '../../src/observability/platform-metrics.js';
import { defaultIds, startDiscordEmulator, type DiscordEmulator } from '../emulators/discord-api.js';
import { startTelegramEmulator, type TelegramEmulator } from '../emulators/telegram-bot-api.js';
import { readmeMetrics } from '../support/readme-metrics.js';

/** The value of one series, e.g. `herald_feed_polls_total{status="fetched"}`; 0 when never counted. */
async function value(metrics: HeraldMetrics, series: string): Promise<number> {
  const { body } = await metrics.exposition();
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('HeraldMetrics', () => {
  it('counts polls by outcome, new items, exact duplicates and fetch errors by kind', async () => {
    const metrics = new HeraldMetrics();
    metrics.pollFinished({ feedId: 'a', status: 'fetched', newItems: 4, duplicatesDropped: 6 });
    metrics.pollFinished({ feedId: 'a', status: 'not-modified', newItems: 0 });
    metrics.pollFinished({ feedId: 'a', status: 'not-modified', newItems: 0 });
    metrics.pollFinished({ feedId: 'b', status: 'failed', newItems: 0, errorKind: 'dns' });
    metrics.pollFinished({ feedId: 'c', status: 'failed', newItems: 0, errorKind: 'parse' });
    expect(await value(metrics, 'herald_feed_polls_total{status="fetched"}')).toBe(1);
    expect(await value(metrics, 'herald_feed_polls_total{status="not-modified"}')).toBe(2);
    expect(await value(metrics, 'herald_feed_polls_total{status="failed"}')).toBe(2);
    expect(await value(metrics, 'herald_items_ingested_total')).toBe(4);
    expect(await value(metrics, 'herald_duplicates_dropped_total{stage="exact"}')).toBe(6);
    expect(await value(metrics, 'herald_fetch_errors_total{kind="dns"}')).toBe(1);
    expect(await value(metrics, 'herald_fetch_errors_total{kind="parse"}')).toBe(1);
  });

  it('counts near duplicates and new stories from the story engine placements', async () => {
    const metrics = new HeraldMetrics();
    metrics.itemsPlaced([{ kind: 'new-story' }, { kind: 'joined' }, { kind: 'near-duplicate' }, { kind: 'new-story' }]);
    expect(await value(metrics, 'herald_stories_created_total')).toBe(2);
    expect(await value(metrics, 'herald_duplicates_dropped_total{stage="near"}')).toBe(1);
  });

  it('counts LLM summaries by source, fallbacks by reason and the tokens spent', async () => {
    const metrics = new HeraldMetrics();
    metrics.llmSummarized({ stories: 5, generated: 2, cached: 1, tokens: 640, fallbacks: [{ storyId: 'a', reason: 'failed', detail: 'HTTP 500' }, { storyId: 'b', reason: 'budget' }] });
    expect(await value(metrics, 'herald_llm_summaries_total{source="model"}')).toBe(2);
    expect(await value(metrics, 'herald_llm_summaries_total{source="cache"}')).toBe(1);
    expect(await value(metrics, 'herald_llm_fallbacks_total{reason="failed"}')).toBe(1);
    expect(await value(metrics, 'herald_llm_fallbacks_total{reason="budget"}')).toBe(1);
    expect(await value(metrics, 'herald_llm_tokens_total')).toBe(640);
  });

  it('keeps separate registries apart, so two instances never double-register', async () => {
    const first = new HeraldMetrics();
    const second = new HeraldMetrics();
    first.briefingComposed();
    expect(await value(first, 'herald_briefings_composed_total')).toBe(1);
    expect(await value(second, 'herald_briefings_composed_total')).toBe(0);
  });
});

describe('the metrics the README documents', () => {
  it('are each registered, and every Herald metric registered is documented', async () => {
    const documented = await readmeMetrics();
    expect(documented.filter((name) => name.startsWith('herald_')).length).toBeGreaterThanOrEqual(10);
    const registered = new HeraldMetrics({ process: true }).registry.getMetricsAsArray().map((metric) => metric.name);
    expect(documented.filter((name) => !registered.includes(name))).toEqual([]);
    expect(registered.filter((name) => name.startsWith('herald_') && !documented.includes(name))).toEqual([]);
  });
});

describe('countSentParts', () => {
  it('counts each delivered part under the sender platform and passes the result through', async () => {
    const metrics = new HeraldMetrics();
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    const sender = countSentParts(new ConsoleSender(sink), metrics);
    const sent = await sender.send({ platform: 'console', chatId: 'x' }, { text: 'hello' }, { index: 0, total: 2, title: 'T' });
    await sender.send({ platform: 'console', chatId: 'x' }, { text: 'again' }, { index: 1, total: 2, title: 'T' });
    expect(sent.messageId).toBe('console-1');
    expect(sender.platform).toBe('console');
    expect(await value(metrics, 'herald_messages_sent_total{platform="console"}')).toBe(2);
  });
});

describe('429 counters against the platform emulators', () => {
  let telegram: TelegramEmulator;
  let discord: DiscordEmulator;
  beforeAll(async () => {
    [telegram, discord] = await Promise.all([startTelegramEmulator(), startDiscordEmulator()]);
  });
  afterAll(async () => {
    await Promise.all([telegram.close(), discord.close()]);
  });

  it('counts Telegram answers of 429 and nothing else', async () => {
    const metrics = new HeraldMetrics();
    const api = createTelegramApi({ token: '123456:metrics-test-token', apiRoot: telegram.apiRoot, owners: [] });
    countTelegramRateLimits(api, metrics);
    telegram.addChat({ id: 42, type: 'private', firstName: 'Ada' });
    await api.sendMessage(42, 'fine');
    telegram.failChat(42, 'too-many-requests', { times: 2 });
    for (let attempt = 0; attempt < 2; attempt++) await expect(api.sendMessage(42, 'too fast')).rejects.toBeInstanceOf(GrammyError);
    await api.sendMessage(42, 'fine again');
    expect(await value(metrics, 'herald_rate_limited_total{platform="telegram"}')).toBe(2);
  });

  it('counts Discord 429s that discord.js waits out itself', async () => {
    const metrics = new HeraldMetrics();
    const rest = createDiscordRest({ token: discord.token, apiBase: discord.apiBase, owners: [] });
    countDiscordRateLimits(rest, metrics);
    discord.rateLimitNext(defaultIds.text, { retryAfterMs: 100 });
    await rest.post(`/channels/${defaultIds.text}/messages`, { body: { content: 'after a 429', allowed_mentions: { parse: [] } } });
    expect(discord.messages(defaultIds.text).at(-1)?.content).toBe('after a 429');
    expect(await value(metrics, 'herald_rate_limited_total{platform="discord"}')).toBe(1);
  });
});
