import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { charsetFromContentType, decodeFeed } from '../../src/feeds/decode.js';
import { ingestFeed } from '../../src/feeds/ingest.js';

const utf8 = (text: string) => new TextEncoder().encode(text);
const hex = (bytes: string) => Uint8Array.from(bytes.split(' ').map((byte) => Number.parseInt(byte, 16)));
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));

/** An RSS document whose title is `titleBytes`, declaring `label` in its XML declaration (if given). */
function feedBytes(titleBytes: Uint8Array, label?: string): Uint8Array {
  const declaration = label === undefined ? '' : `<?xml version="1.0" encoding="${label}"?>\n`;
  return concat(utf8(`${declaration}<rss version="2.0"><channel><title>`), titleBytes, utf8('</title></channel></rss>'));
}

/** Bytes of known words in each charset (encoded with Python's codecs). */
const CHARSETS: { label: string; bytes: string; text: string; encoding: string }[] = [
  { label: 'Shift_JIS', bytes: '83 65 83 58 83 67', text: 'テスト', encoding: 'shift_jis' },
  { label: 'EUC-JP', bytes: 'a5 c6 a5 b9 a5 c8', text: 'テスト', encoding: 'euc-jp' },
  { label: 'GB2312', bytes: 'd6 d0 ce c4', text: '中文', encoding: 'gb18030' },
  { label: 'GBK', bytes: 'd6 d0 ce c4 a2 e3', text: '中文€', encoding: 'gb18030' },
  { label: 'GB18030', bytes: 'd6 d0 ce c4 94 39 fc 36', text: '中文😀', encoding: 'gb18030' },
  { label: 'Big5', bytes: 'a4 a4 a4 e5', text: '中文', encoding: 'big5' },
  { label: 'EUC-KR', bytes: 'c7 d1 b1 b9', text: '한국', encoding: 'euc-kr' },
  { label: 'windows-1251', bytes: 'cf f0 e8 e2 e5 f2', text: 'Привет', encoding: 'windows-1251' },
  { label: 'KOI8-R', bytes: 'f0 d2 c9 d7 c5 d4', text: 'Привет', encoding: 'koi8-r' },
  { label: 'ISO-8859-5', bytes: 'bf e0 d8 d2 d5 e2', text: 'Привет', encoding: 'iso-8859-5' },
  { label: 'ISO-8859-7', bytes: 'c5 eb eb dc e4 e1', text: 'Ελλάδα', encoding: 'iso-8859-7' },
  { label: 'windows-1255', bytes: 'f9 ec e5 ed', text: 'שלום', encoding: 'windows-1255' },
  { label: 'TIS-620', bytes: 'e4 b7 c2', text: 'ไทย', encoding: 'windows-874' },
  { label: 'ISO-8859-2', bytes: 'a3 f3 64 bc', text: 'Łódź', encoding: 'iso-8859-2' },
  { label: 'windows-1250', bytes: 'a3 f3 64 9f', text: 'Łódź', encoding: 'windows-1250' },
  { label: 'ISO-8859-9', bytes: '61 6c 74 79 61 7a fd 73 fd', text: 'altyazısı', encoding: 'windows-1254' },
  { label: 'ISO-8859-1', bytes: '63 61 66 e9 20 80', text: 'café €', encoding: 'windows-1252' },
];

describe('decodeFeed', () => {
  describe.each(CHARSETS)('$label', ({ label, bytes, text, encoding }) => {
    it('decodes by the XML declaration', () => {
      expect(decodeFeed(feedBytes(hex(bytes), label))).toEqual({ text: expect.stringContaining(`<title>${text}</title>`), encoding });
    });
    it('decodes by the HTTP charset when there is no declaration', () => {
      expect(decodeFeed(feedBytes(hex(bytes)), `application/rss+xml; charset=${label}`).encoding).toBe(encoding);
      expect(decodeFeed(feedBytes(hex(bytes)), `text/xml;charset="${label}"`).text).toContain(text);
    });
  });

  it('prefers a BOM over the HTTP charset and the declaration', () => {
    const withBom = concat(hex('ef bb bf'), feedBytes(utf8('Ünïcödé'), 'windows-1252'));
    expect(decodeFeed(withBom, 'text/xml; charset=koi8-r')).toEqual({ text: expect.stringContaining('<title>Ünïcödé</title>'), encoding: 'utf-8' });
    expect(decodeFeed(withBom).text.startsWith('<?xml')).toBe(true); // the BOM itself is not text
  });

  it('prefers the HTTP charset over the declaration', () => {
    const koi8 = feedBytes(hex('f0 d2 c9 d7 c5 d4'), 'windows-1251');
    expect(decodeFeed(koi8, 'text/xml; charset=KOI8-R')).toEqual({ text: expect.stringContaining('Привет'), encoding: 'koi8-r' });
    expect(decodeFeed(koi8).text).not.toContain('Привет');
  });

  it('lets a UTF-8 header give way to the declaration when the bytes are not UTF-8', () => {
    const cp1251 = feedBytes(hex('cf f0 e8 e2 e5 f2 20 cf f0 e8 e2 e5 f2'), 'windows-1251');
    expect(decodeFeed(cp1251, 'text/xml; charset=utf-8')).toEqual({ text: expect.stringContaining('Привет Привет'), encoding: 'windows-1251' });
  });

  it('lets a header\'s legacy charset give way to valid multi-byte UTF-8 that the document declares', () => {
    const utf8Feed = feedBytes(utf8('Ünïcödé – 日本'), 'UTF-8');
    expect(decodeFeed(utf8Feed, 'text/xml; charset=ISO-8859-1')).toEqual({ text: expect.stringContaining('Ünïcödé – 日本'), encoding: 'utf-8' });
    // ...but not ASCII-only text, which proves nothing, nor a document that declares nothing
    expect(decodeFeed(feedBytes(utf8('plain'), 'UTF-8'), 'text/xml; charset=ISO-8859-1').encoding).toBe('windows-1252');
    expect(decodeFeed(feedBytes(utf8('Ünïcödé')), 'text/xml; charset=ISO-8859-1').encoding).toBe('windows-1252');
  });

  it('skips an unknown charset label and uses the next piece of evidence', () => {
    const sjis = feedBytes(hex('83 65 83 58 83 67'), 'Shift_JIS');
    expect(decodeFeed(sjis, 'text/xml; charset=x-no-such-charset').encoding).toBe('shift_jis');
    expect(decodeFeed(feedBytes(utf8('plain'), 'x-bogus')).encoding).toBe('utf-8');
  });

  it('decodes UTF-16 with a BOM (both byte orders) and without one (by its null bytes)', () => {
    const document = '<?xml version="1.0" encoding="utf-16"?><rss><channel><title>Ελλάδα 中文</title></channel></rss>';
    const utf16le = Uint8Array.from([...document].flatMap((char) => [char.charCodeAt(0) & 0xff, char.charCodeAt(0) >> 8]));
    const utf16be = Uint8Array.from([...document].flatMap((char) => [char.charCodeAt(0) >> 8, char.charCodeAt(0) & 0xff]));
    expect(decodeFeed(concat(hex('ff fe'), utf16le))).toEqual({ text: document, encoding: 'utf-16le' });
    expect(decodeFeed(concat(hex('fe ff'), utf16be))).toEqual({ text: document, encoding: 'utf-16be' });
    expect(decodeFeed(utf16le)).toEqual({ text: document, encoding: 'utf-16le' });
    expect(decodeFeed(utf16be)).toEqual({ text: document, encoding: 'utf-16be' });
  });

  it('reads a JSON Feed as UTF-8, or as UTF-16 by its BOM or null bytes', () => {
    const json = '{"version":"https://jsonfeed.org/version/1.1","title":"Zürich","items":[]}';
    expect(decodeFeed(utf8(json), 'application/feed+json')).toEqual({ text: json, encoding: 'utf-8' });
    const utf16le = Uint8Array.from([...json].flatMap((char) => [char.charCodeAt(0) & 0xff, char.charCodeAt(0) >> 8]));
    expect(decodeFeed(utf16le)).toEqual({ text: json, encoding: 'utf-16le' });
  });

  it('ignores a UTF-16 declaration in a document that is visibly ASCII-compatible', () => {
    expect(decodeFeed(feedBytes(utf8('naïve'), 'utf-16'))).toEqual({ text: expect.stringContaining('naïve'), encoding: 'utf-8' });
  });

  it('falls back to windows-1252 when undeclared bytes are not UTF-8, but keeps UTF-8 with a stray bad byte', () => {
    expect(decodeFeed(feedBytes(hex('63 61 66 e9 20 80')))).toEqual({ text: expect.stringContaining('café €'), encoding: 'windows-1252' });
    const mostlyUtf8 = concat(utf8('日本語のテキストです。'.repeat(3)), hex('ff'));
    expect(decodeFeed(feedBytes(mostlyUtf8))).toEqual({ text: expect.stringContaining('日本語のテキストです。\uFFFD'), encoding: 'utf-8' });
  });

  it('reads valid UTF-8 that writes U+FFFD itself like UTF-8 with a stray bad byte, and from a view into a larger buffer', () => {
    const withLiteral = feedBytes(utf8(`${'日本語のテキストです。'.repeat(3)}\uFFFD`));
    expect(decodeFeed(withLiteral)).toEqual({ text: expect.stringContaining('日本語のテキストです。\uFFFD'), encoding: 'utf-8' });
    const view = concat(hex('ef bf bd'), feedBytes(utf8('naïve')), hex('ef bf bd')).subarray(3, -3);
    expect(decodeFeed(view)).toEqual({ text: expect.stringContaining('naïve'), encoding: 'utf-8' });
  });
});

/**
 * Real feeds in legacy encodings (test/fixtures/feeds, from chardet's test set), each with the
 * script its text is written in and words it must decode to.
 */
const UNDECLARED: { file: string; encoding: string; script: RegExp; words: string[] }[] = [
  { file: 'chardet__EUC-JP-arclamp.jp.xml', encoding: 'euc-jp', script: /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー]/u, words: ['あなたには選択権がある'] },
  { file: 'chardet__SHIFT_JIS-brag.zaka.to.xml', encoding: 'shift_jis', script: /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー]/u, words: ['ＢＳデジタル、０７年度から２局増'] },
  { file: 'chardet__KOI8-R-koi.kinder.ru.xml', encoding: 'koi8-r', script: /\p{Script=Cyrillic}/u, words: ['Детские новости', 'Московский детский театр теней'] },
  { file: 'chardet__windows-1251-russian-newsru.com.xml', encoding: 'windows-1251', script: /\p{Script=Cyrillic}/u, words: ['В Турции психически нездоровый'] },
  { file: 'chardet__Big5-blog.worren.net.xml', encoding: 'big5', script: /\p{Script=Han}/u, words: ['Keil C Compiler 中斷的寫法'] },
  { file: 'chardet__GB2312-acnnewswire.net.xml', encoding: 'gb18030', script: /\p{Script=Han}/u, words: ['与中国银联（China UnionPay）完成ATM网关协议的签订'] },
  { file: 'chardet__windows-1255-hebrew-whatsup.org.il.xml', encoding: 'windows-1255', script: /\p{Script=Hebrew}/u, words: ['לינוקס, תוכנה חופשית'] },
  { file: 'chardet__TIS-620-opentle.org.xml', encoding: 'windows-874', script: /\p{Script=Thai}/u, words: ['ซอฟแวร์โอเพนซอร์สจะสดใส'] },
];

/** The feed's bytes with its XML declaration and chardet's "Expect: …" comment taken out: nothing names the encoding. */
function undeclared(file: string): Uint8Array {
  const latin1 = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'feeds', file)).toString('latin1');
  const stripped = latin1.replace(/^\s*<\?xml[^>]*\?>/, '').replace(/<!--[^>]*?Expect:[^>]*?-->/, '');
  expect(stripped.slice(0, 2048)).not.toMatch(/<\?xml\s|Expect:/);
  return Buffer.from(stripped, 'latin1');
}

/** Share of the non-ASCII letters of a text that are in a script (punctuation and digits aside). */
function shareInScript(text: string, script: RegExp): number {
  const letters = [...text].filter((char) => char > '\u007f' && /\p{L}/u.test(char));
  return letters.filter((char) => script.test(char)).length / letters.length;
}

describe('decodeFeed without any declaration (detection)', () => {
  describe.each(UNDECLARED)('$encoding ($file)', ({ file, encoding, script, words }) => {
    it('is detected and decodes to its own script, as its declaration would have', async () => {
      const bytes = undeclared(file);
      const decoded = decodeFeed(bytes);
      expect(decoded.encoding).toBe(encoding);
      expect(decoded.text).toBe(new TextDecoder(encoding).decode(bytes));
      expect(decoded.text).not.toContain('\uFFFD');
      const { items, feedTitle } = await ingestFeed(bytes, undefined, { feedId: file, now: new Date('2026-01-01T00:00:00Z') });
      const text = [feedTitle, ...items.flatMap((item) => [item.title, item.text])].join('\n');
      expect(shareInScript(text, script)).toBeGreaterThan(0.95);
      for (const word of words) expect(text).toContain(word);
    });
  });

  it('never takes UTF-8 (ASCII included) for anything else (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), fc.boolean(), (title, asJson) => {
        const document = asJson ? JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title, items: [] }) : `<rss version="2.0"><channel><title>${title}</title></channel></rss>`;
        expect(decodeFeed(utf8(document))).toEqual({ text: document, encoding: 'utf-8' });
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a short undeclared Latin text in windows-1252, where detectors have too little to go on', () => {
    for (const text of ['café €', 'Größere Änderungen für München', 'Zürich', 'naïve']) {
      const latin = Uint8Array.from([...text].map((char) => (char === '€' ? 0x80 : char.charCodeAt(0))));
      expect(decodeFeed(feedBytes(latin))).toEqual({ text: expect.stringContaining(text), encoding: 'windows-1252' });
    }
  });
});

describe('charsetFromContentType', () => {
  it('reads quoted, unquoted and oddly spaced charset parameters', () => {
    expect(charsetFromContentType('text/xml; charset=ISO-8859-1')).toBe('ISO-8859-1');
    expect(charsetFromContentType('application/rss+xml;CHARSET="utf-8"')).toBe('utf-8');
    expect(charsetFromContentType('text/xml ; charset = koi8-r ; q=1')).toBe('koi8-r');
    expect(charsetFromContentType('text/xml')).toBeUndefined();
    expect(charsetFromContentType(undefined)).toBeUndefined();
  });
});
