import { primaryLanguage } from '../summarize/language.js';

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

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

const LABELS: Record<string, BriefingLabels> = {
  en: {
    title: 'News briefing',
    defaultSection: 'Top stories',
    nothingNew: 'Nothing new since the last briefing.',
    counts: ({ stories, sources, duplicates }) =>
      `${plural(stories, 'story', 'stories')} from ${plural(sources, 'source', 'sources')}` + (duplicates > 0 ? ` · ${plural(duplicates, 'duplicate', 'duplicates')} merged` : ''),
  },
  ja: {
    title: 'ニュースまとめ',
    defaultSection: '主なニュース',
    nothingNew: '前回のまとめ以降、新しいニュースはありません。',
    counts: ({ stories, sources, duplicates }) => `ニュース${stories}件・情報源${sources}` + (duplicates > 0 ? `・重複${duplicates}件を統合` : ''),
  },
};

/** Labels for a BCP 47 locale, English when the language has none. */
export function labelsFor(locale: string): BriefingLabels {
  return LABELS[primaryLanguage(locale) ?? 'en'] ?? LABELS.en!;
}
