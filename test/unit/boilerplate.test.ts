import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stripBoilerplate } from '../../src/feeds/boilerplate.js';
import { htmlToText } from '../../src/feeds/html-text.js';
import { foldedLinesForComparison } from '../../src/text/fold.js';

/** [what a feed wrote, what is left of it]. */
type Case = [string, string];

const CREDITS_AND_FOOTERS: Case[] = [
  ['The central bank cut rates on Thursday. (Reporting by Jane Doe in Frankfurt; Editing by John Smith)', 'The central bank cut rates on Thursday.'],
  ['The central bank cut rates on Thursday.\n(Reporting by Jane Doe; Additional reporting by Li Wei; Writing by Tom Brown)', 'The central bank cut rates on Thursday.'],
  ['Prices fell again.\nReporting by Jane Doe in London', 'Prices fell again.'],
  ['The podcast returns in May.\n(Produced and edited by Jane Doe)', 'The podcast returns in May.'],
  ['Markets at a glance.\n(Compiled and edited by the Europe desk)', 'Markets at a glance.'],
  ['The mine closed in 1998.\nWritten and reported by Jane Doe and Li Wei', 'The mine closed in 1998.'],
  ['The mine closed in 1998. (Reporting and writing by Jane Doe in Lima) Talks resume on Monday.', 'The mine closed in 1998. Talks resume on Monday.'],
  ['The mine closed in 1998.\nProduced and Edited by Jane Doe', 'The mine closed in 1998.'],
  ['There were 33 deaths. (Reporting by health desk) The ministry reported 1,231 admissions.', 'There were 33 deaths. The ministry reported 1,231 admissions.'],
  ['A new release is out.\nThe post Version 2.0 is here appeared first on Example Blog.', 'A new release is out.'],
  ['A new release is out. The post Version 2.0 is here appeared first on Example Blog.', 'A new release is out.'],
];

const READ_MORE: Case[] = [
  ['Congress must act now.\nRead more about our support for DACA here.', 'Congress must act now.'],
  ['When I was done, I took two steps... [read more]', 'When I was done, I took two steps...'],
  // A cut sentence stays visibly cut, so it is never taken for a whole one.
  ['The council voted to close the old library [read more]', 'The council voted to close the old library…'],
  ['The council voted to close the old library. Continue reading →', 'The council voted to close the old library.'],
  ['The beta is out now.\nTo read this article in full, please click here', 'The beta is out now.'],
  ['You should modify it for your setup. Click the read more link to check out the code. It is released under the GPL.', 'You should modify it for your setup. It is released under the GPL.'],
];

const ELISIONS_AND_CAPTIONS: Case[] = [
  ['The update still downloaded 99 MB. […]\nSo are giant app sizes a problem?', 'The update still downloaded 99 MB.\nSo are giant app sizes a problem?'],
  ['It shipped in May [...] and sold out.', 'It shipped in May and sold out.'],
  ['The X factor\nImage by Andrew Hayward/IDG\nThere is nothing more frustrating.', 'The X factor\nThere is nothing more frustrating.'],
  ['Fairfax celebrates at his party in Fairfax, Va., Tuesday. (AP Photo/Cliff Owen)\nDemocrat Justin Fairfax won.', 'Democrat Justin Fairfax won.'],
  ['Google is losing fans.\nImage credits: top Google; second Brian Shih', 'Google is losing fans.'],
];

/** News that only mentions such words. */
const NEWS = [
  'Writing by hand helps children learn, a study found.',
  'Teachers say pupils should read more books.',
  'Voters were urged to read the ballot carefully.',
  'Hackers lured staff into clicking a link in an email.',
  'The reporting by local media prompted an inquiry.',
  'The film was produced and directed by Jane Doe, who said it took a decade.',
  'Produced and directed by Jane Doe, the film opens on Friday.',
  'Reported by The Times on Monday, the deal is worth $2 billion.',
  'Written and edited by volunteers, the guide is free to download.',
  'Photographers gathered outside the court.',
  '東京都は１２日、新たに３００人の感染を確認したと発表した。',
];

describe('stripBoilerplate', () => {
  it.each([
    ['credits, bylines and WordPress footers', CREDITS_AND_FOOTERS],
    ['"Read more" links, a sentence they cut marked with "…"', READ_MORE],
    ['"[…]" between quoted passages, photo captions and credits', ELISIONS_AND_CAPTIONS],
  ])('takes out %s', (_kind, cases) => {
    for (const [written, left] of cases) expect(stripBoilerplate(written), written).toBe(left);
  });

  it('leaves news that only mentions such words alone', () => {
    for (const text of NEWS) expect(stripBoilerplate(text), text).toBe(text);
  });

  it('cleans only the lines with boilerplate, wherever they are in a long text', () => {
    const news = Array.from({ length: 30 }, (_, n) => `Paragraph ${n} of the story.`);
    const written = [...news.slice(0, 10), 'Read more about it here.', ...news.slice(10, 20), 'Image by Jane Doe/AP', ...news.slice(20), '(Reporting by Li Wei)'];
    expect(stripBoilerplate(written.join('\n'))).toBe(news.join('\n'));
    expect(stripBoilerplate('First line.\n\nImage credits: AP\nLast line.')).toBe('First line.\nLast line.');
    expect(stripBoilerplate('No boilerplate.\n\nAt all.')).toBe('No boilerplate.\n\nAt all.');
  });

  it('a figure caption is not article text', () => {
    const html = '<p>The bridge reopened.</p><figure><img src="a.jpg"><figcaption>Cars cross the bridge. Photo: City of Porto</figcaption></figure><p>It cost 40 million.</p>';
    expect(htmlToText(html)).toBe('The bridge reopened.\nIt cost 40 million.');
  });
});

/** What may follow "Produced and" in a credit. */
const CREDIT_WORD = '(?:reporting|writing|editing|research|reported|written|edited|produced|compiled)';

describe('coordinated credits ("Produced and edited by …")', () => {
  const verb = fc.constantFrom('Produced', 'Compiled', 'Reporting', 'Writing', 'Editing', 'Research', 'Written', 'Reported', 'Edited');
  const coordinated = fc.constantFrom('edited', 'written', 'reported', 'produced', 'compiled', 'reporting', 'writing', 'editing', 'research', 'Edited', 'Writing');
  const name = fc.constantFrom('Jane Doe', 'Li Wei', 'Tom Brown and Ana Lima', 'the Europe desk');
  const credit = fc.tuple(verb, coordinated, name).map(([first, second, who]) => `${first} and ${second} by ${who}`);

  it('are taken out as a bracketed line or bracketed in a line', () => {
    fc.assert(fc.property(credit, (written) => {
      expect(stripBoilerplate(`The talks failed.\n(${written})`), written).toBe('The talks failed.');
      expect(stripBoilerplate(`The talks failed. (${written}) They resume in May.`), written).toBe('The talks failed. They resume in May.');
    }));
  });

  it('are kept as news inside a sentence', () => {
    const subject = fc.constantFrom('The film was', 'Her report, which was', 'It is', 'The guide had been');
    const rest = fc.constantFrom('.', ', who said it took a decade.', ' in 2019 and sold well.', '; the studio declined to comment.');
    fc.assert(fc.property(subject, credit, rest, (opening, written, end) => {
      const sentence = `${opening} ${written.charAt(0).toLowerCase()}${written.slice(1)}${end}`;
      expect(stripBoilerplate(sentence)).toBe(sentence);
      expect(stripBoilerplate(`The talks failed.\n${sentence}`)).toBe(`The talks failed.\n${sentence}`);
    }));
  });
});

describe('a line opening with a credit ("Produced by Jane Doe")', () => {
  /** Lines that go on as a sentence after the names: news, kept whole. */
  const sentences = [
    'Produced by Steven Spielberg, the film opens Friday.',
    'Produced by Steven Spielberg, Jaws opens on Friday.',
    'Research by Ana Lima and Tom Brown, published on Monday, found the drug halved deaths.',
    'Compiled by Eurostat, the figures show prices rose 2% in May.',
    'Produced by Jane Doe. The film opens on Friday.',
    'Written and produced by Jane Doe—her third album—it was recorded in a week.',
  ];
  /** Lines that are only credits: names, desks, where and for whom, and list punctuation. */
  const credits = [
    'Produced by Jane Doe',
    'Produced by Jane Doe and John Smith.',
    'Produced by Jane Doe for NPR',
    'Reporting by Jane Doe; Editing by John Smith',
    'Reporting by Jane Doe in Frankfurt, additional reporting by Li Wei; editing by Tom Brown',
    'Produced by Jane Doe, edited by John Smith, mixed by Ana de la Cruz.',
    'Reporting by Reuters staff; Editing by Jan van Dijk',
    "Reporting by Jane O'Neil, Ali al-Hassan and Li Wei",
    'Compiled by J. Doe from wire reports',
    'Reporting by Jane Doe in London, Li Wei on Capitol Hill; photos by Ana Lima via Reuters',
  ];

  it('is news when a clause follows the names, a credit when they end the line', () => {
    for (const sentence of sentences) expect(stripBoilerplate(`The studio had a good year.\n${sentence}`), sentence).toBe(`The studio had a good year.\n${sentence}`);
    for (const credit of credits) expect(stripBoilerplate(`The studio had a good year.\n${credit}`), credit).toBe('The studio had a good year.');
  });

  it('whatever the credit, the names and the clause', () => {
    const verb = fc.constantFrom('Produced', 'Compiled', 'Reporting', 'Additional reporting', 'Writing', 'Editing', 'Research', 'Produced and edited', 'Written and reported');
    const name = fc.constantFrom('Jane Doe', 'Steven Spielberg', 'Li Wei', 'Ana de la Cruz', "Seán O'Neil", 'Ali al-Hassan', 'J. R. Smith', 'Jan van Dijk', 'NPR');
    const names = fc.tuple(name, fc.option(name, { nil: undefined }), fc.constantFrom('', ' in Frankfurt', ' for NPR')).map(([first, second, where]) => `${first}${second === undefined ? '' : ` and ${second}`}${where}`);
    const credit = fc.tuple(verb, names).map(([opening, who]) => `${opening} by ${who}`);
    const clause = fc.constantFrom('the film opens on Friday', 'it sold a million copies', 'Jaws opens on Friday', 'the report found that prices rose', 'she said the talks had failed', 'Nvidia shares rose 4%');
    fc.assert(fc.property(credit, clause, fc.constantFrom('', '.'), (written, news, end) => {
      expect(stripBoilerplate(`The talks failed.\n${written}${end}`), written).toBe('The talks failed.');
      expect(stripBoilerplate(`The talks failed.\n(${written})`), written).toBe('The talks failed.');
      const sentence = `${written}, ${news}.`;
      expect(stripBoilerplate(`The talks failed.\n${sentence}`)).toBe(`The talks failed.\n${sentence}`);
    }));
  });
});

describe('stripBoilerplate over many lines', () => {
  /** Lines made of hint words (in any case), brackets, boilerplate and plain words. */
  const line = fc.array(fc.oneof(
    fc.constantFrom('Read more', 'read the full story', 'CONTINUE READING', 'click here', 'Photo: AP', 'image', 'picture', 'Illustration by X',
      '[…]', '[', ']', 'Reporting by Jane Doe', '(Editing by Li)', 'produced by', '(Produced and edited by Li)', 'written AND REPORTED by',
      'Edited and directed by', 'The post X appeared first on Y.', 'keep reading', ' ', '.'),
    fc.string({ maxLength: 8 }).filter((text) => !text.includes('\n')),
  ), { maxLength: 8 }).map((parts) => parts.join(' ').trim());

  /** The hint words as one plain alternation: the definition the module's faster search must agree with. */
  const hint = new RegExp(String.raw`read (?:more|the|on|this)|continue reading|keep reading|full story|click|appeared first|photo|image|picture|illustration|\[|`
    + String.raw`(?:reporting|writing|editing|compiled|research|produced)(?: and ${CREDIT_WORD})? by|(?:reported|written|edited) and ${CREDIT_WORD} by`, 'i');

  it('strips the same when told the comparison fold of the text, whatever letters change there', () => {
    // "İ" grows when lower-cased (then the fold is not used), the Kelvin sign and "ſ" become hint letters only there, and a line break a space.
    const odd = fc.constantFrom('İmage', '\u212aeep reading', 'Read\nmore', 'ſ', 'É', 'PHOTO', 'Ｐhoto', 'read', 'more');
    fc.assert(fc.property(fc.array(fc.oneof(line, odd), { minLength: 1, maxLength: 8 }), (lines) => {
      const text = lines.join('\n');
      expect(stripBoilerplate(text, foldedLinesForComparison(text)), text).toBe(stripBoilerplate(text));
    }), { numRuns: 5000 });
  });

  it('cleans each line as it would alone, and drops empty lines once any hint was found', () => {
    fc.assert(fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), (lines) => {
      const text = lines.join('\n');
      const alone = lines.map((one) => stripBoilerplate(one));
      const found = hint.test(text);
      expect(stripBoilerplate(text)).toBe(found ? alone.filter((cleaned) => cleaned !== '').join('\n') : text);
    }), { numRuns: 3000 });
  });
});
