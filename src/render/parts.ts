import type { Briefing } from '../briefing/model.js';
import { renderDiscord, type DiscordPart } from './discord.js';
import { renderTelegram, type TelegramPart } from './telegram-html.js';
import { renderText, type TextPart } from './text.js';

export type Platform = 'telegram' | 'discord' | 'text';

/** The payload type each platform's parts have. */
export interface PartsByPlatform {
  telegram: TelegramPart;
  discord: DiscordPart;
  text: TextPart;
}

/** Per-platform rendering choices (a subscription's settings). */
export interface RenderOptions {
  linkPreviews?: boolean;
  discordStyle?: 'embeds' | 'content';
  /** Which platforms show the day's hashtags above the footer (default: Telegram only, where they can be searched). */
  hashtags?: { telegram?: boolean; discord?: boolean; console?: boolean };
}

/**
 * The exact payloads a briefing is sent as on a platform, in order: what `herald preview
 * --parts-json` prints and what the delivery job sends.
 */
export function renderParts<P extends Platform>(briefing: Briefing, platform: P, options: RenderOptions = {}): PartsByPlatform[P][] {
  const renderers: { [K in Platform]: () => PartsByPlatform[K][] } = {
    telegram: () => renderTelegram(briefing, { linkPreviews: options.linkPreviews, hashtags: options.hashtags?.telegram ?? true }),
    discord: () => renderDiscord(briefing, { style: options.discordStyle, hashtags: options.hashtags?.discord ?? false }),
    text: () => renderText(briefing, { hashtags: options.hashtags?.console ?? false }),
  };
  return renderers[platform]();
}

/** Every platform's parts of one briefing. */
export type RenderedParts = { [P in Platform]: PartsByPlatform[P][] };

/** Renders for every platform at once: done once when a briefing is composed, read by each delivery. */
export function renderAllPlatforms(briefing: Briefing | null, options: RenderOptions = {}): RenderedParts {
  if (!briefing) return { telegram: [], discord: [], text: [] };
  return { telegram: renderParts(briefing, 'telegram', options), discord: renderParts(briefing, 'discord', options), text: renderParts(briefing, 'text', options) };
}
