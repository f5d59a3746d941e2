import { describe, expect, it } from 'vitest';
import type { Briefing } from '../../src/briefing/model.js';
import { renderParts } from '../../src/render/index.js';
import { displayUrl } from '../../src/render/display-url.js';

describe('displayUrl', () => {
  it.each([
    ['https://xn--vuqp05cb2az79b79z.example/news/ja-rice-kyodo', 'https://日本通信社.example/news/ja-rice-kyodo'],
    ['https://xn--ols941k.example:8443/a?b=xn--c#d', 'https://速報.example:8443/a?b=xn--c#d'],
    ['https://xn--e1afmkfd.xn--p1ai/', 'https://пример.рф/'],
    ['https://xn--rcktbp9f4gz22vubu.example/news/1', 'https://マーケット日報.example/news/1'],
    ['https://xn--mnchen-3ya.de/', 'https://münchen.de/'],
    // Not internationalized, or the path only: unchanged.
    ['https://example.com/xn--abc', 'https://example.com/xn--abc'],
    // Latin mixed with Cyrillic ("аpple" with a Cyrillic а) is how a look-alike hides: stays punycode.
    ['https://xn--pple-43d.com/', 'https://xn--pple-43d.com/'],
    // A label that decodes to plain ASCII names another host.
    ['http://xn--zz-.example/', 'http://xn--zz-.example/'],
    ['https://user@xn--ols941k.example/', 'https://user@xn--ols941k.example/'],
    ['not a url', 'not a url'],
  ])('%s → %s', (href, shown) => {
    expect(displayUrl(href)).toBe(shown);
  });
});

describe('hosts in rendered briefings', () => {
  const briefing: Briefing = {
    title: 'ニュースまとめ',
    date: '2025-03-12',
    timezone: 'Asia/Tokyo',
    sections: [{ title: '主なニュース', emoji: '📰', bullets: [{ emoji: '🔸', headline: '見出し', summary: '要約。', sources: [{ name: '速報', url: 'https://速報.example/news/1' }], items: [] }] }],
    stats: { itemsIn: 1, duplicatesDropped: 0, stories: 1 },
  };

  it('shows the Unicode host where a reader reads the link, and keeps a valid ASCII href where it is a link', () => {
    expect(renderParts(briefing, 'text')[0]!.text).toContain('🔗 速報 <https://速報.example/news/1>');
    expect(renderParts(briefing, 'telegram')[0]!.text).toContain('<a href="https://xn--ols941k.example/news/1">速報</a>');
    expect(JSON.stringify(renderParts(briefing, 'discord'))).toContain('[速報](https://xn--ols941k.example/news/1)');
    expect(JSON.stringify(renderParts(briefing, 'discord', { discordStyle: 'content' }))).toContain('[速報](<https://xn--ols941k.example/news/1>)');
  });
});
