import { primaryLanguage } from '../feeds/language.js';

/** The few words a briefing says itself, per language. */
export interface BriefingLabels {
  /** Before the date in the title. */
  title: string;
  /** The section for stories whose feed has none. */
  defaultSection: string;
  /** The whole body of a briefing with nothing new. */
  nothingNew: string;
  /** The body of a briefing with nothing new that says what Herald saw (see QuietFigures). */
  quiet(figures: QuietFigures): string;
  /** The source-count line of the footer. */
  counts(figures: { stories: number; sources: number; duplicates: number }): string;
}

/**
 * What a subscription's feeds held when its briefing found nothing new: so that "nothing new"
 * is not taken for a fault when the feeds are merely old, unread or empty.
 */
export interface QuietFigures {
  /** Feeds the subscription follows. */
  feeds: number;
  /** Of those, read at least once. */
  read: number;
  /** Entries in the read feeds at their last read. */
  entries: number;
  /** Local date (YYYY-MM-DD) of the newest entry, when any has a date. */
  newest?: string;
  /** The window in hours for a first briefing; undefined for one since the last briefing. */
  firstWindowHours?: number;
}

/** Singular for exactly 1: right for en, de, es, it, pt and nl; French would say "0 article", a count the footer rarely shows. */
const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

const LABELS: Record<string, BriefingLabels> = {
  en: {
    title: 'News briefing',
    defaultSection: 'Top stories',
    nothingNew: 'Nothing new since the last briefing.',
    quiet: ({ feeds, read, entries, newest, firstWindowHours }) =>
      read === 0
        ? `Nothing yet: ${feeds === 0 ? 'no feeds to read' : feeds === 1 ? 'the feed has not been read yet' : `none of the ${feeds} feeds has been read yet`}.`
        : `${plural(read, 'feed', 'feeds')} polled, ${plural(entries, 'item', 'items')}${newest ? `, newest from ${newest}` : ''}: ${firstWindowHours ? `none from the last ${firstWindowHours} hours` : 'none new since the last briefing'}.`,
    counts: ({ stories, sources, duplicates }) =>
      `${plural(stories, 'story', 'stories')} from ${plural(sources, 'source', 'sources')}` + (duplicates > 0 ? ` · ${plural(duplicates, 'duplicate', 'duplicates')} merged` : ''),
  },
  de: {
    title: 'Nachrichtenüberblick',
    defaultSection: 'Top-Meldungen',
    nothingNew: 'Seit dem letzten Überblick gibt es nichts Neues.',
    quiet: ({ feeds, read, entries, newest, firstWindowHours }) =>
      read === 0
        ? `Noch nichts: ${feeds === 0 ? 'keine Feeds zum Lesen' : `noch keiner der ${plural(feeds, 'Feed', 'Feeds')} wurde gelesen`}.`
        : `${plural(read, 'Feed', 'Feeds')} abgerufen, ${plural(entries, 'Eintrag', 'Einträge')}${newest ? `, der neueste vom ${newest}` : ''}: ${firstWindowHours ? `keiner aus den letzten ${firstWindowHours} Stunden` : 'seit dem letzten Überblick keiner neu'}.`,
    counts: ({ stories, sources, duplicates }) =>
      `${plural(stories, 'Meldung', 'Meldungen')} aus ${plural(sources, 'Quelle', 'Quellen')}` + (duplicates > 0 ? ` · ${plural(duplicates, 'Duplikat', 'Duplikate')} zusammengeführt` : ''),
  },
  es: {
    title: 'Resumen de noticias',
    defaultSection: 'Destacados',
    nothingNew: 'Nada nuevo desde el último resumen.',
    quiet: ({ feeds, read, entries, newest, firstWindowHours }) =>
      read === 0
        ? `Nada todavía: ${feeds === 0 ? 'no hay fuentes que leer' : `aún no se ha leído ninguna de ${plural(feeds, 'fuente', 'fuentes')}`}.`
        : `${plural(read, 'fuente consultada', 'fuentes consultadas')}, ${plural(entries, 'entrada', 'entradas')}${newest ? `, la más reciente del ${newest}` : ''}: ${firstWindowHours ? `ninguna de las últimas ${firstWindowHours} horas` : 'ninguna nueva desde el último resumen'}.`,
    counts: ({ stories, sources, duplicates }) =>
      `${plural(stories, 'noticia', 'noticias')} de ${plural(sources, 'fuente', 'fuentes')}` + (duplicates > 0 ? ` · ${plural(duplicates, 'duplicado fusionado', 'duplicados fusionados')}` : ''),
  },
  fr: {
    title: 'Revue de presse',
    defaultSection: 'À la une',
    nothingNew: 'Rien de nouveau depuis la dernière revue.',
    quiet: ({ feeds, read, entries, newest, firstWindowHours }) =>
      read === 0
        ? `Rien pour l'instant : ${feeds === 0 ? 'aucun flux à lire' : `aucun des ${feeds} flux n'a encore été lu`}.`
        : `${plural(read, 'flux consulté', 'flux consultés')}, ${plural(entries, 'article', 'articles')}${newest ? `, le plus récent du ${newest}` : ''} : ${firstWindowHours ? `aucun des dernières ${firstWindowHours} heures` : 'aucun nouveau depuis la dernière revue'}.`,
    counts: ({ stories, sources, duplicates }) =>
      `${plural(stories, 'article', 'articles')} de ${plural(sources, 'source', 'sources')}` + (duplicates > 0 ? ` · ${plural(duplicates, 'doublon fusionné', 'doublons fusionnés')}` : ''),
  },
  it: {
    title: 'Notiziario',
    defaultSection: 'In primo piano',
    nothingNew: "Nessuna novità dall'ultimo notiziario.",
    quiet: ({ feeds, read, entries, newest, firstWindowHours }) =>
      read === 0
        ? `Per ora niente: ${feeds === 0 ? 'nessun feed da leggere' : feeds === 1 ? 'il feed non è ancora stato letto' : `nessuno dei ${feeds} feed è ancora stato letto`}.`
        : `${plural(read, 'feed consultato', 'feed consultati')}, ${plural(entries, 'articolo', 'articoli')}${newest ? `, il più recente del ${newest}` : ''}: ${firstWindowHours ? `nessuno nelle ultime ${firstWindowHours} ore` : "nessuna novità dall'ultimo notiziario"}.`,
    counts: ({ stories, sources, duplicates }) =>
      `${plural(stories, 'notizia', 'notizie')} da ${plural(sources, 'fonte', 'fonti')}` + (duplicates > 0 ? ` · ${plural(duplicates, 'duplicato unito', 'duplicati uniti')}` : ''),
  },
  pt: {
    title: 'Resumo de notícias',
    defaultSection: 'Destaques',
    nothingNew: 'Nada de novo desde o último resumo.',
    quiet: ({ feeds, read, entries, newest, firstWindowHours }) =>
      read === 0
        ? `Nada por enquanto: ${feeds === 0 ? 'não há feeds para ler' : feeds === 1 ? 'o feed ainda não foi lido' : `nenhum dos ${feeds} feeds foi lido ainda`}.`
        : `${plural(read, 'feed consultado', 'feeds consultados')}, ${plural(entries, 'artigo', 'artigos')}${newest ? `, o mais recente de ${newest}` : ''}: ${firstWindowHours ? `nenhum nas últimas ${firstWindowHours} horas` : 'nenhum novo desde o último resumo'}.`,
    counts: ({ stories, sources, duplicates }) =>
      `${plural(stories, 'notícia', 'notícias')} de ${plural(sources, 'fonte', 'fontes')}` + (duplicates > 0 ? ` · ${plural(duplicates, 'duplicado agrupado', 'duplicados agrupados')}` : ''),
  },
  nl: {
    title: 'Nieuwsoverzicht',
    defaultSection: 'Belangrijkste nieuws',
    nothingNew: 'Niets nieuws sinds het vorige overzicht.',
    quiet: ({ feeds, read, entries, newest, firstWindowHours }) =>
      read === 0
        ? `Nog niets: ${feeds === 0 ? 'geen feeds om te lezen' : feeds === 1 ? 'de feed is nog niet gelezen' : `nog geen van de ${feeds} feeds is gelezen`}.`
        : `${plural(read, 'feed', 'feeds')} opgehaald, ${plural(entries, 'bericht', 'berichten')}${newest ? `, het nieuwste van ${newest}` : ''}: ${firstWindowHours ? `geen uit de afgelopen ${firstWindowHours} uur` : 'geen nieuwe sinds het vorige overzicht'}.`,
    counts: ({ stories, sources, duplicates }) =>
      `${plural(stories, 'bericht', 'berichten')} uit ${plural(sources, 'bron', 'bronnen')}` + (duplicates > 0 ? ` · ${plural(duplicates, 'duplicaat', 'duplicaten')} samengevoegd` : ''),
  },
  ru: {
    title: 'Обзор новостей',
    defaultSection: 'Главное',
    nothingNew: 'С прошлого обзора ничего нового.',
    quiet: ({ feeds, read, entries, newest, firstWindowHours }) =>
      read === 0
        ? `Пока ничего: ${feeds === 0 ? 'нет лент для чтения' : `ни одна из лент (${feeds}) ещё не прочитана`}.`
        : `Проверено лент: ${read}, записей: ${entries}${newest ? `, самая свежая от ${newest}` : ''}: ${firstWindowHours ? `за последние ${firstWindowHours} ч ничего нет` : 'с прошлого обзора ничего нового'}.`,
    // "Label: number" sidesteps Russian's three plural forms.
    counts: ({ stories, sources, duplicates }) => `Новостей: ${stories} · источников: ${sources}` + (duplicates > 0 ? ` · объединено дубликатов: ${duplicates}` : ''),
  },
  zh: {
    title: '新闻简报',
    defaultSection: '要闻',
    nothingNew: '自上次简报以来没有新消息。',
    quiet: ({ feeds, read, entries, newest, firstWindowHours }) =>
      read === 0
        ? feeds === 0 ? '暂无内容：没有可读取的订阅源。' : `暂无内容：${feeds}个订阅源都还没有读取过。`
        : `已检查${read}个订阅源，共${entries}条${newest ? `，最新一条发布于${newest}` : ''}：${firstWindowHours ? `最近${firstWindowHours}小时内没有新消息` : '自上次简报以来没有新消息'}。`,
    counts: ({ stories, sources, duplicates }) => `来自${sources}个来源的${stories}条新闻` + (duplicates > 0 ? `・合并重复${duplicates}条` : ''),
  },
  ja: {
    title: 'ニュースまとめ',
    defaultSection: '主なニュース',
    nothingNew: '前回のまとめ以降、新しいニュースはありません。',
    quiet: ({ feeds, read, entries, newest, firstWindowHours }) =>
      read === 0
        ? feeds === 0 ? 'まだありません：読み込むフィードがありません。' : `まだありません：${feeds}件のフィードはまだ一度も読み込まれていません。`
        : `${read}件のフィードを確認、記事${entries}件${newest ? `、最新は${newest}` : ''}：${firstWindowHours ? `直近${firstWindowHours}時間のニュースはありません` : '前回のまとめ以降、新しいニュースはありません'}。`,
    counts: ({ stories, sources, duplicates }) => `ニュース${stories}件・情報源${sources}` + (duplicates > 0 ? `・重複${duplicates}件を統合` : ''),
  },
};

/** The languages a briefing speaks (primary subtags), for the language picker of /settings. */
export const BRIEFING_LANGUAGES: readonly string[] = Object.keys(LABELS);

/** Labels for a BCP 47 locale, English when the language has none. */
export function labelsFor(locale: string): BriefingLabels {
  return LABELS[primaryLanguage(locale) ?? 'en'] ?? LABELS.en!;
}
