import { primaryLanguage } from '../feeds/language.js';

/** The few words a briefing says itself, per language. */
export interface BriefingLabels {
  /** Before the date in the title. */
  title: string;
  /** The section for stories whose feed has none. */
  defaultSection: string;
  /** The whole body of a briefing with nothing new. */
  nothingNew: string;
  /** The source-count line of the footer. */
  counts(figures: { stories: number; sources: number; duplicates: number }): string;
}

/** Singular for exactly 1: right for en, de and es; French would say "0 article", a count the footer rarely shows. */
const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

const LABELS: Record<string, BriefingLabels> = {
  en: {
    title: 'News briefing',
    defaultSection: 'Top stories',
    nothingNew: 'Nothing new since the last briefing.',
    counts: ({ stories, sources, duplicates }) =>
      `${plural(stories, 'story', 'stories')} from ${plural(sources, 'source', 'sources')}` + (duplicates > 0 ? ` · ${plural(duplicates, 'duplicate', 'duplicates')} merged` : ''),
  },
  de: {
    title: 'Nachrichtenüberblick',
    defaultSection: 'Top-Meldungen',
    nothingNew: 'Seit dem letzten Überblick gibt es nichts Neues.',
    counts: ({ stories, sources, duplicates }) =>
      `${plural(stories, 'Meldung', 'Meldungen')} aus ${plural(sources, 'Quelle', 'Quellen')}` + (duplicates > 0 ? ` · ${plural(duplicates, 'Duplikat', 'Duplikate')} zusammengeführt` : ''),
  },
  es: {
    title: 'Resumen de noticias',
    defaultSection: 'Destacados',
    nothingNew: 'Nada nuevo desde el último resumen.',
    counts: ({ stories, sources, duplicates }) =>
      `${plural(stories, 'noticia', 'noticias')} de ${plural(sources, 'fuente', 'fuentes')}` + (duplicates > 0 ? ` · ${plural(duplicates, 'duplicado fusionado', 'duplicados fusionados')}` : ''),
  },
  fr: {
    title: 'Revue de presse',
    defaultSection: 'À la une',
    nothingNew: 'Rien de nouveau depuis la dernière revue.',
    counts: ({ stories, sources, duplicates }) =>
      `${plural(stories, 'article', 'articles')} de ${plural(sources, 'source', 'sources')}` + (duplicates > 0 ? ` · ${plural(duplicates, 'doublon fusionné', 'doublons fusionnés')}` : ''),
  },
  ru: {
    title: 'Обзор новостей',
    defaultSection: 'Главное',
    nothingNew: 'С прошлого обзора ничего нового.',
    // "Label: number" sidesteps Russian's three plural forms.
    counts: ({ stories, sources, duplicates }) => `Новостей: ${stories} · источников: ${sources}` + (duplicates > 0 ? ` · объединено дубликатов: ${duplicates}` : ''),
  },
  zh: {
    title: '新闻简报',
    defaultSection: '要闻',
    nothingNew: '自上次简报以来没有新消息。',
    counts: ({ stories, sources, duplicates }) => `来自${sources}个来源的${stories}条新闻` + (duplicates > 0 ? `・合并重复${duplicates}条` : ''),
  },
  ja: {
    title: 'ニュースまとめ',
    defaultSection: '主なニュース',
    nothingNew: '前回のまとめ以降、新しいニュースはありません。',
    counts: ({ stories, sources, duplicates }) => `ニュース${stories}件・情報源${sources}` + (duplicates > 0 ? `・重複${duplicates}件を統合` : ''),
  },
};

/** The languages a briefing speaks (primary subtags), for the language picker of /settings. */
export const BRIEFING_LANGUAGES: readonly string[] = Object.keys(LABELS);

/** Labels for a BCP 47 locale, English when the language has none. */
export function labelsFor(locale: string): BriefingLabels {
  return LABELS[primaryLanguage(locale) ?? 'en'] ?? LABELS.en!;
}
