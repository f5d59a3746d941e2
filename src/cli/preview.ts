import { existsSync } from 'node:fs';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../config/load.js';
import { isValidTimeZone } from '../config/schema.js';
import { unwrapFeedScheme } from '../feeds/feed-address.js';
import { defaultFetchOptions } from '../feeds/fetch.js';
import { feedIdFor } from '../feeds/feed-id.js';
import { ingestFeed } from '../feeds/ingest.js';
import { isWebAddress } from '../feeds/local-feed.js';
import type { Item } from '../feeds/item.js';
import { itemsInWindow, previewBriefing } from '../preview/build-briefing.js';
import { loadFeedSource } from '../preview/sources.js';
import { renderParts, type Platform } from '../render/index.js';
import { frameLanguage } from '../summarize/language.js';
import { describeFallbacks } from '../summarize/llm-report.js';
import type { LlmSummaryReport } from '../summarize/summarize.js';
import { endOfLocalDay, isIsoDate } from '../time/zoned.js';
import { configFileOf, UsageError, type CommandRun } from './command.js';
import { MAX_BULLETS } from './specs.js';

const FORMATS = ['text', 'telegram', 'discord', 'json'] as const;
type Format = (typeof FORMATS)[number];

function parseFormat(value: string | undefined): Format {
  const format = value ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}; got "${format}"`);
  return format as Format;
}

function parseBullets(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const bullets = Number(value);
  if (!Number.isInteger(bullets) || bullets < 1 || bullets > MAX_BULLETS) throw new UsageError(`--bullets must be a whole number from 1 to ${MAX_BULLETS}, e.g. --bullets 20; got "${value}"`);
  return bullets;
}

function parseWindowHours(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const hours = Number(value);
  if (!Number.isFinite(hours) || hours <= 0) throw new UsageError(`--window must be a positive number of hours, e.g. --window 24; got "${value}"`);
  return hours;
}

/** `herald preview` with its arguments parsed by previewSpec (specs.ts), which holds its help and options. */
export const runPreview: CommandRun = async (values, positionals) => {
  const format = parseFormat(values.format as string | undefined);
  const partsJson = values['parts-json'] === true;
  if (partsJson && format === 'json') throw new UsageError('--parts-json goes with --format telegram, discord or text, not json');
  const windowHours = parseWindowHours(values.window as string | undefined);
  const maxBullets = parseBullets(values.bullets as string | undefined);
  const date = values.date as string | undefined;
  if (date !== undefined && !isIsoDate(date)) throw new UsageError(`--date must be a calendar date as YYYY-MM-DD, e.g. 2025-03-11; got "${date}"`);

  const configFile = configFileOf(values);
  const config = await loadConfig(configFile);
  // With a config file the preview is the briefing the bot would send; without one, the feeds' language is the better guess.
  const configLocale = existsSync(configFile ?? DEFAULT_CONFIG_FILE) ? (config.briefing.locale ?? config.defaults.language) : undefined;
  const timezone = (values.tz as string | undefined) ?? config.defaults.timezone;
  if (!isValidTimeZone(timezone)) throw new UsageError(`--tz must be an IANA time zone such as Europe/Berlin, America/New_York or UTC; got "${timezone}"`);

  // A feed:// address (what a browser hands out) is read as the address it stands for (feed:ftp://… is refused as ftp://…); paths stay paths.
  const named = [...positionals, ...((values.feed as string[] | undefined) ?? [])].map(unwrapFeedScheme);
  const locations = named.length > 0 ? named : config.feeds.map((feed) => feed.url);
  if (locations.length === 0) {
    throw new UsageError('no feeds to preview: name some, e.g. herald preview docs/examples/feeds/en/*.xml, or list them under feeds: in herald.config.yaml');
  }

  const now = new Date();
  const end = date ? endOfLocalDay(date, timezone) : now;
  const window = { to: end, from: windowHours === undefined ? undefined : new Date(end.getTime() - windowHours * 3_600_000) };

  const fetchOptions = defaultFetchOptions(config.fetch);
  // Feeds are read at once (the fetcher still keeps to 2 requests per host); the order of the
  // messages and items stays the order given.
  const results = await Promise.allSettled(
    locations.map(async (location) => {
      const feedConfig = config.feeds.find((feed) => feed.url === location);
      const source = await loadFeedSource(location, fetchOptions);
      return ingestFeed(source.bytes, source.contentType, {
        feedId: source.feedId,
        sourceName: feedConfig?.name,
        ...(isWebAddress(source.finalUrl) ? { feedLink: source.finalUrl } : {}),
        section: feedConfig?.section,
        now,
      });
    }),
  );
  const items: Item[] = [];
  let unreadable = 0;
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') {
      items.push(...result.value.items);
      if (result.value.recovered) process.stderr.write(`herald: ${locations[index]}: ${result.value.recovered}\n`);
    } else {
      // One broken feed must not spoil the others' briefing: say what went wrong and go on.
      unreadable += 1;
      process.stderr.write(`herald: skipped ${locations[index]}: ${(result.reason as Error).message}\n`);
    }
  });

  if (unreadable === locations.length) {
    process.stderr.write(`herald: none of the ${locations.length} feed(s) could be read (see above); no briefing to show.\n`);
    return 1;
  }
  const shown = itemsInWindow(items, window);
  if (shown.length === 0 && items.length > 0) {
    // An empty briefing after a successful read is nearly always a --date/--window that misses the items.
    process.stderr.write(`herald: ${items.length} item(s) read, none published in the window; try another --date or a larger --window.\n`);
  }

  // The language of every item read, not only of those in the window: Japanese feeds whose window is empty still say "nothing new" in Japanese.
  const locale = configLocale ?? frameLanguage(items);
  const feedWeights = Object.fromEntries(config.feeds.filter((f) => f.weight !== undefined).map((f) => [feedIdFor(f.url), f.weight!]));
  // A preview always shows something, even for an empty window: the "nothing new" briefing.
  // With an LLM configured a preview is how its setup is tried: say which stories it did not summarize, and why.
  const onReport = (report: LlmSummaryReport) => {
    const fallbacks = describeFallbacks(report);
    if (fallbacks !== undefined) process.stderr.write(`herald: LLM summaries: ${fallbacks}\n`);
  };
  const briefing = await previewBriefing(shown, config, { now: end, timezone, feedWeights, whenEmpty: 'message', maxBullets, locale }, { onReport });
  if (!briefing) throw new Error('the briefing came out empty although a "nothing new" briefing was asked for');
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(briefing, null, 2)}\n`);
    return 0;
  }
  const parts = renderParts(briefing, format as Platform, config.briefing);
  if (partsJson) process.stdout.write(`${JSON.stringify(parts, null, 2)}\n`);
  else process.stdout.write(`${parts.map(partText).join('\n\n— — —\n\n')}\n`);
  return 0;
};

function partText(part: { text?: string; content?: string; embeds?: Array<{ title?: string; description?: string }> }): string {
  if (part.text !== undefined) return part.text;
  const embeds = (part.embeds ?? []).map((embed) => [embed.title, embed.description].filter(Boolean).join('\n'));
  return [part.content, ...embeds].filter(Boolean).join('\n\n');
}
