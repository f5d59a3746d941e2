import { describe, expect, it } from 'vitest';
import { readCorpus, sweepFile, type CorpusFile, type SweepResult } from '../../src/feeds/corpus.js';
import { hasSharedCorpus, NO_CORPUS_MESSAGE, SHARED_CORPUS_DIR } from '../support/shared-corpus.js';

if (!hasSharedCorpus) console.warn(NO_CORPUS_MESSAGE);

const corpus = hasSharedCorpus ? await readCorpus(SHARED_CORPUS_DIR) : [];
const now = new Date('2026-01-01T00:00:00Z');

/** Text each non-UTF-8 feed must decode to (copied from the files, read with the right charset). */
const DECODED_TEXT: Record<string, string[]> = {
  'chardet__SHIFT_JIS-andore.com.xml': ['つくばの周辺'],
  'chardet__SHIFT_JIS-brag.zaka.to.xml': ['ＢＳデジタル、０７年度から２局増'],
  'chardet__EUC-JP-arclamp.jp.xml': ['arclamp.jp アークランプ', 'あなたには選択権がある'],
  'chardet__EUC-JP-overcube.com.atom.xml': ['あけましておめでとうございます'],
  'chardet__KOI8-R-koi.kinder.ru.xml': ['Детские новости', 'Московский детский театр теней'],
  'chardet__windows-1251-russian-newsru.com.xml': ['В Турции психически нездоровый'],
  'node-feedparser__iconv.xml': ['Новости Оренбурга', 'В Бузулуке главные стройплощад'],
  'chardet__GB2312-acnnewswire.net.xml': ['与中国银联（China UnionPay）完成ATM网关协议的签订'],
  'chardet__GB2312-cnblog.org.xml': ['Picostation的PicoBlogger是'],
  'RSParser__kc0011.rss': ['投资资讯网交易在线', '建国35周年纪念'],
  'chardet__Big5-blog.worren.net.xml': ['Keil C Compiler 中斷的寫法'],
  'chardet__EUC-KR-blog.rss.naver.com.xml': ['alphathinker님의 블로그', '기본강의시리즈 수강 안내'],
  'chardet__iso-8859-7-greek-naftemporiki.gr.wld.xml': ['Η ΝΑΥΤΕΜΠΟΡΙΚΗ', 'Μεγάλη η αύξηση στις πωλήσεις'],
  'prof18-RSS-Parser__feed-test-greek.xml': ['«Πορτραίτα καραντίνας»'],
  'chardet__windows-1255-hebrew-notes.co.il.50.xml': ['מפלצות בערוץ 2'],
  'chardet__windows-1255-hebrew-whatsup.org.il.xml': ['לינוקס, תוכנה חופשית'],
  'chardet__TIS-620-opentle.org.xml': ['ซอฟแวร์โอเพนซอร์สจะสดใส'],
  'chardet__iso-8859-2-hungarian-auto-apro.hu.xml': ['Ingyenes apróhirdetések, új és használt autók számára'],
  'chardet__windows-1250-hungarian-bbc.co.uk.hu.xml': ['Rumsfeld: még évekig tarthat a'],
  'chardet__iso-8859-9-turkish-divxplanet.com.xml': ['Two-Lane Blacktop Türkçe 1 CD altyazısı'],
  'rss-parser__encoding.rss': ['Jornal de Notícias - Últimas'],
  'FeedReader__Rss091Stadtfeuerwehr.xml': ['Stadtfeuerwehr Weiz - Einsätze'],
  'feedparser__utf-16le-bom.xml': [],
};

/** Articles about web code that quote markup as text (escaped in the source), so tags legitimately show. */
const QUOTES_MARKUP = new Set(['RSParser__3960.json', 'laminas-feed__wordpress-rss2-dc-atom.xml']);

/** Ill-formed by expat's reading, but repaired on purpose: stray blank lines before the declaration, undeclared legacy bytes. */
function repairedByDesign(file: CorpusFile): boolean {
  return file.notes.includes('content before XML declaration') || file.notes.includes('UNDECLARED non-UTF-8 bytes');
}

const MANIFEST_FORMATS: Record<string, string> = { rss2: 'rss', atom: 'atom', rdf: 'rdf', json: 'json' };

/** The encoding a declared label names, in the spelling decodeFeed reports (GB labels read as gb18030). */
function encodingNamed(label: string): string | undefined {
  try {
    const name = new TextDecoder(label).encoding;
    return name === 'gbk' ? 'gb18030' : name;
  } catch {
    return undefined;
  }
}

function allText(sweep: SweepResult): string {
  const items = sweep.result?.items ?? [];
  return [sweep.result?.feedTitle ?? '', ...items.flatMap((item) => [item.title, item.text])].join('\n');
}

describe.runIf(hasSharedCorpus)('shared corpus: decode + parse + normalize', () => {
  it('covers every file in the corpus, each described by the manifest', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(100);
    expect(corpus.filter((file) => file.notes === '').map((file) => file.file)).toEqual([]);
  });

  for (const file of corpus) {
    it(file.file, async () => {
      const sweep = await sweepFile(SHARED_CORPUS_DIR, file.file, now);
      expect(sweep.outcome, sweep.detail).not.toBe('crash');

      if (file.notes.includes('NOT A FEED')) {
        expect(sweep.outcome).toBe('error');
        expect(sweep.detail).toMatch(/not a feed/);
      } else if (file.illFormed && !repairedByDesign(file)) {
        expect(['recovered', 'error']).toContain(sweep.outcome);
        if ((file.expectedItems ?? 0) > 0) {
          expect(sweep.outcome).toBe('recovered');
          expect(sweep.items).toBeGreaterThan(0);
        }
      } else if (file.expectedItems !== undefined) {
        expect(['ok', 'recovered']).toContain(sweep.outcome);
        // Entries repeating a guid (or, without guids, a link) within one document become one item.
        expect(sweep.items).toBeLessThanOrEqual(file.expectedItems);
        expect(sweep.items).toBeGreaterThanOrEqual(Math.ceil(file.expectedItems * 0.9));
      }

      const expectedFormat = MANIFEST_FORMATS[file.manifestFormat ?? ''];
      if (expectedFormat && sweep.outcome !== 'error') expect(sweep.format).toBe(expectedFormat);
      const declared = file.declaredEncoding && encodingNamed(file.declaredEncoding);
      if (declared && sweep.outcome !== 'error') expect(sweep.encoding).toBe(declared);

      for (const item of sweep.result?.items ?? []) {
        expect(item.title.trim()).not.toBe('');
        if (!QUOTES_MARKUP.has(file.file)) expect(`${item.title}\n${item.text}`).not.toMatch(/<\/?(p|div|br|a|img|b|span|script)\b[^>]*>/i);
        expect(Date.parse(item.publishedAt)).toBeLessThanOrEqual(now.getTime() + 5 * 60_000);
        if (item.url) expect(item.url).toMatch(/^https:\/\//);
      }
      for (const expected of DECODED_TEXT[file.file] ?? []) expect(allText(sweep)).toContain(expected);
    });
  }
});
