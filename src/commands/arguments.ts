import { isValidTimeZone } from '../config/schema.js';
import { keywordPatternProblem } from '../briefing/keywords.js';
import { normalizedFeedAddress } from '../feeds/feed-address.js';
import { en } from '../i18n/en.js';
import type { Say } from '../i18n/index.js';
import type { Schedule } from '../subscriptions/model.js';
import type { CommandRequest } from './types.js';

/**
 * A wrong or missing argument. `say` puts what was wrong into the reply's language (`message`
 * holds it in English, for logs); `example` is a correct use in Telegram's syntax, starting
 * with the command's name, shown under it (Discord shows its own syntax for that command).
 */
export class ArgumentProblem extends Error {
  constructor(
    readonly say: Say,
    readonly example: string,
  ) {
    super(say(en));
    this.name = 'ArgumentProblem';
  }
}

const TIME_OF_DAY = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/** "7:30" → "07:30"; throws ArgumentProblem naming the bad word. */
function parseTimeOfDay(word: string, example: string): string {
  const match = TIME_OF_DAY.exec(word.trim());
  if (!match) throw new ArgumentProblem((t) => t.notATime(word), example);
  return `${match[1]!.padStart(2, '0')}:${match[2]}`;
}

/** "07:30,18:00" → ["07:30", "18:00"], sorted, without repeats. */
export function parseTimeList(text: string, example: string): string[] {
  const times = text.split(',').filter((part) => part.trim() !== '').map((part) => parseTimeOfDay(part, example));
  if (times.length === 0) throw new ArgumentProblem((t) => t.noTimeGiven, example);
  if (times.length > 6) throw new ArgumentProblem((t) => t.tooManyTimes(times.length), example);
  return [...new Set(times)].sort();
}

/** An IANA zone as Intl spells it ("europe/berlin" → "Europe/Berlin"); throws ArgumentProblem for anything else. */
export function parseTimeZone(word: string, example: string): string {
  if (!isValidTimeZone(word) || !/[A-Za-z]/.test(word)) {
    throw new ArgumentProblem((t) => t.notATimeZone(word), example);
  }
  return new Intl.DateTimeFormat('en', { timeZone: word }).resolvedOptions().timeZone;
}

function looksLikeTime(word: string): boolean {
  return /^[\d:,]+$/.test(word);
}

/** Named option as text, whatever type the platform gave it. */
export function optionText(request: CommandRequest, name: string): string | undefined {
  const value = request.options[name];
  return value === undefined || value === '' ? undefined : String(value);
}

/**
 * A schedule from `HH:MM[,HH:MM] [TZ]` words and/or the options `time`, `weekdays`, `weekends`,
 * `timezone` (alias `tz`), changing only what was given in `base` (the current schedule, or the
 * default one). Returns undefined when nothing at all was given.
 */
export function parseScheduleArguments(request: CommandRequest, words: string[], base: Schedule, example: string): Schedule | undefined {
  let daily = optionText(request, 'time');
  let timezone = optionText(request, 'timezone') ?? optionText(request, 'tz');
  for (const word of words) {
    if (looksLikeTime(word) && daily === undefined) daily = word;
    else if (timezone === undefined && !looksLikeTime(word)) timezone = word;
    else throw new ArgumentProblem((t) => t.didNotUnderstand(word), example);
  }
  const weekdaysText = optionText(request, 'weekdays');
  const weekendsText = optionText(request, 'weekends');
  if (daily === undefined && weekdaysText === undefined && weekendsText === undefined && timezone === undefined) return undefined;
  if (daily !== undefined && weekdaysText !== undefined) throw new ArgumentProblem((t) => t.dailyAndWeekdays, example);
  const weekdays = daily ?? weekdaysText;
  // A new daily list replaces separate weekend times; otherwise what was not mentioned stays.
  const weekends = weekendsText !== undefined ? parseTimeList(weekendsText, example) : daily === undefined ? base.weekends : undefined;
  return {
    weekdays: weekdays === undefined ? base.weekdays : parseTimeList(weekdays, example),
    ...(weekends ? { weekends } : {}),
    timezone: parseTimeZone(timezone ?? base.timezone, example),
  };
}

/** A poll interval: "30", "30m", "2h" → minutes (1 to 1440). */
export function parseInterval(word: string, example: string): number {
  const match = /^(\d+)\s*(m|min|h)?$/i.exec(word.trim());
  const minutes = match ? Number(match[1]) * (match[2]?.toLowerCase() === 'h' ? 60 : 1) : NaN;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
    throw new ArgumentProblem((t) => t.notAnInterval(word), example);
  }
  return minutes;
}

/** An http(s) URL as typed (or a feed:// one, see webFeedAddress); anything else is refused before any network call. */
export function parseWebUrl(word: string | undefined, example: string): string {
  if (word === undefined) throw new ArgumentProblem((t) => t.giveAnAddress, example);
  const address = normalizedFeedAddress(word);
  if (address === undefined) throw new ArgumentProblem((t) => t.notAWebAddress(word), example);
  return address;
}

/** Keyword patterns are plain words and phrases (see briefing/keywords.ts); regex syntax is refused so no one believes it works. */
const REGEX_SYNTAX = /[\\^$|()[\]{}?+]/;
const MAX_KEYWORD_LENGTH = 60;

/** A /mute or /boost keyword: a plain word or phrase (whitespace folded), not a pattern; throws ArgumentProblem saying what is wrong. */
export function parseKeyword(text: string, example: string): string {
  const keyword = text.trim().replace(/\s+/g, ' ');
  if (keyword === '') throw new ArgumentProblem((t) => t.giveAKeyword, example);
  if (REGEX_SYNTAX.test(keyword)) throw new ArgumentProblem((t) => t.keywordLooksLikePattern(keyword), example);
  if (keyword.length > MAX_KEYWORD_LENGTH) throw new ArgumentProblem((t) => t.keywordTooLong(keyword.length, MAX_KEYWORD_LENGTH), example);
  if (keywordPatternProblem(keyword) !== undefined) throw new ArgumentProblem((t) => t.keywordWithoutLetters(keyword), example);
  return keyword;
}

const ON = new Set(['on', 'yes', 'true', '1']);
const OFF = new Set(['off', 'no', 'false', '0']);

/** on/off (also yes/no, true/false, 1/0, or a platform's boolean option) as a boolean. */
export function parseSwitch(value: string | number | boolean, name: string, example: string): boolean {
  if (typeof value === 'boolean') return value;
  const word = String(value).toLowerCase();
  if (ON.has(word)) return true;
  if (OFF.has(word)) return false;
  throw new ArgumentProblem((t) => t.notASwitch(name, String(value)), example);
}
