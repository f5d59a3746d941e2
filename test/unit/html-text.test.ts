import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectPairsBelowAreNormal } from '../support/normal-form-pairs.js';
import { firstImage, holdsDoubleEscapedEntity, htmlToText, readHtml } from '../../src/feeds/html-text.js';

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fold = (text: string) => text.replace(/\s+/g, ' ').trim().normalize('NFC');

/**
 * Text that does not itself look like an entity reference: "&amp;" written literally is
 * indistinguishable from a double-escaped "&", which htmlToText repairs on purpose.
 */
const textWithoutEntityLookalikes = fc.string({ unit: 'grapheme', maxLength: 80 }).filter((text) => !/&(#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);/i.test(text));
const textWithMarkupCharacters = fc
  .array(fc.oneof(fc.constantFrom('<', '>', '&', '"', "'", ' ', '\n', 'b', 'p', 'script', '/', '=', ';', '#'), fc.string({ unit: 'grapheme', maxLength: 5 })), { maxLength: 30 })
  .map((parts) => parts.join(''))
  .filter((text) => !/&(#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);/i.test(text));

describe('htmlToText', () => {
  it('drops tags and script/style contents, and turns block elements into line breaks', () => {
    expect(htmlToText('<div><p>First <b>bold</b> para.</p><script>alert("x<y")</script><style>p{}</style><p>Second<br>line</p><ul><li>a</li><li>b</li></ul></div>'))
      .toBe('First bold para.\nSecond\nline\na\nb');
  });

  it('decodes named, decimal and hex entities, and a double-escaped entity once', () => {
    expect(htmlToText('caf&eacute; &#233; &#xE9; &hellip; &nbsp;x &lt;tag&gt; &amp;')).toBe('café é é … x <tag> &');
    expect(htmlToText('It&amp;#8217;s &amp;amp; &amp;ldquo;quoted&amp;rdquo;')).toBe('It’s & “quoted”');
    expect(htmlToText('&amp;amp;amp;')).toBe('&amp;');
  });

  it('repairs a double escape whatever the case of its "&amp;"', () => {
    expect(htmlToText('It&AMP;#8217;s <b>&Amp;ldquo;x&amP;rdquo;</b>')).toBe('It’s “x”');
    expect(htmlToText('&amp <b>&am;p;</b> &amp;&')).toBe('& &am;p; &&');
  });

  it('folds whitespace inside lines and drops empty lines; source line breaks are only spaces', () => {
    expect(htmlToText('  a \t b\n c  <p>\n\n</p><p> d </p>')).toBe('a b c\nd');
  });

  it('returns NFC text', () => {
    expect(htmlToText('Cafe\u0301')).toBe('Caf\u00e9');
  });

  it('skips NFC only where it changes nothing: every pair of code units below U+0300 is NFC already', () => {
    expectPairsBelowAreNormal('NFC', 0x300);
    expect(htmlToText('<p>Cafe\u0301 <b>x</b></p>')).toBe('Caf\u00e9 x');
  });

  it('survives broken markup without losing text', () => {
    expect(htmlToText('<p>unclosed <b>bold <i>italic</p> tail</div></span> end')).toBe('unclosed bold italic\ntail end');
    expect(htmlToText('<a href="x>broken')).toBe('');
  });

  it('reads absurdly deep markup up to the nesting limit, without hanging', () => {
    const depth = 1_000_000;
    expect(htmlToText(`<p>kept</p>${'<div>'.repeat(depth)}lost${'</div>'.repeat(depth)}`)).toBe('kept');
  }, 60_000);

  it('returns escaped text as the text itself (entities decoded, whitespace folded)', () => {
    fc.assert(fc.property(textWithoutEntityLookalikes, (text) => {
      expect(htmlToText(escapeHtml(text))).toBe(fold(text));
    }), { numRuns: 300 });
  });

  it('never lets markup from the input through as a tag', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('p', 'b', 'script', 'a', 'img', 'div', 'span'), textWithoutEntityLookalikes)), (parts) => {
      const html = parts.map(([tag, text]) => `<${tag} class="x">${escapeHtml(text)}</${tag}>`).join('');
      expect(htmlToText(html)).not.toMatch(/<(p|b|script|a|img|div|span) class/);
    }), { numRuns: 200 });
  });

  it('folds whitespace between inline tags as it folds the same text without the tags', () => {
    // Every kind of whitespace: a chunk of whitespace alone is told apart from text by /\S/, which must agree with trim().
    const whitespace = fc.array(fc.constantFrom(' ', '\n', '\t', '\r', '\v', '\f', '\u00a0', '\u1680', '\u2000', '\u2028', '\u202f', '\u3000', '\ufeff'), { maxLength: 3 }).map((units) => units.join(''));
    const word = fc.stringMatching(/^[a-zé’]{1,4}$/);
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('b', 'i', 'span', 'a'), fc.oneof(whitespace, word)), { maxLength: 12 }), (parts) => {
      const html = parts.map(([tag, text]) => `<${tag}>${text}</${tag}>`).join('');
      expect(htmlToText(html)).toBe(fold(parts.map(([, text]) => text).join('')));
    }), { numRuns: 300 });
  });

  it('is idempotent on plain text', () => {
    fc.assert(fc.property(textWithMarkupCharacters.filter((text) => !/[<&]/.test(text)), (text) => {
      const once = htmlToText(text);
      expect(once).toBe(fold(text));
      expect(htmlToText(once)).toBe(once);
    }), { numRuns: 300 });
  });
});

describe('readHtml', () => {
  it('gives every field, in one order, whichever way the text is read (plain, fast scanner, htmlparser2; in NFKC or not)', () => {
    const bodies = ['Plain title', 'Plain title…', '<p>Markup</p>', '<p>Markup…</p>', '<a href="/x">Link only</a>', '<p>Text<img src="/i.png"></p>', '<svg><p>Read by htmlparser2</p></svg>'];
    for (const html of bodies) expect(Object.keys(readHtml(html, 'https://example.org/')), html).toEqual(['text', 'inNfkc', 'nfkc', 'image', 'linksOnly']);
  });
});

describe('holdsDoubleEscapedEntity', () => {
  it('finds a double-escaped entity exactly where the pattern does, in any case', () => {
    const near = fc.string({ unit: fc.constantFrom('&', 'a', 'A', 'm', 'M', 'p', 'P', ';', 'x', 'X', '#', '1', 'á', '\u0101', ' ', '&amp;', '&AMP;', '&amp;#', 'lt;', '=', '\u212a'), maxLength: 30 });
    fc.assert(fc.property(near, (html) => {
      expect(holdsDoubleEscapedEntity(html)).toBe(/&amp;(#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);/i.test(html));
    }), { numRuns: 5000 });
  });
});

describe('firstImage', () => {
  it('returns the first real image, resolved against the base', () => {
    expect(firstImage('<p>x</p><img src="/a.jpg"><img src="b.jpg">', 'https://example.org/news/item')).toBe('https://example.org/a.jpg');
  });

  it('skips tracking pixels and data: URIs, and honours lazy-loading data-src', () => {
    expect(firstImage('<img src="https://t.example/p.gif" width="1" height="1"><img src="data:image/png;base64,xx" data-src="https://cdn.example/real.png">')).toBe('https://cdn.example/real.png');
  });

  it('returns undefined when there is no http(s) image', () => {
    expect(firstImage('<p>no image</p>')).toBeUndefined();
    expect(firstImage('<img src="javascript:alert(1)">')).toBeUndefined();
    expect(firstImage('<img src="relative.png">')).toBeUndefined();
  });
});
