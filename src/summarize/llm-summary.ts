import type { Story } from '../dedup/story.js';
import { guessLanguageFromScript } from '../feeds/language.js';
import { MAX_HEADLINE_CHARS, type StorySummary } from './extractive.js';
import { isSpacelessLanguage } from './language.js';
import type { ChatMessage } from './llm-client.js';
import { foldWhitespace, plainText } from './plain-text.js';
import { splitSentences } from '../text/sentences.js';
import { isCompleteSentence, truncateAtWord } from './sentences.js';

const ITEMS_IN_PROMPT = 5;
const TEXT_CHARS_PER_ITEM = 1200;

/** The chat messages asking for one story's headline and summary. */
export function summaryPrompt(story: Story, language: string | undefined, maxChars: number): ChatMessage[] {
  const languageName = language ? languageInEnglish(language) : 'the language of the articles';
  const system = [
    'You write bullets for a morning news briefing.',
    'Answer with one JSON object {"headline": string, "summary": string} and nothing else.',
    `The headline is at most ${MAX_HEADLINE_CHARS} characters. The summary is at most two complete sentences and at most ${maxChars} characters.`,
    `Write in ${languageName}. Plain text only: no markdown, no HTML, no links. State only what the articles say.`,
  ].join(' ');
  const articles = story.items.slice(0, ITEMS_IN_PROMPT).map((item, i) =>
    [`Article ${i + 1} (${item.sourceName})`, `Title: ${plainText(item.title)}`, `Text: ${plainText(item.text).slice(0, TEXT_CHARS_PER_ITEM)}`].join('\n'),
  );
  return [
    { role: 'system', content: system },
    { role: 'user', content: articles.join('\n\n') },
  ];
}

/** "ja" → "Japanese"; a tag Intl cannot name (feeds declare anything) is used as it is. */
function languageInEnglish(language: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' }).of(language) ?? language;
  } catch {
    return language;
  }
}

/** A rough token count for budgeting: CJK characters are about a token each, other text about four characters. */
export function estimateTokens(text: string): number {
  const cjk = text.match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu)?.length ?? 0;
  return cjk + Math.ceil((text.length - cjk) / 4);
}

/**
 * The model's answer as a summary held to the same rules as an extractive one (plain text,
 * whole sentences, at most two, within budget, in the story's script: `expected.script` is
 * guessLanguageFromScript of the story's own text), or null when it is not
 * usable and the extractive summary should stand.
 */
export function parseSummaryAnswer(content: string, expected: { language: string | undefined; script: string | undefined }, maxChars: number): StorySummary | null {
  const { language } = expected;
  const json = content.trim().replace(/^```(?:json)?\s*/i, '').replace(/\s*```$/, '');
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { headline: rawHeadline, summary: rawSummary } = value as Record<string, unknown>;
  if (typeof rawHeadline !== 'string' || typeof rawSummary !== 'string') return null;
  const headline = truncateAtWord(foldWhitespace(plainText(rawHeadline)), MAX_HEADLINE_CHARS, language);
  if (!headline) return null;

  const joiner = isSpacelessLanguage(language) ? '' : ' ';
  const sentences = splitSentences(foldWhitespace(plainText(rawSummary)), language);
  if (sentences.length === 0 || sentences.length > 2 || !sentences.every((sentence) => isCompleteSentence(sentence, language))) return null;
  const summary = sentences.join(joiner);
  if (summary.length > maxChars) return null;
  if (guessLanguageFromScript(`${headline} ${summary}`) !== expected.script) return null;
  return language ? { headline, summary, language } : { headline, summary };
}
