/**
 * The Briefing: what a subscriber receives, before rendering for a platform.
 * Its JSON form is the `herald preview --format json` contract in DESIGN.md; keep it stable.
 */
export interface Briefing {
  title: string;
  /** Local date of the briefing, YYYY-MM-DD. */
  date: string;
  /** IANA time zone the date and times are in. */
  timezone: string;
  sections: BriefingSection[];
  stats: BriefingStats;
  /** Optional closing line (hashtags, source counts). Not part of the JSON contract's required keys. */
  footer?: string;
}

export interface BriefingSection {
  title: string;
  emoji: string;
  bullets: Bullet[];
}

export interface Bullet {
  emoji: string;
  headline: string;
  summary: string;
  sources: Source[];
  /** Link (or id when an item has no link) of every input item merged into this bullet. */
  items: string[];
}

export interface Source {
  name: string;
  url: string;
}

export interface BriefingStats {
  itemsIn: number;
  duplicatesDropped: number;
  stories: number;
}
