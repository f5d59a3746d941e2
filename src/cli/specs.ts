/**
 * What each `herald` command takes and says in its help: all that `herald <command> --help` and the
 * check of its arguments need. The commands' own modules load discord.js, grammY, BullMQ or the whole
 * pipeline; this one loads nothing, so that neither a help text nor a mistyped option waits for them.
 */
import { configOption, type CommandSpec } from './command.js';

/** The most bullets `herald preview --bullets` takes (the configuration's bulletsPerBriefing allows as many). */
export const MAX_BULLETS = 100;

/** Where start and doctor look for Redis, first match wins, as redisEndpointOf (redis-target.ts) decides. */
const REDIS_ORDER = [
  'the cluster in REDIS_CLUSTER_NODES or redis.cluster.nodes, else the master that redis.sentinels',
  'know as redis.name, else REDIS_URL or redis.url (the variable first), else the server on 127.0.0.1:6379',
].join('\n');

/** The same for a one-shot command (doctor, feeds), which gives up rather than starting a server. */
const ONE_SHOT_REDIS = `Redis: ${REDIS_ORDER}\n(none is started here); keys under HERALD_PREFIX (default herald).`;

export const startSpec: CommandSpec = {
  name: 'start',
  summary: 'Runs Herald: the bots, the workers and the schedulers (one process, or split with --role).',
  usage: 'herald start [--config FILE] [--role ROLES]',
  options: {
    config: configOption.option,
    role: { type: 'string' },
  },
  optionHelp: {
    config: configOption.help,
    role: 'what this process runs, comma-separated: bot (answers in Telegram/Discord), worker (polls feeds, composes and sends briefings), scheduler (plans polls and briefings), or all (the default: all three)',
  },
  optionValues: { config: 'FILE', role: 'ROLES' },
  details: [
    `Redis: ${REDIS_ORDER};`,
    'when nothing answers there, Herald starts redis-server from PATH itself, with its data in ./data/.',
    'Without TELEGRAM_BOT_TOKEN and DISCORD_BOT_TOKEN the briefings are printed on this console.',
    'Briefings go out at defaults.briefingTime in defaults.timezone (07:30 UTC unless configured); to see one',
    'now, run `herald preview`.',
    'Logs go to stdout: readable lines at a terminal, JSON lines otherwise (LOG_FORMAT=pretty|json to choose).',
    'A bot token the platform refuses stops Herald at once (exit 1) with how to get a new one; a platform',
    'that cannot be reached is retried in the background while /readyz answers 503 naming it.',
    'Ctrl-C or SIGTERM stops taking jobs, finishes those in flight and exits; a second one exits at once.',
    '',
    'Examples:',
    '  herald start',
    '  herald start --role worker',
    '  HERALD_CONFIG=/etc/herald.yaml herald start --role bot,scheduler',
  ].join('\n'),
};

export const previewSpec: CommandSpec = {
  name: 'preview',
  summary: 'Reads or fetches feeds once and prints the briefing they make. Needs no Redis and no bot tokens.',
  usage: 'herald preview [URL_OR_PATH…] [--feed URL_OR_PATH]… [--config FILE] [--format text|telegram|discord|json] [--parts-json] [--date YYYY-MM-DD] [--tz ZONE] [--window HOURS] [--bullets N]',
  options: {
    feed: { type: 'string', multiple: true },
    config: configOption.option,
    format: { type: 'string' },
    'parts-json': { type: 'boolean' },
    date: { type: 'string' },
    tz: { type: 'string' },
    window: { type: 'string' },
    bullets: { type: 'string' },
  },
  optionHelp: {
    feed: 'a feed URL or local file (repeatable; the same as naming it without --feed); default: the feeds in the config file',
    config: configOption.help,
    format: 'text (default), telegram, discord, or json (the Briefing as JSON)',
    'parts-json': 'with telegram|discord|text: print the exact payloads that would be sent, as JSON',
    date: 'the briefing date; the window ends at the end of that day (default: now)',
    tz: 'IANA time zone for the date and title (default: defaults.timezone, else UTC)',
    window: 'only items published in the HOURS before the window ends, at the end of --date or now (default: all items)',
    bullets: `at most N bullets, 1 to ${MAX_BULLETS} (default: defaults.bulletsPerBriefing, 12 unless configured)`,
  },
  optionValues: { feed: 'URL_OR_PATH', config: 'FILE', format: 'FORMAT', date: 'YYYY-MM-DD', tz: 'ZONE', window: 'HOURS', bullets: 'N' },
  details: [
    'Examples:',
    '  herald preview https://feeds.bbci.co.uk/news/world/rss.xml',
    '  herald preview docs/examples/feeds/en/*.xml --tz Europe/London --date 2025-03-12 --window 72',
    '  herald preview docs/examples/feeds/ja/*.xml --format telegram --parts-json --tz Asia/Tokyo --date 2025-03-12 --window 24',
    '',
    'The briefing speaks briefing.locale, else defaults.language from the config file, as the bot would; with no',
    'config file at all it speaks the language of its feeds.',
    'Feeds that cannot be read are named on stderr and left out; the exit code is 1 when none could be read.',
  ].join('\n'),
};

/** The options of a command that takes --config alone (doctor, feeds). */
function configOptionOnly(help: string): Pick<CommandSpec, 'options' | 'optionHelp' | 'optionValues'> {
  return { options: { config: configOption.option }, optionHelp: { config: help }, optionValues: { config: 'FILE' } };
}

export const doctorSpec: CommandSpec = {
  name: 'doctor',
  summary: 'Checks the configuration, Redis, the bot tokens, every subscribed chat and the LLM endpoint, and says how to fix what is wrong.',
  usage: 'herald doctor [--config FILE]',
  ...configOptionOnly(configOption.help),
  details: [
    ONE_SHOT_REDIS,
    'Exit code 0 when every check passes (warnings allowed), 1 when any check finds a problem.',
  ].join('\n'),
};

export const feedsSpec: CommandSpec = {
  name: 'feeds',
  summary: 'Lists or removes Herald\'s feeds, imports them from an OPML file or exports them as OPML.',
  usage: 'herald feeds list | remove URL_OR_ID | import FILE.opml | export [FILE]  [--config FILE]',
  ...configOptionOnly(`${configOption.help}: where the Redis URL and key prefix come from`),
  details: [
    'Actions:',
    '  list               every feed with its id, who added it (config, chat, opml), its health and its last error',
    '  remove URL_OR_ID   stops polling the feed and forgets it: no chat or channel gets it any more. A feed listed',
    '                     in the config would come back at the next start: take it out of the config instead',
    '  import FILE.opml   adds the feeds of an OPML file; the outlines they are in become sections, and feeds',
    '                     Herald already has are left as they are. A running `herald start` polls new ones at once',
    '  export [FILE]      writes every feed as OPML to FILE, or to standard output',
    '',
    ONE_SHOT_REDIS,
    '',
    'Examples:',
    '  herald feeds list',
    '  herald feeds remove https://example.com/broken.xml',
    '  herald feeds import subscriptions.opml',
    '  herald feeds export herald-feeds.opml',
  ].join('\n'),
};
