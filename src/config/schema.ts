import { z } from 'zod';
import { keywordPatternProblem } from '../briefing/keywords.js';
import { unwrapFeedScheme } from '../feeds/feed-address.js';

/** HH:MM, 24-hour clock. */
export const localTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM, e.g. "07:30"');

/** Whether Intl knows `tz` as a time zone (Node's full ICU knows every IANA name). */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const timeZone = z
  .string()
  .refine(isValidTimeZone, { message: 'must be an IANA time zone, e.g. "Europe/Berlin" or "UTC"' });

/** Where a feed can live: the web, or a local file (handy for previews and tests). */
export function isFeedLocation(value: string): boolean {
  if (/^(\/|\.\.?\/|file:)/.test(value)) return true;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

const minutes = z
  .number({ error: 'must be a number of minutes, e.g. 15 (no unit)' })
  .int('must be a whole number of minutes')
  .min(1, 'must be at least 1 minute');

export const feedConfigSchema = z.strictObject({
  // A browser's feed://host/path is read as http://host/path, as in /addfeed: the store, the poller and `herald doctor` see that one.
  url: z
    .string()
    .transform(unwrapFeedScheme)
    .refine(isFeedLocation, {
      message: 'must be an http(s) URL, e.g. "https://example.com/feed.xml", or a local path starting with "/", "./" or "file:"',
    }),
  name: z.string().min(1).optional(),
  section: z.string().min(1).optional(),
  /** Poll interval in minutes. */
  interval: minutes.optional(),
  weight: z.number().positive('must be above 0').optional(),
});

export const sectionConfigSchema = z.strictObject({
  emoji: z.string().min(1).default('📰'),
});

/** A value in its shorthand (a bare string) is read as the object it abbreviates. */
function withShorthand<T extends z.ZodType>(key: string, schema: T, form: string) {
  return z.preprocess((value, context) => {
    if (typeof value === 'string') return { [key]: value };
    if (value === null || typeof value !== 'object' || Array.isArray(value)) context.addIssue({ code: 'custom', message: `must be ${form}` });
    return value;
  }, schema);
}

/** `- https://example.com/feed.xml` is short for `- url: https://example.com/feed.xml`. */
const feedEntrySchema = withShorthand('url', feedConfigSchema, 'a feed URL, e.g. "- https://example.com/feed.xml", or "- url: …" with name, section, interval or weight under it');

/** `World: "🌍"` is short for `World: { emoji: "🌍" }`. */
const sectionEntrySchema = withShorthand('emoji', sectionConfigSchema, 'the section\'s emoji, e.g. World: "🌍"');

/** A boost/mute/important keyword: plain words, phrases, or a trailing `*` for a prefix (see briefing/keywords.ts). */
const keywordPattern = z.string().refine((pattern) => keywordPatternProblem(pattern) === undefined, {
  message: 'must contain at least one letter or digit (plain words, phrases, or a word ending in "*")',
});

export const briefingConfigSchema = z.strictObject({
  /** Locale of the title's date and the briefing's own words; defaults.language when absent. */
  locale: z.string().optional(),
  maxPerSection: z.number().int().min(1).optional(),
  /** A story carried by this many distinct sources is marked important. */
  importantMinSources: z.number().int().min(2).default(3),
  importantKeywords: z.array(keywordPattern).default([]),
  boosts: z.array(keywordPattern).default([]),
  mutes: z.array(keywordPattern).default([]),
  emoji: z
    .strictObject({ section: z.string().min(1), bullet: z.string().min(1), important: z.string().min(1), update: z.string().min(1) })
    .partial()
    .default({}),
  /**
   * An item is news when Herald first sees it at most this many hours after its publication:
   * a feed added today brings its entries of the last day, not its archive.
   */
  maxItemAgeHours: z.number().positive().default(24),
  /** An empty window sends a short "nothing new" message, or nothing. */
  whenEmpty: z.enum(['message', 'nothing']).default('message'),
  /** Summary length budget in characters (UTF-16 code units). */
  summaryMaxChars: z.number().int().min(80).max(1000).default(280),
  /** Telegram link previews under a briefing (off: the first of many links would be previewed). */
  linkPreviews: z.boolean().default(false),
  discordStyle: z.enum(['embeds', 'content']).default('embeds'),
  /** The day's topic hashtags above the footer, per platform: Telegram makes them searchable; elsewhere they are noise. */
  hashtags: z.strictObject({ telegram: z.boolean().default(true), discord: z.boolean().default(false), console: z.boolean().default(false) }).prefault({}),
});

export const llmConfigSchema = z
  .strictObject({
    /** OpenAI-compatible base URL including the version, e.g. "http://127.0.0.1:11434/v1" (Ollama). Absent: extractive summaries only. */
    baseUrl: z.string().url().optional(),
    model: z.string().min(1).optional(),
    /** Better set through the environment: HERALD_LLM_API_KEY (or OPENAI_API_KEY for api.openai.com). */
    apiKey: z.string().optional(),
    timeoutMs: z.number().int().min(100).default(20_000),
    /** Tokens one briefing may spend; the remaining stories get extractive summaries. */
    tokenBudget: z.number().int().min(0).default(20_000),
    maxTokensPerStory: z.number().int().min(16).default(300),
  })
  .refine((llm) => llm.baseUrl === undefined || llm.model !== undefined, {
    message: 'needs a model when baseUrl is set, e.g. model: "llama3.1:8b"',
    path: ['model'],
  });

export const configSchema = z.strictObject({
  redis: z
    .strictObject({
      url: z.string().optional(),
      /** A Redis Cluster instead of `url`: some of its nodes as host:port (REDIS_CLUSTER_NODES); ioredis finds the rest. */
      cluster: z.strictObject({ nodes: z.array(z.string().regex(/^\S+:\d{1,5}$/, 'host:port, e.g. redis-1:6379')).min(1) }).optional(),
      /** Sentinels (host:port) that name the master `name`, instead of `url`. */
      sentinels: z.array(z.string().regex(/^\S+:\d{1,5}$/, 'host:port, e.g. sentinel-1:26379')).min(1).optional(),
      /** The master's name as the sentinels know it (with `sentinels`). */
      name: z.string().optional(),
      /** Prefix for every key Herald writes; BullMQ queues use `{prefix}`. */
      prefix: z.string().regex(/^[a-z0-9_-]+$/i, 'letters, digits, "-" and "_" only').default('herald'),
    })
    .refine((redis) => (redis.sentinels === undefined) === (redis.name === undefined), { message: 'sentinels and name go together (name: the master as the sentinels know it)', path: ['name'] })
    .refine((redis) => redis.cluster === undefined || redis.sentinels === undefined, { message: 'use either cluster or sentinels, not both', path: ['sentinels'] })
    .default({ prefix: 'herald' }),
  defaults: z
    .strictObject({
      interval: minutes.default(15),
      timezone: timeZone.default('UTC'),
      briefingTime: localTime.default('07:30'),
      language: z.string().default('en'),
      /** How long ingested items are kept. */
      retentionDays: z.number().positive().default(7),
      bulletsPerBriefing: z.number().int().min(1).max(100).default(12),
    })
    .prefault({}),
  fetch: z
    .strictObject({
      timeoutMs: z.number().int().min(100).default(15_000),
      maxBytes: z.number().int().min(1024).default(10 * 1024 * 1024),
      maxRedirects: z.number().int().min(0).max(20).default(5),
      perHostConcurrency: z.number().int().min(1).default(2),
      userAgent: z.string().optional(),
      /** Failures in a row after which a feed is disabled. */
      disableAfterFailures: z.number().int().min(1).default(10),
      /**
       * Hosts (or host:port) exempt from the SSRF guard. Only for feeds you run yourself
       * on a private network; tests allowlist their local servers.
       */
      allowHosts: z.array(z.string()).default([]),
    })
    .prefault({}),
  feeds: z.array(feedEntrySchema, { error: 'must be a list of feeds, one "- https://…" per line' }).default([]),
  sections: z.record(z.string(), sectionEntrySchema, { error: 'must map section names to emoji, e.g. World: "🌍" on its own line' }).default({}),
  telegram: z
    .strictObject({
      token: z.string().optional(),
      apiRoot: z.string().url().optional(),
      /** Telegram user ids allowed everything. */
      owners: z.array(z.number().int()).default([]),
      /**
       * Paid broadcasts (Bot API 7.11): up to 1,000 messages/s instead of 30, every message sent
       * with allow_paid_broadcast and those beyond the free limits billed in Telegram Stars.
       */
      paidBroadcast: z.boolean().default(false),
      /** Receive updates by webhook instead of long polling (see platforms/telegram/webhook.ts). */
      webhook: z
        .strictObject({
          /** The public HTTPS URL Telegram posts to (a reverse proxy forwards it to host:port). */
          url: z.string().url(),
          /** Sent by Telegram in X-Telegram-Bot-Api-Secret-Token; better set through TELEGRAM_WEBHOOK_SECRET. */
          secret: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, '1-256 characters: letters, digits, "_" and "-"').optional(),
          port: z.number().int().min(1).max(65535),
          /** Interface to listen on; "0.0.0.0" inside a container behind a proxy. */
          host: z.string().default('127.0.0.1'),
        })
        .optional(),
    })
    .prefault({}),
  discord: z
    .strictObject({
      token: z.string().optional(),
      /** REST base, e.g. http://127.0.0.1:PORT/api (tests point it at the emulator). */
      apiBase: z.string().url().optional(),
      /** Register slash commands to this guild only (instant) instead of globally. */
      guildId: z.string().optional(),
      owners: z.array(z.string()).default([]),
    })
    .prefault({}),
  briefing: briefingConfigSchema.prefault({}),
  llm: llmConfigSchema.prefault({}),
  /** The operator's HTTP endpoints: /healthz, /readyz, /metrics (and the dashboard when configured). */
  health: z
    .strictObject({
      port: z.number({ error: 'must be a port number, e.g. 8080 (0 picks a free port)' }).int('must be a whole port number, e.g. 8080').min(0, 'must be a port number from 0 to 65535').max(65_535, 'must be a port number from 0 to 65535').default(8080),
      /** Loopback by default; a container sets 0.0.0.0 so Docker and Prometheus can reach it. */
      host: z.string().min(1).default('127.0.0.1'),
    })
    .prefault({}),
  /** bull-board at /admin/queues behind basic auth; off unless both are set. */
  dashboard: z
    .strictObject({
      user: z.string().min(1),
      password: z.string().min(12, 'must be at least 12 characters: the dashboard can retry, remove and add jobs'),
    })
    .optional(),
});

export type HeraldConfig = z.infer<typeof configSchema>;
