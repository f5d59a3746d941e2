/**
 * Herald's own words in the user's language: one typed catalogue (en.ts is the source, every
 * other language is typed against it) shared by the command core, the Telegram and Discord
 * adapters and the console.
 *
 * Why a typed catalogue rather than Fluent (@grammyjs/i18n): the same messages serve grammY,
 * discord.js and the console, so a grammY plugin would cover one of three; a missing key or a
 * message called with the wrong parameters fails `tsc` instead of showing a raw key at run time;
 * plurals and lists are plain functions; and it adds no dependency. Fluent would pay off with
 * outside translators working in .ftl files, which Herald does not have yet.
 */
import { primaryLanguage } from '../feeds/language.js';
import { de } from './de.js';
import { en, type Messages } from './en.js';
import { ja } from './ja.js';

export type { Messages } from './en.js';

const CATALOGUES = { en, ja, de } satisfies Record<string, Messages>;

/** A language Herald replies in. */
export type ReplyLanguage = keyof typeof CATALOGUES;

export const REPLY_LANGUAGES = Object.keys(CATALOGUES) as ReplyLanguage[];

/** A message not yet put into words: rendered once the reply's language is known. */
export type Say = (t: Messages) => string;

/** The reply language for a BCP 47 tag ("ja-JP" → "ja"); undefined when Herald does not speak it. */
export function replyLanguageOf(tag: string | undefined): ReplyLanguage | undefined {
  const primary = primaryLanguage(tag);
  return primary !== undefined && Object.hasOwn(CATALOGUES, primary) ? (primary as ReplyLanguage) : undefined;
}

/**
 * The language to answer in: the chat's own setting (its briefing language) when Herald speaks
 * it, else the asker's app language (Telegram `language_code`, Discord `locale`), else English.
 */
export function chooseReplyLanguage(chatSetting: string | undefined, clientLanguage: string | undefined): ReplyLanguage {
  return replyLanguageOf(chatSetting) ?? replyLanguageOf(clientLanguage) ?? 'en';
}

export function messagesIn(language: ReplyLanguage): Messages {
  return CATALOGUES[language];
}

/** Every catalogue by language, for checks and for registering localized command descriptions. */
export function allCatalogues(): ReadonlyArray<[ReplyLanguage, Messages]> {
  return Object.entries(CATALOGUES) as Array<[ReplyLanguage, Messages]>;
}

/** A language's own name for itself ("日本語", "Deutsch"), for pickers. */
export function nativeLanguageName(code: string): string {
  const name = new Intl.DisplayNames([code], { type: 'language' }).of(code) ?? code;
  return name.charAt(0).toLocaleUpperCase(code) + name.slice(1);
}
