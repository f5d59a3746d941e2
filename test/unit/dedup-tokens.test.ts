import { describe, expect, it } from 'vitest';
import { contentTokens } from '../../src/dedup/tokens.js';
import { segmenterWork } from '../support/segmenter-work.js';

describe('contentTokens', () => {
  it('segments Japanese into words with Intl.Segmenter and drops particles', () => {
    expect(contentTokens('石川県で震度5強の地震があった', 'ja')).toEqual(['石川', '県', '震度', '5', '強', '地震']);
    // Mislabelled feeds are common; ICU picks the dictionary by script, not by the tag.
    expect(contentTokens('石川県で震度5強の地震があった', 'en')).toEqual(['石川', '県', '震度', '5', '強', '地震']);
  });

  it('segments Chinese without spaces too', () => {
    const tokens = contentTokens('国家统计局发布经济数据', 'zh');
    expect(tokens.length).toBeGreaterThan(2);
    expect(tokens.join('')).toBe('国家统计局发布经济数据');
  });

  it('drops stopwords and stems alphabetic words by truncation, so inflections meet', () => {
    expect(contentTokens('The central bank cuts its rates', 'en')).toEqual(['centra', 'bank', 'cut', 'rat']);
    expect(contentTokens('Die Lawine und der Lawinenabgang', 'de')).toEqual(['lawine', 'lawine']);
    expect(contentTokens('Цены на нефть и нефти', 'ru')).toEqual(['цены', 'нефть', 'нефти']);
  });

  it('strips English possessives and inflections, so one event in other words meets', () => {
    expect(contentTokens("Neil Young's Pono player", 'en')).toEqual(['neil', 'young', 'pono', 'player']);
    expect(contentTokens('Neil Young unveils Pono players', 'en')).toEqual(['neil', 'young', 'unveil', 'pono', 'player']);
    expect(contentTokens('McDonald’s sales', 'en')).toEqual(contentTokens("McDonald's sale", 'en'));
    expect(new Set(contentTokens('files filed filing file', 'en'))).toEqual(new Set(['fil']));
    expect(contentTokens('press bus', 'en')).toEqual(['press', 'bus']);
    // Only English: German and French words keep their endings (truncation still applies).
    expect(contentTokens('Gebäudes', 'de')).toEqual(['gebäud']);
  });

  it('drops month and weekday names: a date says when, not what', () => {
    expect(contentTokens('Morning links for Tuesday, March 11', 'en')).toEqual(['morn', 'link', '11']);
  });

  it('keeps numbers whole, since scores and magnitudes tell events apart', () => {
    expect(contentTokens('Liverpool won 3-0; magnitude 6.8 quake', 'en')).toEqual(expect.arrayContaining(['3', '0', '6.8']));
  });

  it('falls back to a default segmenter for a malformed or unknown language tag', () => {
    for (const tag of ['not-a-language!', 'en_US', 'English', 'xx']) expect(contentTokens('Storm Fenella hits Wales', tag)).toEqual(['storm', 'fenell', 'hit', 'wal']);
  });

  it('tokenizes a full article with work in proportion to its length', () => {
    // A feed's content:encoded may hold a whole article of 200,000 characters.
    const article = (repeats: number) => 'Officials said on Tuesday that the plan would go ahead. 政府は経済対策を決定した。\n'.repeat(repeats);
    const work = (repeats: number) => segmenterWork(() => contentTokens(article(repeats), 'en'));
    // Twice the text, twice the work (segmenting the whole text at once took four times as much).
    expect(work(2000)).toBeLessThan(2.5 * work(1000));
  });
});
