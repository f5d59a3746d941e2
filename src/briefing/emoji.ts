/** The emoji a briefing is decorated with; every one can be changed in config. */
export interface EmojiSet {
  /** For a section that has no emoji of its own in config. */
  section: string;
  /** An ordinary bullet. */
  bullet: string;
  /** A story many outlets carry, or one matching an important keyword. */
  important: string;
  /** A story delivered before that has news since. */
  update: string;
}

export const DEFAULT_EMOJI: EmojiSet = { section: '📰', bullet: '🔸', important: '❗️', update: '🔄' };

/** A bullet's emoji: important and update can both apply and then both show. */
export function bulletEmoji(emoji: EmojiSet, flags: { important: boolean; update: boolean }): string {
  if (flags.important && flags.update) return `${emoji.important}${emoji.update}`;
  if (flags.important) return emoji.important;
  if (flags.update) return emoji.update;
  return emoji.bullet;
}
