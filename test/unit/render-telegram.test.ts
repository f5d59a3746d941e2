import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTelegramHtml } from '../../src/render/telegram-html-check.js';
import { escapeTelegramHtml } from '../../src/render/telegram-html.js';

describe('checkTelegramHtml', () => {
  it('accepts the subset Telegram parses and returns the visible text', () => {
    expect(checkTelegramHtml('<b>bold</b> <i>it</i> <a href="https://x.example/?a=1&amp;b=2">link</a> &lt;&gt;&amp;&quot; &#128512;')).toEqual({
      ok: true,
      text: 'bold it link <>&" 😀',
    });
    expect(checkTelegramHtml('<pre><code class="language-ts">x</code></pre><blockquote expandable>q</blockquote><span class="tg-spoiler">s</span>').ok).toBe(true);
  });

  const rejected: [string, string][] = [
    ['<div>x</div>', 'unsupported tag'],
    ['<b>open', 'unclosed'],
    ['<b><i>x</b></i>', 'does not close'],
    ['a < b', 'does not start a tag'],
    ['a > b', 'unescaped ">"'],
    ['AT&T', 'entity'],
    ['&nbsp;', 'entity'],
    ['<a>x</a>', 'needs href'],
    ["<a href='https://x.example'>x</a>", 'does not start a tag'],
    ['<a href="javascript:alert(1)">x</a>', 'not a link'],
    ['<a href="https://a.example"><a href="https://b.example">x</a></a>', 'link inside a link'],
    ['<code><b>x</b></code>', 'inside <code>'],
    ['<span>x</span>', 'needs class'],
    ['<span class="x">x</span>', 'tg-spoiler'],
    ['<b onclick="x">x</b>', 'does not take'],
  ];
  for (const [html, error] of rejected) {
    it(`rejects ${html}`, () => {
      const check = checkTelegramHtml(html);
      expect(check.ok).toBe(false);
      if (!check.ok) expect(check.error).toContain(error);
    });
  }
});

describe('escapeTelegramHtml', () => {
  it('turns any text into valid Telegram HTML showing exactly that text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ maxLength: 40 }), (text, attribute) => {
        expect(checkTelegramHtml(escapeTelegramHtml(text))).toEqual({ ok: true, text });
        expect(escapeTelegramHtml(attribute, true)).not.toMatch(/["<>]|&(?!(amp|lt|gt|quot);)/);
      }),
      { numRuns: 300 },
    );
  });
});
