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

export interface SummaryFallback {
  storyId: string;
  reason: FallbackReason;
  /** What went wrong, for 'failed': a timeout, an HTTP status, a body that is no completion. */
  detail?: string;
}

/** What one summarizeStories call did with the LLM, for logs and metrics. */
export interface LlmSummaryReport {
  /** Stories asked for. */
  stories: number;
  /** Summaries the model wrote in this call. */
  generated: number;
  /** Summaries found in the cache. */
  cached: number;
  /** Stories that got their extractive summary instead, in order. */
  fallbacks: SummaryFallback[];
  /** Tokens spent: as the endpoint reported them, else estimated. */
  tokens: number;
}

/** What summarizing uses besides the stories: where answers are kept, who hears how it went. */
export interface SummaryHooks {
  /** Defaults to one in-memory cache shared by every call in this process. */
  cache?: SummaryCache;
  /** Told once per call (with an LLM configured), for logs and metrics. */
  onReport?: (report: LlmSummaryReport) => void;
}

export interface SummarizeOptions extends SummaryHooks {
  /** Summary budget in UTF-16 code units. */
  maxChars?: number;
  /** Absent: extractive only, no network. */
  llm?: LlmOptions;
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

/** A story's summary changes when it gains items, so the item count is part of the key; so is the length budget. */
function summaryCacheKey(story: Story, model: string, maxChars: number): string {
  return `${model}|${maxChars}|${story.id}|${story.items.length}`;
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
  const report: LlmSummaryReport = { stories: stories.length, generated: 0, cached: 0, fallbacks: [], tokens: 0 };
  const fallBack = (story: Story, reason: FallbackReason, detail?: string) => {
    report.fallbacks.push(detail === undefined ? { storyId: story.id, reason } : { storyId: story.id, reason, detail });
    summaries.set(story.id, summarizeExtractive(story, { maxChars }));
  };
  let failuresInARow = 0;
  for (const story of stories) {
    const key = summaryCacheKey(story, llm.model, maxChars);
    const cached = await cache.get(key);
    if (cached) {
      report.cached += 1;
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
    if (report.tokens + estimate > llm.tokenBudget) {
      fallBack(story, 'budget');
      continue;
    }
    try {
      const answer = await chatCompletion(llm, messages, llm.maxTokensPerStory);
      report.tokens += answer.totalTokens ?? estimate;
      const summary = parseSummaryAnswer(answer.content, { language, script: storyScript(story) }, maxChars);
      if (!summary) {
        failuresInARow += 1;
        fallBack(story, 'unusable-answer');
        continue;
      }
      failuresInARow = 0;
      report.generated += 1;
      summaries.set(story.id, summary);
      await cache.set(key, summary);
    } catch (error) {
      if (!(error instanceof LlmError)) throw error;
      // The server may have worked on it before we gave up: count it as spent.
      report.tokens += estimate;
      failuresInARow += 1;
      fallBack(story, 'failed', error.message);
    }
  }
  options.onReport?.(report);
  return summaries;
}

/** The script the story's titles are written in, which an answer must match. */
function storyScript(story: Story): string | undefined {
  return guessLanguageFromScript(story.items.map((item) => item.title).join('\n'));
}
