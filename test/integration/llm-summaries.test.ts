import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKeys } from '../../src/store/keys.js';
import { RedisSummaryCache } from '../../src/store/summary-cache.js';
import { summarizeExtractive } from '../../src/summarize/extractive.js';
import { MemorySummaryCache, summarizeStories, type FallbackReason, type LlmOptions, type LlmSummaryReport } from '../../src/summarize/summarize.js';
import { startLlmEmulator, type LlmBehaviour, type LlmEmulator } from '../emulators/llm-api.js';
import { englishStories, japaneseStories } from '../fixtures/briefing/stories.js';
import { startRedis, type TestRedis } from '../support/redis.js';

let llm: LlmEmulator;

beforeAll(async () => {
  llm = await startLlmEmulator();
});
afterAll(async () => {
  await llm.close();
});
beforeEach(() => {
  llm.behave('good');
  llm.requests.length = 0;
});

const options = (overrides: Partial<LlmOptions> = {}): LlmOptions => ({
  baseUrl: llm.baseUrl,
  model: 'test-model',
  apiKey: 'sk-test',
  timeoutMs: 2_000,
  tokenBudget: 100_000,
  maxTokensPerStory: 200,
  ...overrides,
});

/** A report hook that appends each fallback's reason to `reasons`. */
const collectReasons = (reasons: FallbackReason[]) => (report: LlmSummaryReport) => reasons.push(...report.fallbacks.map((fallback) => fallback.reason));

const extractive = (stories: typeof englishStories) => new Map(stories.map((story) => [story.id, summarizeExtractive(story)]));

describe('LLM summaries against the emulated endpoint', () => {
  it('uses a good answer, in the story language, and sends model, key and max_tokens', async () => {
    const stories = [englishStories[0]!, japaneseStories[0]!];
    const summaries = await summarizeStories(stories, { llm: options(), cache: new MemorySummaryCache() });
    expect(summaries.get(englishStories[0]!.id)).toEqual({
      headline: 'Central bank holds rates steady as inflation cools (model)',
      summary: 'This summary was written by the model.',
      language: 'en',
    });
    expect(summaries.get(japaneseStories[0]!.id)!.summary).toBe('これはモデルが書いた要約です。');
    expect(llm.requests).toHaveLength(2);
    expect(llm.requests[0]).toMatchObject({ model: 'test-model', maxTokens: 200, authorization: 'Bearer sk-test' });
    expect(llm.requests[1]!.messages[0]!.content).toContain('Write in Japanese');
  });

  const failures: [LlmBehaviour, FallbackReason][] = [
    ['hang', 'failed'],
    ['error', 'failed'],
    ['garbage-body', 'failed'],
    ['garbage-content', 'unusable-answer'],
  ];
  for (const [behaviour, reason] of failures) {
    it(`falls back to the extractive summary when the endpoint does "${behaviour}"`, async () => {
      llm.behave(behaviour);
      const fallbacks: FallbackReason[] = [];
      const stories = englishStories.slice(0, 2);
      const summaries = await summarizeStories(stories, {
        llm: options({ timeoutMs: 300 }),
        cache: new MemorySummaryCache(),
        onReport: collectReasons(fallbacks),
      });
      expect(summaries).toEqual(extractive(stories));
      expect(fallbacks).toEqual([reason, reason]);
    });
  }

  it('stops calling a failing endpoint after three failures in a row', async () => {
    llm.behave('error');
    const fallbacks: FallbackReason[] = [];
    const summaries = await summarizeStories(englishStories, { llm: options(), cache: new MemorySummaryCache(), onReport: collectReasons(fallbacks) });
    expect(llm.requests).toHaveLength(3);
    expect(fallbacks).toEqual(['failed', 'failed', 'failed', 'circuit-open', 'circuit-open']);
    expect(summaries).toEqual(extractive(englishStories));
  });

  it('answers from the cache on the second call, and asks again once a story gains items', async () => {
    const cache = new MemorySummaryCache();
    const first = await summarizeStories(englishStories, { llm: options(), cache });
    expect(llm.requests).toHaveLength(englishStories.length);
    const second = await summarizeStories(englishStories, { llm: options(), cache });
    expect(llm.requests).toHaveLength(englishStories.length);
    expect(second).toEqual(first);

    const grown = { ...englishStories[3]!, items: [...englishStories[3]!.items, englishStories[4]!.items[0]!] };
    await summarizeStories([grown], { llm: options(), cache });
    expect(llm.requests).toHaveLength(englishStories.length + 1);
  });

  it('stops calling once the token budget of the briefing is spent', async () => {
    llm.tokensPerAnswer = 1_000;
    try {
      const fallbacks: FallbackReason[] = [];
      // Each answer reports 1,000 tokens: two answers spend the whole budget, so the third story is never sent.
      const summaries = await summarizeStories(englishStories, {
        llm: options({ tokenBudget: 2_000, maxTokensPerStory: 100 }),
        cache: new MemorySummaryCache(),
        onReport: collectReasons(fallbacks),
      });
      expect(llm.requests).toHaveLength(2);
      expect(fallbacks).toEqual(['budget', 'budget', 'budget']);
      expect(summaries.get(englishStories[4]!.id)).toEqual(summarizeExtractive(englishStories[4]!));
      expect(summaries.get(englishStories[0]!.id)!.summary).toBe('This summary was written by the model.');
    } finally {
      llm.tokensPerAnswer = 120;
    }
  });

  it('makes no request at all without LLM options', async () => {
    const summaries = await summarizeStories(englishStories, {});
    expect(llm.requests).toHaveLength(0);
    expect(summaries).toEqual(extractive(englishStories));
  });
});

describe('the LLM summary cache in Redis', () => {
  let server: TestRedis;
  let processes: Redis[];
  beforeAll(async () => {
    server = await startRedis();
    // Two connections stand for two Herald processes (a worker and another worker, or the bot).
    processes = [server.client(), server.client()];
  });
  afterAll(async () => {
    await server.stop();
  });

  it('lets another process reuse a summary the model wrote, and forgets it with the items it summarizes', async () => {
    const keys = createKeys('llm-cache');
    const [first, second] = processes.map((redis) => new RedisSummaryCache(redis, keys, { retentionDays: 2 }));
    const reports: LlmSummaryReport[] = [];
    const written = await summarizeStories(englishStories, { llm: options(), cache: first, onReport: (report) => reports.push(report) });
    expect(llm.requests).toHaveLength(englishStories.length);

    const reused = await summarizeStories(englishStories, { llm: options(), cache: second, onReport: (report) => reports.push(report) });
    expect(llm.requests).toHaveLength(englishStories.length);
    expect(reused).toEqual(written);
    expect(reports.map(({ generated, cached }) => ({ generated, cached }))).toEqual([
      { generated: englishStories.length, cached: 0 },
      { generated: 0, cached: englishStories.length },
    ]);
    expect(reports[0]!.tokens).toBe(englishStories.length * llm.tokensPerAnswer);

    const stored = await processes[0]!.keys('llm-cache:llm-summary:*');
    expect(stored).toHaveLength(englishStories.length);
    for (const key of stored) {
      const ttl = await processes[0]!.ttl(key);
      expect(ttl).toBeGreaterThan(2 * 86_400 - 60);
      expect(ttl).toBeLessThanOrEqual(2 * 86_400);
    }
  });

  it('keeps no fallback: the next briefing asks the model again', async () => {
    const cache = new RedisSummaryCache(processes[0]!, createKeys('llm-fallback'), { retentionDays: 2 });
    llm.behave('error');
    await summarizeStories(englishStories.slice(0, 1), { llm: options(), cache });
    llm.behave('good');
    const summaries = await summarizeStories(englishStories.slice(0, 1), { llm: options(), cache });
    expect(llm.requests).toHaveLength(2);
    expect(summaries.get(englishStories[0]!.id)!.summary).toBe('This summary was written by the model.');
  });
});
