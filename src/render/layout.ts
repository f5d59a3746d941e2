import type { Briefing, BriefingSection, Bullet } from '../briefing/model.js';
import type { Block, Span } from './split.js';

/** Sources listed by name on a bullet; the rest are summed up as "+N" (all stay in the JSON). */
const MAX_SOURCES_SHOWN = 5;
/** Links longer than this are shown as plain names: no platform needs them and they eat the limits. */
const MAX_LINK_LENGTH = 2048;

/** The platform-neutral shape of a briefing: what is bold, what links where, what stays together. */
export interface BriefingLayout {
  title: Block;
  sections: { title: string; header: Block; bullets: Block[] }[];
  footer?: Block;
}

/** Only http(s) links are rendered as links; anything else (javascript:, data:, junk) is shown as text. */
function safeHref(url: string): string | undefined {
  if (url.length === 0 || url.length > MAX_LINK_LENGTH) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** The footer's lines: the day's hashtags when the platform shows them, then the counts. */
function footerText(briefing: Briefing, hashtags: boolean): string | undefined {
  const tags = hashtags && briefing.hashtags && briefing.hashtags.length > 0 ? briefing.hashtags.join(' ') : undefined;
  return [tags, briefing.footer].filter(Boolean).join('\n') || undefined;
}

/** Lays a briefing out as blocks of spans, shared by every renderer; `hashtags` puts the day's hashtags above the footer. */
export function layoutBriefing(briefing: Briefing, options: { hashtags?: boolean } = {}): BriefingLayout {
  const footer = footerText(briefing, options.hashtags ?? false);
  return {
    title: { spans: [{ text: briefing.title, bold: true }] },
    sections: briefing.sections.map((section) => ({
      title: sectionTitle(section),
      header: { spans: [{ text: sectionTitle(section), bold: true }], keepWithNext: true },
      bullets: section.bullets.map(bulletBlock),
    })),
    footer: footer ? { spans: [{ text: footer, italic: true }] } : undefined,
  };
}

/** "🌍 World", or the bare title when the section has no emoji. */
function sectionTitle(section: BriefingSection): string {
  return section.emoji ? `${section.emoji} ${section.title}` : section.title;
}

/** A bullet: emoji and bold headline, the summary on the next line, then the source links. */
function bulletBlock(bullet: Bullet): Block {
  const spans: Span[] = [];
  if (bullet.emoji) spans.push({ text: `${bullet.emoji} ` });
  spans.push({ text: bullet.headline, bold: true });
  if (bullet.summary) spans.push({ text: `\n${bullet.summary}` });
  const shown = bullet.sources.slice(0, MAX_SOURCES_SHOWN);
  if (shown.length > 0) {
    spans.push({ text: '\n🔗 ' });
    shown.forEach((source, i) => {
      if (i > 0) spans.push({ text: ' · ' });
      const href = safeHref(source.url);
      spans.push(href ? { text: source.name, href } : { text: source.name });
    });
    const hidden = bullet.sources.length - shown.length;
    if (hidden > 0) spans.push({ text: ` +${hidden}` });
  }
  return { spans };
}

/** Every block of the layout in reading order. */
export function allBlocks(layout: BriefingLayout): Block[] {
  return [layout.title, ...layout.sections.flatMap((section) => [section.header, ...section.bullets]), ...(layout.footer ? [layout.footer] : [])];
}
