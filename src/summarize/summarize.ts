import type { HeraldConfig } from '../config/schema.js';
import type { Story } from '../dedup/story.js';
import { guessLanguageFromScript } from '../feeds/language.js';
import { DEFAULT_SUMMARY_MAX_CHARS, summarizeExtractive, type StorySummary } from './extractive.js';
import { dominantLanguage } from './language.js';
import { chatCompletion, LlmError, type LlmEndpoint } from './llm-client.js';
import { estimateTokens, parseSummaryAnswer, summaryPrompt } from './llm-summary.js';

/** Abstractive summaries through an OpenAI-compatible endpoint, within a budget. */
export interface LlmOptions extends LlmEndpoint {
  /** Tokens one briefing (one summarizeStories call) may spend; once spent, the rest are extractive. */
  tokenBudget: number;
  /** `max_tokens` of each request. */
  maxTokensPerStory: number;
}

/** The `llm:` section of a configuration as LlmOptions; undefined (extractive only) when no endpoint is set. */
export function llmOptionsFromConfig(llm: HeraldConfig['llm']): LlmOptions | undefined {
  if (llm.baseUrl === undefined || llm.model === undefined) return undefined;
  const { baseUrl, model, apiKey, timeoutMs, tokenBudget, maxTokensPerStory } = llm;
  return { baseUrl, model, apiKey, timeoutMs, tokenBudget, maxTokensPerStory };
}

/** Where LLM summaries are remembered between briefings; sync or async, so Redis can stand behind it. */
export interface SummaryCache {
  get(key: string): StorySummary | undefined | Promise<StorySummary | undefined>;
  set(key: string, summary: StorySummary): void | Promise<void>;
}

/** Why a story got its extractive summary although an LLM is configured. */
export type FallbackReason = 'budget' | 'circuit-open' | 'failed' | 'unusable-answer';

export interface SummarizeOptions {
  /** Summary budget in UTF-16 code units. */
  maxChars?: number;
  /** Absent: extractive only, no network. */
  llm?: LlmOptions;
  /** Defaults to one in-memory cache shared by every call in this process. */
  cache?: SummaryCache;
  /** Told about each fallback, for logs and metrics. */
  onFallback?: (storyId: string, reason: FallbackReason, detail?: string) => void;
}

/** In-memory SummaryCache that forgets the oldest entries beyond `maxEntries`. */
export class MemorySummaryCache implements SummaryCache {
  private readonly entries = new Map<string, StorySummary>();

  constructor(private readonly maxEntries = 10_000) {}

  get(key: string): StorySummary | undefined {
    return this.entries.get(key);
  }

  set(key: string, summary: StorySummary): void {
    this.entries.delete(key);
    this.entries.set(key, summary);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}

const processCache = new MemorySummaryCache();

/** A story's summary changes when it gains items, so the item count is part of the key. */
function summaryCacheKey(story: Story, model: string): string {
  return `${model}|${story.id}|${story.items.length}`;
}

/** After this many failed requests in a row the endpoint is taken to be down for this briefing. */
const MAX_CONSECUTIVE_FAILURES = 3;

/**
 * A summary for every story, keyed by story id. With `options.llm`, stories are sent to the
 * chat endpoint one at a time, in the given order (rank them first), until the token budget is
 * spent; cached answers cost nothing. Any failure (timeout, HTTP error, unusable answer) gives
 * that story its extractive summary: this never throws because of the endpoint.
 */
export async function summarizeStories(stories: Story[], options: SummarizeOptions): Promise<Map<string, StorySummary>> {
  const maxChars = options.maxChars ?? DEFAULT_SUMMARY_MAX_CHARS;
  const summaries = new Map<string, StorySummary>();
  const llm = options.llm;
  if (!llm) {
    for (const story of stories) summaries.set(story.id, summarizeExtractive(story, { maxChars }));
    return summaries;
  }
  const cache = options.cache ?? processCache;
  const fallBack = (story: Story, reason: FallbackReason, detail?: string) => {
    options.onFallback?.(story.id, reason, detail);
    summaries.set(story.id, summarizeExtractive(story, { maxChars }));
  };
  let tokensSpent = 0;
  let failuresInARow = 0;
  for (const story of stories) {
    const key = summaryCacheKey(story, llm.model);
    const cached = await cache.get(key);
    if (cached) {
      summaries.set(story.id, cached);
      continue;
    }
    if (failuresInARow >= MAX_CONSECUTIVE_FAILURES) {
      fallBack(story, 'circuit-open');
      continue;
    }
    const language = dominantLanguage(story.items);
    const messages = summaryPrompt(story, language, maxChars);
    const estimate = estimateTokens(messages.map((m) => m.content).join('\n')) + llm.maxTokensPerStory;
    if (tokensSpent + estimate > llm.tokenBudget) {
      fallBack(story, 'budget');
      continue;
    }
    try {
      const answer = await chatCompletion(llm, messages, llm.maxTokensPerStory);
      tokensSpent += answer.totalTokens ?? estimate;
      const summary = parseSummaryAnswer(answer.content, { language, script: storyScript(story) }, maxChars);
      if (!summary) {
        failuresInARow += 1;
        fallBack(story, 'unusable-answer');
        continue;
      }
      failuresInARow = 0;
      summaries.set(story.id, summary);
      await cache.set(key, summary);
    } catch (error) {
      if (!(error instanceof LlmError)) throw error;
      // The server may have worked on it before we gave up: count it as spent.
      tokensSpent += estimate;
      failuresInARow += 1;
      fallBack(story, 'failed', error.message);
    }
  }
  return summaries;
}

/** The script the story's titles are written in, which an answer must match. */
function storyScript(story: Story): string | undefined {
  return guessLanguageFromScript(story.items.map((item) => item.title).join('\n'));
}
