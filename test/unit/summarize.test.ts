import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Story } from '../../src/dedup/story.js';
import { summarizeExtractive } from '../../src/summarize/extractive.js';
import { parseConfig } from '../../src/config/load.js';
import { parseSummaryAnswer, summaryPrompt } from '../../src/summarize/llm-summary.js';
import { describeFallbacks, fallbacksNeedAttention } from '../../src/summarize/llm-report.js';
import { llmOptionsFromConfig, type LlmSummaryReport } from '../../src/summarize/summarize.js';
import { leansOnPrevious } from '../../src/summarize/openers.js';
import { plainText } from '../../src/summarize/plain-text.js';
import { isCompleteSentence, truncateAtWord } from '../../src/summarize/sentences.js';
import { splitSentences } from '../../src/text/sentences.js';
import { fixtureItem, fixtureStory, japaneseStories } from '../fixtures/briefing/stories.js';

const ENGLISH = [
  'The city council approved the new budget on Tuesday.',
  'Spending on schools will rise by 4% next year.',
  'The mayor said the plan was "fair to every district."',
  'Mr. Jones, the finance chair, voted against it.',
  'Critics warned that property taxes could go up.',
  'The <b>mayor</b> said the bridge would reopen in May.',
  'Prices rose 5% &amp; wages fell for a second month.',
  'Officials expect the vote to be challenged in court…',
  'Read more',
  'A very long sentence that goes on and on about the details of the budget, the schools, the roads, the parks, the libraries, the buses, the bridges and the many other things a city pays for every single year without fail.',
];
const JAPANESE = [
  '市議会は火曜日、新しい予算案を可決しました。',
  '来年度は学校関連の支出が4%増える見通しです。',
  '市長は「すべての地区に公平な計画だ」と述べました。',
  '一部の議員は固定資産税の引き上げを懸念しています。',
  '詳しくはこちら',
  '採決をめぐっては訴訟が起こされる可能性もあり…',
];

const storyArb = (pool: string[], language: string, joiner: string) =>
  fc
    .array(fc.record({ title: fc.constantFrom(...pool), sentences: fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 8 }), source: fc.constantFrom('A', 'B', 'C') }), {
      minLength: 1,
      maxLength: 5,
    })
    .map((items): Story =>
      fixtureStory(
        'story',
        items.map((item) => fixtureItem({ sourceName: item.source, language, title: item.title.replace(/[.。]$/, ''), text: item.sentences.join(joiner) })),
      ),
    );

/** The whole sentences a summary may be made of: those of the story's items, cleaned. */
const sourceSentences = (story: Story, language: string) => new Set(story.items.flatMap((item) => splitSentences(plainText(item.text), language)));

function expectWholeSentencesWithin(summary: string, story: Story, language: string, maxChars: number) {
  expect(summary.length).toBeLessThanOrEqual(maxChars);
  expect(summary).not.toMatch(/<\/?[a-z][^>]*>|&(#\d+|#x[\da-f]+|[a-z]+);/i);
  if (summary === '') return;
  const sentences = splitSentences(summary, language);
  expect(sentences.length).toBeLessThanOrEqual(2);
  const allowed = sourceSentences(story, language);
  for (const sentence of sentences) {
    expect(allowed.has(sentence)).toBe(true);
    expect(isCompleteSentence(sentence) || sentence === sentences.at(-1)).toBe(true);
  }
}

describe('summarizeExtractive', () => {
  it('English: whole sentences only, at most two, within budget, no HTML or entities', () => {
    fc.assert(
      fc.property(storyArb(ENGLISH, 'en', ' '), fc.integer({ min: 30, max: 400 }), (story, maxChars) => {
        const { headline, summary, language } = summarizeExtractive(story, { maxChars });
        expect(language).toBe('en');
        expect(headline.length).toBeGreaterThan(0);
        expect(headline).not.toMatch(/<\/?b>|&amp;/);
        expectWholeSentencesWithin(summary, story, 'en', maxChars);
      }),
      { numRuns: 200 },
    );
  });

  it('Japanese in, Japanese out, even with an English item in the story', () => {
    fc.assert(
      fc.property(storyArb(JAPANESE, 'ja', ''), fc.integer({ min: 20, max: 200 }), fc.boolean(), (story, maxChars, withEnglish) => {
        const mixed = withEnglish
          ? { ...story, items: [...story.items, fixtureItem({ sourceName: 'Wire', language: 'en', title: 'Council passes budget', text: ENGLISH.slice(0, 3).join(' ') })] }
          : story;
        const { summary, language } = summarizeExtractive(mixed, { maxChars });
        expect(language).toBe('ja');
        expect(summary).not.toMatch(/[A-Za-z]{3,}/);
        expectWholeSentencesWithin(summary, story, 'ja', maxChars);
      }),
      { numRuns: 200 },
    );
  });

  it('summarizes the Japanese fixture story in Japanese from several outlets', () => {
    const { headline, summary, language } = summarizeExtractive(japaneseStories[0]!);
    expect(language).toBe('ja');
    expect(headline).toBe('東京都内で震度4の地震 津波の心配なし');
    expect(summary).toMatch(/^[^a-z]*\p{Script=Hiragana}[^a-z]*。$/u);
    expect(splitSentences(summary, 'ja')).toHaveLength(2);
  });

  it('picks the lead over a sentence that only echoes common words, and skips bylines and cut-off excerpts', () => {
    const story = fixtureStory('s', [
      fixtureItem({ sourceName: 'A', title: 'Bridge reopens after repairs', text: 'The Old Bridge reopened to traffic on Monday after two years of repairs. Read more' }),
      fixtureItem({ sourceName: 'B', title: 'Old Bridge open again', text: 'Drivers can use the Old Bridge again from Monday, the city said. The repairs cost 40 million euros and took two years to…' }),
    ]);
    const { headline, summary } = summarizeExtractive(story);
    expect(headline).toBe('Bridge reopens after repairs');
    expect(summary).toBe('The Old Bridge reopened to traffic on Monday after two years of repairs. Drivers can use the Old Bridge again from Monday, the city said.');
  });

  it("opens with the headline article's lead, then what follows it, even when another outlet's lead ranks higher", () => {
    const wire = 'A measles outbreak in West Texas has grown to 223 cases, state health officials said on Tuesday, up from 198 on Friday. Most cases are in unvaccinated children in Gaines County. Twenty-nine people have been hospitalised.';
    const story = fixtureStory('measles', [
      fixtureItem({ sourceName: 'Wire', language: 'en', title: 'Texas measles outbreak grows to 223 cases', text: wire }),
      fixtureItem({ sourceName: 'Reprint', language: 'en', title: 'Measles cases climb to 223 in West Texas', text: wire }),
      fixtureItem({
        sourceName: 'Paper', language: 'en', title: 'Gaines County measles cases pass 220 as hospital admissions rise',
        text: 'Health officials in Gaines County said the number of measles infections had passed 220, with 29 patients treated in hospital since the outbreak began in late January. Nearly all were not vaccinated.',
      }),
    ]);
    expect(summarizeExtractive(story)).toEqual({
      headline: 'Texas measles outbreak grows to 223 cases',
      summary: 'A measles outbreak in West Texas has grown to 223 cases, state health officials said on Tuesday, up from 198 on Friday. Most cases are in unvaccinated children in Gaines County.',
      language: 'en',
    });
  });

  it("puts an article's lead before another article's later sentence, and never opens with one that leans on a sentence before it", () => {
    // The headline article's lead is too long to fit: the best sentences are another lead and a follow-up.
    const story = fixtureStory('s', [
      fixtureItem({ sourceName: 'A', language: 'en', title: 'Flu admissions fall again', text: `${'The ministry published its daily figures, '.repeat(7)}as every day. It was the third daily drop in a row. Most patients were over 65.` }),
      fixtureItem({ sourceName: 'B', language: 'en', title: 'Fewer flu patients in hospital', text: 'Flu hospital admissions fell to 1,284 on Monday, the ministry said. It was the third daily drop in a row.' }),
    ]);
    const [first, second] = splitSentences(summarizeExtractive(story).summary, 'en');
    expect(first).toBe('Flu hospital admissions fell to 1,284 on Monday, the ministry said.');
    expect(second).toBeDefined();
  });

  const LEANING: [string, string, boolean][] = [
    ['en', 'It was the third drop in a row.', true],
    ['en', 'However, doctors warned of a new wave.', true],
    ['en', 'In addition, 33 people died.', true],
    ['en', 'Italy reported 33 deaths.', false],
    ['en', 'Health officials said the number had passed 220.', false],
    ['de', 'Dabei wurden drei Menschen verletzt.', true],
    ['de', 'Sie forderte mehr Geld.', true],
    ['de', 'Die Polizei sperrte die Straße.', false],
    // A time ("this week", "diese Woche") points at the calendar, not back at a sentence.
    ['en', 'This week, the ministry said it would cut fuel taxes.', false],
    ['en', 'This morning, police closed the bridge.', false],
    ['en', "This year's harvest was the smallest in a decade.", false],
    ['en', 'This year’s budget passed by one vote.', false],
    ['en', 'These days, few farmers sell at a loss.', false],
    ['en', 'This was the third vote this year.', true],
    ['en', 'These figures were revised on Friday.', true],
    ['de', 'Diese Woche beginnt der Prozess.', false],
    ['de', 'Dieses Jahr fällt die Ernte klein aus.', false],
    ['de', 'Diesen Winter fehlt das Gas.', false],
    ['de', 'Dieser Tage wird viel gestritten.', false],
    ['de', 'Dieser Plan stieß auf Kritik.', true],
    ['ja', '同社は声明で謝罪した。', true],
    ['ja', 'これに対し、野党は反発した。', true],
    ['ja', 'また、3人がけがをした。', true],
    ['ja', '同志社大学の研究チームが発表した。', false],
    ['ja', '気象庁によると、震源の深さは約50キロ。', false],
    ['zh', '此外，还有三人受伤。', true],
    ['zh', '他表示将继续努力。', true],
    ['zh', '北京发生4级地震。', false],
    ['fr', 'Il a démissionné.', false],
  ];
  it.each(LEANING)('knows a sentence that leans on an earlier one (%s: %s → %s)', (language, sentence, expected) => {
    expect(leansOnPrevious(sentence, language)).toBe(expected);
  });

  it('property: a summary opens with a sentence that stands on its own whenever one fits', () => {
    const standing = ['The council approved the budget on Tuesday.', 'Spending on schools will rise by 4% next year.', 'Critics warned that taxes could go up.'];
    const leaning = ['It passed by nine votes to four.', 'However, two members walked out.', 'They said the plan was unfair.', 'This was the third vote this year.'];
    fc.assert(
      fc.property(fc.array(fc.record({ sentences: fc.array(fc.constantFrom(...standing, ...leaning), { minLength: 1, maxLength: 6 }), source: fc.constantFrom('A', 'B', 'C') }), { minLength: 1, maxLength: 4 }), (items) => {
        const story = fixtureStory('s', items.map((item) => fixtureItem({ sourceName: item.source, language: 'en', title: 'Budget vote', text: item.sentences.join(' ') })));
        const first = splitSentences(summarizeExtractive(story).summary, 'en')[0];
        const anyStanding = items.some((item) => item.sentences.some((sentence) => standing.includes(sentence)));
        if (anyStanding) expect(standing).toContain(first);
      }),
      { numRuns: 200 },
    );
  });

  it('takes a one-line teaser without a full stop as a sentence, but not a cut-off or multi-line one', () => {
    const teaser = (text: string) => summarizeExtractive(fixtureStory('s', [fixtureItem({ sourceName: 'A', title: 'iDisk hole closed', text })])).summary;
    expect(teaser("A hole has been closed in Apple's iDisk storage system after a vulnerability was found")).toBe(
      "A hole has been closed in Apple's iDisk storage system after a vulnerability was found",
    );
    expect(teaser('A hole has been closed in the storage system after a vulnerability allowing unauthorised,')).toBe('');
    expect(teaser('Follow-up notes on the storage system\nApple closes a hole in the storage system')).toBe('');
  });

  it('reads only the start of a huge text, never the sentence the cut falls in', () => {
    const huge = `${'The long report opened with a plain sentence. '.repeat(3)}${'word '.repeat(400_000)}`;
    const { summary } = summarizeExtractive(fixtureStory('s', [fixtureItem({ sourceName: 'A', title: 'Long report', text: huge })]));
    expect(summary).toBe('The long report opened with a plain sentence.');
  });

  it('gives an empty summary rather than part of a sentence when none fits', () => {
    const story = fixtureStory('s', [fixtureItem({ sourceName: 'A', title: 'Budget passes', text: ENGLISH[9]! })]);
    expect(summarizeExtractive(story, { maxChars: 100 }).summary).toBe('');
  });
});

describe('truncateAtWord', () => {
  it('never exceeds the budget, never cuts a word or a surrogate pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.integer({ min: 2, max: 200 }), (text, max) => {
        const cut = truncateAtWord(text, max);
        expect(cut.length).toBeLessThanOrEqual(Math.min(max, text.length));
        if (text.length <= max) expect(cut).toBe(text);
        else expect(text.startsWith(cut.slice(0, -1).trimEnd())).toBe(true);
        expect(cut).not.toMatch(/[\ud800-\udbff]$|[\ud800-\udbff]…$/);
      }),
      { numRuns: 300 },
    );
    expect(truncateAtWord('Central bank holds rates steady', 20)).toBe('Central bank holds…');
  });
});

describe('parseSummaryAnswer (the LLM answer check)', () => {
  const english = { language: 'en', script: undefined };
  it('accepts a plain JSON answer, also inside a code fence, and cleans markup', () => {
    expect(parseSummaryAnswer('{"headline":"Rates held","summary":"The bank kept rates at 3.5%. Two members dissented."}', english, 280)).toEqual({
      headline: 'Rates held', summary: 'The bank kept rates at 3.5%. Two members dissented.', language: 'en',
    });
    expect(parseSummaryAnswer('```json\n{"headline":"<b>Rates</b> held","summary":"The bank kept rates &amp; said little."}\n```', english, 280)).toEqual({
      headline: 'Rates held', summary: 'The bank kept rates & said little.', language: 'en',
    });
  });

  it('rejects prose, wrong shapes, three sentences, half sentences, over-budget and wrong-script answers', () => {
    expect(parseSummaryAnswer('Sure! Here is a summary.', english, 280)).toBeNull();
    expect(parseSummaryAnswer('{"title":"x","text":"y."}', english, 280)).toBeNull();
    expect(parseSummaryAnswer('{"headline":"x","summary":"One. Two. Three."}', english, 280)).toBeNull();
    expect(parseSummaryAnswer('{"headline":"x","summary":"The bank kept rates and"}', english, 280)).toBeNull();
    expect(parseSummaryAnswer('{"headline":"x","summary":"A sentence that is far too long for the budget."}', english, 20)).toBeNull();
    expect(parseSummaryAnswer('{"headline":"Rates held","summary":"The bank kept rates."}', { language: 'ja', script: 'ja' }, 280)).toBeNull();
    expect(parseSummaryAnswer('{"headline":"金利据え置き","summary":"日銀は金利を据え置きました。"}', { language: 'ja', script: 'ja' }, 280)).not.toBeNull();
  });
});

describe('summaryPrompt', () => {
  it('names the language to write in, and survives a language tag Intl cannot name', () => {
    expect(summaryPrompt(japaneseStories[0]!, 'ja', 200)[0]!.content).toContain('Write in Japanese.');
    expect(summaryPrompt(japaneseStories[0]!, 'not/a tag', 200)[0]!.content).toContain('Write in not/a tag.');
  });
});

describe('llmOptionsFromConfig', () => {
  it('is undefined without an endpoint, and carries every setting with one', () => {
    expect(llmOptionsFromConfig(parseConfig({}).llm)).toBeUndefined();
    expect(llmOptionsFromConfig(parseConfig({ llm: { baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.1:8b', tokenBudget: 5000 } }).llm)).toEqual({
      baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.1:8b', apiKey: undefined, timeoutMs: 20_000, tokenBudget: 5000, maxTokensPerStory: 300,
    });
  });
});

describe('describeFallbacks (the log line of a briefing whose stories fell back)', () => {
  const report = (fallbacks: LlmSummaryReport['fallbacks']): LlmSummaryReport => ({ stories: 12, generated: 12 - fallbacks.length, cached: 0, tokens: 900, fallbacks });

  it('counts the reasons and quotes the first error', () => {
    const failed = report([
      { storyId: 'a', reason: 'failed', detail: 'chat endpoint answered HTTP 500' },
      { storyId: 'b', reason: 'failed', detail: 'chat endpoint answered HTTP 502' },
      { storyId: 'c', reason: 'circuit-open' },
    ]);
    expect(describeFallbacks(failed)).toBe('3 of 12 stories got extractive summaries: request failed ×2, not asked after failures in a row ×1 (chat endpoint answered HTTP 500)');
    expect(fallbacksNeedAttention(failed)).toBe(true);
  });

  it('says nothing without fallbacks, and calls a spent budget no trouble', () => {
    expect(describeFallbacks(report([]))).toBeUndefined();
    const budget = report([{ storyId: 'a', reason: 'budget' }]);
    expect(describeFallbacks(budget)).toBe('1 of 12 stories got extractive summaries: llm.tokenBudget spent ×1');
    expect(fallbacksNeedAttention(budget)).toBe(false);
  });
});
