import { describe, expect, it } from 'vitest';
import { summarizeExtractive } from '../../src/summarize/extractive.js';
import { restates, sentenceFacts } from '../../src/summarize/restatement.js';
import { fixtureItem, fixtureStory } from '../fixtures/briefing/stories.js';

const FLU_MINISTRY = 'The Ministry of Health reported 1,284 new hospital admissions for influenza on Monday, down from 1,412 on Sunday.';
const FLU_PAPER = 'Flu hospital admissions fell to 1,284 on Monday, the third consecutive daily drop, but intensive care doctors warned that 412 patients in ICU left little room.';
const RICE = '農林水産省は10日、政府備蓄米の初回入札で約14万1796トンが落札されたと発表した。';

/** [language, already chosen, candidate, whether the candidate restates it] */
const TABLE: [string, string, string, boolean][] = [
  // English restatements: a shared figure with the same key words, or two shared figures.
  ['en', FLU_MINISTRY, FLU_PAPER, true],
  ['en', 'The central bank kept its main interest rate at 3.5% on Wednesday.', 'The central bank left borrowing costs unchanged at 3.5%.', true],
  ['en', 'A measles outbreak in West Texas has grown to 223 cases, up from 198 on Friday.', 'Texas now counts 223 measles cases against 198 last week.', true],
  ['en', 'The ministry said 2 million vaccine doses were delivered.', 'Pharmacies received 2,000,000 doses of vaccine from the ministry.', true],
  // English sentences that add facts: no shared figure, a date or year, or a figure with other words.
  ['en', FLU_MINISTRY, 'There were 37 deaths linked to flu in the past 24 hours.', false],
  ['en', FLU_MINISTRY, 'Intensive care units are treating 412 flu patients, the ministry said.', false],
  ['en', 'Ukraine said on March 11, 2025 it would accept a ceasefire.', 'Russia will answer by March 11, 2025, the Kremlin said.', false],
  ['en', 'The S&P 500 fell 2.7 percent to 5,614.56.', 'The S&P 500 has lost 10 percent since its February record.', false],
  ['en', 'A wildfire forced about 8,000 people to evacuate in Ventura County.', 'The Ridge Fire has burned more than 6,800 acres and destroyed 30 structures.', false],
  // Japanese restatements: 万 groups, full-width digits, ASCII separators all meet.
  ['ja', RICE, '備蓄米は１４万１７９６トンが落札され、平均落札価格は60キロあたり2万1217円だった。', true],
  ['ja', RICE, '政府の備蓄米は141,796トンが落札された。', true],
  ['ja', '米国とウクライナの高官は11日、ジッダで協議し、ウクライナが30日間の即時停戦を受け入れる用意があると表明した。', 'ウクライナ側は30日間の停戦案に同意した。', true],
  ['ja', '日本政府観光局は12日、2月の訪日外国人客数が326万人だったと発表した。', '2月に日本を訪れた外国人は326万人で、2月として過去最多となった。', true],
  // Japanese sentences with new facts: other figures, or only the same date ("12日") in common.
  ['ja', RICE, '平均落札価格は60キロあたり2万1217円となった。', false],
  ['ja', '12日の東京株式市場で日経平均株価は反発し、終値は3万6819円だった。', '12日の東京外国為替市場で円相場は1ドル=148円台で推移した。', false],
  ['ja', '12日午前9時18分ごろ、岩手県沖で地震があり、震度4を観測した。', '12日午前9時18分、気象庁は津波の心配はないと発表した。', false],
];

describe('restatement check', () => {
  it.each(TABLE)('%s: "%s" then "%s" → restates %s', (language, chosen, candidate, expected) => {
    expect(restates(sentenceFacts(chosen, language), sentenceFacts(candidate, language))).toBe(expected);
    expect(restates(sentenceFacts(candidate, language), sentenceFacts(chosen, language))).toBe(expected);
  });

  it('is a table the trivial answers fail: restatements and new facts in both languages', () => {
    for (const trivial of [true, false]) {
      for (const language of ['en', 'ja']) {
        expect(TABLE.some(([rowLanguage, , , expected]) => rowLanguage === language && expected !== trivial)).toBe(true);
      }
    }
  });

  it('reads Japanese figures as values: 万 groups and full-width digits', () => {
    expect([...sentenceFacts('約１４万１７９６トン、2万1217円、260億ユーロ、3.3万人', 'ja').figures]).toEqual(['141796', '21217', '26000000000', '33000']);
    expect([...sentenceFacts('9日午前11時14分ごろ、2025年3月の地震で約8時間停電した。', 'ja').figures]).toEqual(['8']);
  });
});

describe('summary with a restating sentence', () => {
  const flu = fixtureStory('flu', [
    fixtureItem({ sourceName: 'Health Ministry Bulletin', language: 'en', title: 'Influenza update: 1,284 new hospital admissions on Monday', text: `${FLU_MINISTRY} There were 37 deaths linked to flu in the past 24 hours. The ministry urged people over 65 to get vaccinated.` }),
    fixtureItem({ sourceName: 'Capital Courier', language: 'en', title: 'Flu admissions fall for third day', text: `${FLU_PAPER} Thirty-seven deaths were reported.` }),
  ]);

  it('takes the next-best sentence that tells something else', () => {
    const { summary } = summarizeExtractive(flu);
    expect(summary.startsWith(FLU_MINISTRY)).toBe(true);
    expect(summary).not.toContain(FLU_PAPER);
    expect(summary.length).toBeGreaterThan(FLU_MINISTRY.length);
  });

  it('keeps a restatement with a figure of its own when no other sentence fits', () => {
    const story = fixtureStory('flu-two', [
      fixtureItem({ sourceName: 'Health Ministry Bulletin', language: 'en', title: 'Influenza update: 1,284 new hospital admissions on Monday', text: FLU_MINISTRY }),
      fixtureItem({ sourceName: 'Capital Courier', language: 'en', title: 'Flu admissions fall for third day', text: FLU_PAPER }),
    ]);
    expect(summarizeExtractive(story).summary).toBe(`${FLU_MINISTRY} ${FLU_PAPER}`);
  });

  it('keeps a Japanese second sentence that adds facts', () => {
    const story = fixtureStory('rice', [
      fixtureItem({ sourceName: '日本通信社', language: 'ja', title: '政府備蓄米、初回入札で14万トン落札', text: `${RICE}平均落札価格は60キロあたり2万1217円となった。` }),
      fixtureItem({ sourceName: '農業新報', language: 'ja', title: '備蓄米14万トン落札', text: '政府の備蓄米は141,796トンが落札された。' }),
    ]);
    expect(summarizeExtractive(story).summary).toBe(`${RICE}平均落札価格は60キロあたり2万1217円となった。`);
  });
});
