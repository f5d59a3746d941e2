import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { xml2jsElementXml } from '../../src/feeds/element-xml.js';
import { MAX_NESTING_DEPTH } from '../../src/feeds/nesting.js';

/** The serializer rss-parser's getContent uses for a body holding elements, which the fast path must match character for character. */
const { Builder } = createRequire(import.meta.url)('xml2js') as { Builder: new (options: object) => { buildObject: (tree: unknown) => string } };
const builder = () => new Builder({ headless: true, explicitRoot: true, rootName: 'div', renderOpts: { pretty: false } });

type Tree = Record<string, unknown>;

/** xml2js's objects have no prototype; keys keep the order they were added in. */
function xml2jsObject(entries: [string, unknown][]): Tree {
  const object = Object.create(null) as Tree;
  for (const [key, value] of entries) object[key] = value;
  return object;
}

const same = (name: string) => name;

/** The Builder's answer, or the error it throws. */
function builderReading(tree: Tree): unknown {
  try {
    return builder().buildObject(tree);
  } catch (error) {
    return error;
  }
}

/** Names and characters the Builder treats specially sit beside ordinary ones. */
const names = fc.constantFrom('p', 'b', 'div', 'xhtml:div', 'my-el', 'x.y', '_u', 'constructor', '__proto__', 'é', '#text', '#raw', '?pi', '@a', '1a', 'a b', '');
const texts = fc.string({ unit: fc.constantFrom('a', ' ', 'é', '&', '<', '>', '"', "'", '\t', '\n', '\r', '\u0001', '\u000B', '\uD800', '\uDC00', '\uFFFE', '😀') });

/** xml2js-shaped trees, plus the odd shapes a document with elements named `_` or `$` makes. */
const { element } = fc.letrec((tie) => ({
  element: fc.oneof(
    { depthSize: 'small' },
    texts,
    fc
      .tuple(
        fc.option(fc.oneof(texts, fc.array(texts, { maxLength: 2 })), { nil: undefined }),
        fc.option(fc.oneof(fc.array(fc.tuple(names, fc.oneof(texts, fc.constant(undefined)) as fc.Arbitrary<unknown>), { maxLength: 3 }), fc.constant('$')), { nil: undefined }),
        fc.array(fc.tuple(names, fc.oneof(fc.array(tie('element'), { minLength: 1, maxLength: 3 }), tie('element'))), { maxLength: 3 }),
      )
      .map(([text, attributes, children]) => {
        const entries: [string, unknown][] = [];
        if (text !== undefined) entries.push(['_', text]);
        if (attributes !== undefined) entries.push(['$', Array.isArray(attributes) ? xml2jsObject(attributes as [string, unknown][]) : attributes]);
        entries.push(...children);
        return xml2jsObject(entries);
      }),
  ),
}));

/** Only what well-formed XML with ASCII names gives xml2js: the fast path must take all of it. */
const plainNames = fc.constantFrom('p', 'b', 'div', 'xhtml:div', 'my-el', 'x.y', '_u', 'constructor');
const plainTexts = fc.string({ unit: fc.constantFrom('a', ' ', 'é', '&', '<', '>', '"', '\t', '\n', '\r', '😀') });
const { plainElement } = fc.letrec((tie) => ({
  plainElement: fc.oneof(
    { depthSize: 'small' },
    plainTexts,
    fc
      .tuple(
        fc.option(plainTexts, { nil: undefined }),
        fc.option(fc.uniqueArray(fc.tuple(plainNames, plainTexts), { selector: ([name]) => name, maxLength: 3 }), { nil: undefined }),
        fc.uniqueArray(fc.tuple(plainNames, fc.array(tie('plainElement'), { minLength: 1, maxLength: 3 })), { selector: ([name]) => name, maxLength: 3 }),
      )
      .map(([text, attributes, children]) => {
        const entries: [string, unknown][] = [];
        if (text !== undefined) entries.push(['_', text]);
        if (attributes !== undefined) entries.push(['$', xml2jsObject(attributes)]);
        entries.push(...children);
        return xml2jsObject(entries);
      }),
  ),
}));

const asTree = (value: unknown): Tree => (typeof value === 'string' ? xml2jsObject([['p', [value]]]) : (value as Tree));

describe('xml2jsElementXml: a body serialized as rss-parser serializes it', () => {
  it('writes what the Builder writes, or leaves the element to it (whatever it would have thrown)', () => {
    fc.assert(
      fc.property(element, (value) => {
        const tree = asTree(value);
        const fast = xml2jsElementXml(tree, same);
        if (fast !== undefined) expect(fast).toBe(builderReading(tree));
      }),
      { numRuns: 3000 },
    );
  });

  it('takes every element xml2js makes of well-formed XML with ASCII names', () => {
    fc.assert(
      fc.property(plainElement, (value) => {
        const tree = asTree(value);
        expect(xml2jsElementXml(tree, same)).toBe(builderReading(tree));
      }),
      { numRuns: 2000 },
    );
  });

  const attributes = (...pairs: [string, string][]) => xml2jsObject([['$', xml2jsObject(pairs)]]);
  it.each([
    ['an attribute named __proto__, which xmlbuilder drops', attributes(['__proto__', 'v'], ['x', '1'])],
    ['an element named __proto__', xml2jsObject([['__proto__', ['t']]])],
    ['empty text, which closes the element', xml2jsObject([['p', ['', xml2jsObject([['_', '']])]]])],
    ['characters escaped in attributes but not in text', xml2jsObject([['_', '"\t\n\r&<>'], ['$', xml2jsObject([['a', '"\t\n\r&<>']])]])],
    ['a character XML does not allow', xml2jsObject([['p', ['\u0001']]])],
    ['a lone surrogate', attributes(['a', '\uD800'])],
    ['a name xmlbuilder takes as an instruction', xml2jsObject([['?pi', ['x']]])],
  ])('agrees with the Builder on %s', (_case, tree) => {
    const fast = xml2jsElementXml(tree, same);
    expect(fast ?? builderReading(tree)).toEqual(builderReading(tree));
  });

  it('writes the names a caller gives for keys (Herald renames some elements while parsing)', () => {
    const tree = xml2jsObject([['$', xml2jsObject([['type', 'xhtml']])], ['#content', [xml2jsObject([['_', 'x'], ['#p', ['y']]])]]]);
    expect(xml2jsElementXml(tree, (key) => key.replace(/^#/, ''))).toBe('<div type="xhtml"><content>x<p>y</p></content></div>');
  });

  it('leaves nesting deeper than bodies have to the Builder', () => {
    const nested = (depth: number): Tree => {
      let tree = xml2jsObject([['_', 'x']]);
      for (let level = 0; level < depth; level++) tree = xml2jsObject([['div', [tree]]]);
      return tree;
    };
    expect(xml2jsElementXml(nested(MAX_NESTING_DEPTH), same)).toBe(builder().buildObject(nested(MAX_NESTING_DEPTH)));
    expect(xml2jsElementXml(nested(MAX_NESTING_DEPTH + 2), same)).toBeUndefined();
  });
});
