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
  /** Optional closing line (source counts). Not part of the JSON contract's required keys. */
  footer?: string;
  /** The day's topic hashtags (`#worldnews261126`): shown above the footer where the platform's setting says so. */
  hashtags?: string[];
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

/**
 * Counts that account for every input item: with `itemsIn` counting the window's items,
 * itemsIn = duplicatesDropped + (items in bullets) + itemsCut + itemsMuted.
 */
export interface BriefingStats {
  itemsIn: number;
  duplicatesDropped: number;
  /** Stories in the window, before mutes and caps. */
  stories: number;
  /** Bullets in the briefing (one per story shown). */
  bullets?: number;
  /** Stories (and their items) left out by the per-section or per-briefing cap. */
  storiesCut?: number;
  itemsCut?: number;
  /** Stories (and their items) left out because they matched a mute pattern. */
  storiesMuted?: number;
  itemsMuted?: number;
}
