import fc from 'fast-check';
import { Parser } from 'htmlparser2';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { scanHtml, type HtmlEvents, type ImageAttributes } from '../../src/feeds/html-scan.js';

type Event = ['open', string, ImageAttributes] | ['close', string] | ['text', string];

/** Events as a list, adjacent text chunks kept apart: where htmlparser2 splits text is part of what must match. */
function recorder(): { events: Event[]; sink: HtmlEvents } {
  const events: Event[] = [];
  return {
    events,
    sink: {
      openTag: (name, attributes) => events.push(['open', name, { ...attributes }]),
      closeTag: (name) => events.push(['close', name]),
      text: (chunk) => events.push(['text', chunk]),
    },
  };
}

function scanned(html: string): Event[] | undefined {
  const { events, sink } = recorder();
  return scanHtml(html, sink) ? events : undefined;
}

/** What htmlparser2 reports, with only the `<img>` attributes the scanner collects. */
function parsed(html: string): Event[] {
  const { events, sink } = recorder();
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        const image: ImageAttributes = {};
        if (name === 'img') for (const key of ['src', 'data-src', 'width', 'height'] as const) if (key in attributes) image[key] = attributes[key];
        sink.openTag(name, image);
      },
      onclosetag: (name) => sink.closeTag(name),
      ontext: (chunk) => sink.text(chunk),
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  return events;
}

/** Pieces of the markup feeds carry, and of markup that is broken in every way the tokenizer distinguishes. */
const pieces = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(
    '<p>', '</p>', '<P class="x">', '<div>', '</div>', '<a href="/x?a=1&amp;b=2">', '</a>', '<A HREF=x>', '<b>', '</b>', '<br>', '<br/>', '</br>',
    '<li>', '</li>', '<ul>', '</ul>', '<td>', '<tr>', '<table>', '</table>', '<h2>', '</h2>', '<dd>', '<dt>', '<span>', '</span>', '<hr>',
    '<img src="https://x.example/a.jpg">', '<img SRC=\'/b.png\' width=1 height="1">', '<img data-src="c&amp;d.jpg" src="data:x">',
    '<img src=a.jpg src=b.jpg/>', '<img src="&#104;ttps://e.example/&copy;.png">', '<img alt="a>b" src="q&notit;">', '<img src="&amp">',
    '<script>', '</script>', '<script type="x">if (a < b) {}</script>', '<style>p{}</style>', '<iframe src="v"/>', '</SCRIPT >',
    '<Script>a</sCRIPT>', '<IMG src=a&amp;b.jpg>', '<table><tr><td>a<td>b</table>', '<TD>', '</TR>', '</p >', '</div x=">">',
    '<figcaption>', '</figcaption>', '<noscript>', '</noscript>', '<svg>', '<form>', '<title>', '<image>',
    '<!-- c -->', '<!---->', '<!-->', '<!--->', '<!-- a --!> b', '<!-- --- -->', '<!--', '<![CDATA[x]]>', '<![CDATA[', '<!DOCTYPE html>',
    '<!x>', '<?php ?>', '</>', '</ x>', '</3>', '<', '</', '<3', '< b>', '<a', '<p class="', '<x/y>', '<p =x>', '<p a = b c=\'d\'>',
    '&amp;', '&lt;', '&gt;', '&quot;', '&nbsp;', '&#8217;', '&#x1F600;', '&#0;', '&#128;', '&#xD800;', '&#99999999;', '&hellip;',
    '&amp', '&notit;', '&not', '&copy=1', '&#', '&#x', '&#39', '&bogus;', '&', '&&', '&NotANumber;', '&fjlig;', '&nGt;',
  ) },
  { weight: 3, arbitrary: fc.constantFrom(' ', '  ', '\n', '\t', '\u00a0', 'text', 'Ünïcödé', '日本語', '\r\n', '"', "'", '=', '>', '/', '-', ']') },
  { weight: 2, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
);
const markup = fc.array(pieces, { maxLength: 40 }).map((parts) => parts.join(''));

describe('scanHtml', () => {
  it('reports what htmlparser2 reports, or gives up', () => {
    fc.assert(fc.property(markup, (html) => {
      const events = scanned(html);
      if (events !== undefined) expect(events).toEqual(parsed(html));
    }), { numRuns: 20_000 });
  });

  it('tells element names apart however they are cased, however many share a slot of its name cache', () => {
    // Names from a few letters, in any case, with and without `/`: thousands of names over the
    // cache's 512 slots, so one name's tags meet slots that last held another.
    const name = fc.string({ unit: fc.constantFrom('p', 'P', 'b', 'B', 'r', 'R', 'l', 'I', 'i', '1', '-'), minLength: 1, maxLength: 4 });
    const tag = fc.tuple(fc.boolean(), name, fc.constantFrom('>', ' x>', '/>')).map(([end, tagName, close]) => `<${end ? '/' : ''}${tagName}${close}`);
    const html = fc.array(fc.oneof(tag, fc.constantFrom('a', ' ', '&amp;')), { maxLength: 30 }).map((parts) => parts.join(''));
    fc.assert(fc.property(html, (document) => {
      const events = scanned(document);
      if (events !== undefined) expect(events).toEqual(parsed(document));
    }), { numRuns: 5_000 });
  });

  it('keeps no document alive once scanned, whatever element names it taught the name cache', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const sink: HtmlEvents = { openTag: () => {}, closeTag: () => {}, text: () => {} };
    gc();
    const before = process.memoryUsage().heapUsed;
    // Long names (13 characters or more) are the ones a slice would keep their document by.
    for (let index = 0; index < 20; index++) {
      const name = `custom-element-${index}`;
      expect(scanHtml(`<p>${'x'.repeat(2_000_000)}${index}</p><${name}>a</${name}>`, sink)).toBe(true);
    }
    gc();
    // 20 documents of 2 MB: all of them would be 40 MB.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(10_000_000);
  });

  it('reports a chunk of whitespace only as a space to a reader that takes spaces, and every other chunk as written', () => {
    fc.assert(fc.property(markup, (html) => {
      const events: (Event | ['space'])[] = [];
      const completed = scanHtml(html, {
        openTag: (name, attributes) => events.push(['open', name, { ...attributes }]),
        closeTag: (name) => events.push(['close', name]),
        text: (chunk) => events.push(['text', chunk]),
        space: () => events.push(['space']),
      });
      if (completed) expect(events).toEqual(parsed(html).map((event) => (event[0] === 'text' && event[1].trim() === '' ? ['space'] : event)));
    }), { numRuns: 5_000 });
  });

  it('reads the markup feeds commonly carry without giving up', () => {
    const html = '<p>Text &amp; <a href="https://x.example/?a=1&b=2">link</a>&nbsp;&#8217;</p><!-- wp:image --><figure><img src="/a.jpg" width="600"><figcaption>c</figcaption></figure><ul><li>one<li>two</ul><script async src="s.js"></script><br/>';
    expect(scanned(html)).toEqual(parsed(html));
  });

  it('gives up on markup whose handling it does not copy', () => {
    for (const html of ['<svg><path/></svg>', '<form><form>', '<title>a</title>', '<p>unterminated <a href="x', '<p>x</p', '<a\u00e9>']) {
      expect(scanned(html)).toBeUndefined();
    }
  });
});
