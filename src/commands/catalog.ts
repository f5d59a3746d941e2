import { en } from '../i18n/en.js';
import type { CommandDescriptions, CommandName, CommandPlatform } from './types.js';

/** English one-line descriptions (≤ 256 characters, Telegram's limit); every language's are in its catalogue (src/i18n). */
export const COMMAND_DESCRIPTIONS: CommandDescriptions = en.commands;

/**
 * A use of each command that works, in Telegram's syntax and starting with the command's name:
 * shown by `help NAME` (under the usage, which each language's catalogue words) and under every
 * argument problem.
 */
export const COMMAND_USAGE: Record<CommandName, { example: string }> = {
  help: { example: 'help schedule' },
  subscribe: { example: 'subscribe 07:30 Europe/Berlin' },
  unsubscribe: { example: 'unsubscribe now' },
  feeds: { example: 'feeds' },
  addfeed: { example: 'addfeed https://example.com/feed.xml World 30' },
  removefeed: { example: 'removefeed 2' },
  schedule: { example: 'schedule weekdays=07:30 weekends=09:00 tz=Europe/Berlin' },
  settings: { example: 'settings language=de bullets=8 previews=off' },
  mute: { example: 'mute add crypto*' },
  boost: { example: 'boost add central bank' },
  preview: { example: 'preview' },
  status: { example: 'status' },
  export: { example: 'export' },
  import: { example: 'import' },
  retry: { example: 'retry all' },
};

/** Commands written as their bare name: a word after one is more likely a mistake than noise. */
const TAKES_NO_ARGUMENTS: ReadonlySet<CommandName> = new Set(['feeds', 'preview', 'status', 'export']);

export function takesNoArguments(name: CommandName): boolean {
  return TAKES_NO_ARGUMENTS.has(name);
}

/**
 * The same examples as Discord members type them: `/herald` subcommands with `name:value`
 * options (Discord's own syntax) instead of Telegram's words and key=value. Help has none: on
 * Discord, the command list is Discord's own.
 */
const DISCORD_EXAMPLES: Record<CommandName, string | undefined> = {
  help: undefined,
  subscribe: '/herald subscribe channel:#news time:07:30 timezone:Europe/Berlin',
  unsubscribe: '/herald unsubscribe',
  feeds: '/herald feed list',
  addfeed: '/herald feed add url:https://example.com/feed.xml section:World interval:30',
  removefeed: '/herald feed remove feed:2',
  schedule: '/herald schedule weekdays:07:30 weekends:09:00 timezone:Europe/Berlin',
  settings: '/herald settings language:de bullets:8 previews:False',
  mute: '/herald mute action:add keyword:crypto*',
  boost: '/herald boost action:add keyword:central bank',
  preview: '/herald preview',
  status: '/herald status',
  export: '/herald export',
  import: '/herald import file:feeds.opml',
  retry: '/herald retry delivery:all',
};

function isCommandName(word: string): word is CommandName {
  return Object.hasOwn(COMMAND_USAGE, word);
}

/**
 * A use of a command written for the platform: the Telegram example ("schedule 07:30", always
 * starting with the command's name) as typed on Telegram, or that command's Discord example.
 */
export function commandExample(example: string, platform: CommandPlatform): string {
  const name = example.split(' ')[0] ?? '';
  const discord = platform === 'discord' && isCommandName(name) ? DISCORD_EXAMPLES[name] : undefined;
  return discord ?? `/${example}`;
}

/** How to start a briefing, for replies to commands that need one. */
export function subscribeExample(platform: CommandPlatform, timezone: string): string {
  return platform === 'discord' ? `/herald subscribe channel:#news time:07:30 timezone:${timezone}` : `/subscribe 07:30 ${timezone}`;
}

/** Commands that never change anything: open to everyone who can talk to Herald. */
const READ_ONLY: ReadonlySet<CommandName> = new Set(['help', 'feeds', 'preview', 'status', 'export']);

/** Commands about Herald as a whole rather than one destination: for the owners from config alone. */
const OWNERS_ONLY: ReadonlySet<CommandName> = new Set(['retry']);

/** Whether only a bot owner may run this command, whoever administers the target. */
export function ownersOnly(name: CommandName): boolean {
  return OWNERS_ONLY.has(name);
}

/** Commands whose bare form only shows the current value. */
const SHOW_WHEN_BARE: ReadonlySet<CommandName> = new Set(['schedule', 'settings', 'mute', 'boost']);

/** Whether running this request changes the target's subscription or feeds (and so needs a manager). */
export function changesSomething(name: CommandName, args: string[], options: Record<string, unknown>): boolean {
  if (READ_ONLY.has(name)) return false;
  const bare = args.length === 0 && Object.values(options).every((value) => value === undefined);
  if (SHOW_WHEN_BARE.has(name) && bare) return false;
  if ((name === 'mute' || name === 'boost') && args[0]?.toLowerCase() === 'list') return false;
  return true;
}
