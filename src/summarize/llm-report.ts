import type { FallbackReason, LlmSummaryReport } from './summarize.js';

/** Reasons in the words of the log line. */
const REASON_WORDS: Record<FallbackReason, string> = {
  failed: 'request failed',
  'unusable-answer': 'unusable answer',
  'circuit-open': 'not asked after failures in a row',
  budget: 'llm.tokenBudget spent',
};

/**
 * One line about the stories of a briefing that got extractive summaries although an LLM is
 * configured, or undefined when there were none: "3 of 12 stories got extractive summaries:
 * request failed ×3 (chat endpoint answered HTTP 500)".
 */
export function describeFallbacks(report: LlmSummaryReport): string | undefined {
  const { fallbacks } = report;
  if (fallbacks.length === 0) return undefined;
  const counts = new Map<FallbackReason, number>();
  for (const { reason } of fallbacks) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  const reasons = [...counts].map(([reason, count]) => `${REASON_WORDS[reason]} ×${count}`).join(', ');
  const firstError = fallbacks.find((fallback) => fallback.detail !== undefined)?.detail;
  return `${fallbacks.length} of ${report.stories} stories got extractive summaries: ${reasons}${firstError ? ` (${firstError})` : ''}`;
}

/** Whether the fallbacks need a person: anything but a spent budget, which is the configured limit working. */
export function fallbacksNeedAttention(report: LlmSummaryReport): boolean {
  return report.fallbacks.some((fallback) => fallback.reason !== 'budget');
}
