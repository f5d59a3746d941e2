import type { CommandDescriptions, CommandName } from './types.js';

/** One-line descriptions (≤ 256 characters, Telegram's limit; Discord's is 100 and these stay under it). */
export const COMMAND_DESCRIPTIONS: CommandDescriptions = {
  help: 'List the commands, or explain one: help addfeed',
  subscribe: 'Get a daily briefing here: subscribe 07:30 Europe/Berlin',
  unsubscribe: 'Stop the briefings here',
  feeds: 'List the feeds this briefing follows, with their health',
  addfeed: 'Add a feed (or a site that advertises one): addfeed URL [section] [interval]',
  removefeed: 'Stop following a feed: removefeed NUMBER|URL',
  schedule: 'Show or set briefing times: schedule 07:30,18:00 Europe/Berlin',
  settings: 'Show or change language, bullets, empty-day message, link previews',
  mute: 'Hide stories with a keyword: mute add crypto',
  boost: 'Rank stories with a keyword higher: boost add climate',
  preview: 'Show the briefing as it would look now (not counted as sent)',
  status: 'Feed health, last and next briefing, failed deliveries',
  export: 'Download the followed feeds as an OPML file',
  import: 'Add feeds from an OPML file (send it with this command)',
  retry: 'Owners: send a failed delivery again (status lists them): retry ID|all',
};

/** How each command is written, with an example that works. Shown by `help NAME` and under every argument problem. */
export const COMMAND_USAGE: Record<CommandName, { usage: string; example: string }> = {
  help: { usage: 'help [command]', example: 'help schedule' },
  subscribe: { usage: 'subscribe [HH:MM[,HH:MM]] [time zone]', example: 'subscribe 07:30 Europe/Berlin' },
  unsubscribe: { usage: 'unsubscribe', example: 'unsubscribe' },
  feeds: { usage: 'feeds', example: 'feeds' },
  addfeed: { usage: 'addfeed URL [section] [interval in minutes]', example: 'addfeed https://example.com/feed.xml World 30' },
  removefeed: { usage: 'removefeed NUMBER|URL [everywhere]', example: 'removefeed 2' },
  schedule: {
    usage: 'schedule HH:MM[,HH:MM] [time zone]  or  schedule weekdays=HH:MM weekends=HH:MM [tz=ZONE]',
    example: 'schedule weekdays=07:30 weekends=09:00 tz=Europe/Berlin',
  },
  settings: {
    usage: 'settings [language=CODE] [bullets=1-100] [empty=message|nothing] [previews=on|off]',
    example: 'settings language=de bullets=8 previews=off',
  },
  mute: { usage: 'mute [list | add KEYWORD | remove KEYWORD]', example: 'mute add crypto*' },
  boost: { usage: 'boost [list | add KEYWORD | remove KEYWORD]', example: 'boost add central bank' },
  preview: { usage: 'preview', example: 'preview' },
  status: { usage: 'status', example: 'status' },
  export: { usage: 'export', example: 'export' },
  import: { usage: 'import (with an OPML file attached, or as a reply to one)', example: 'import' },
  retry: { usage: 'retry ID|all', example: 'retry all' },
};

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
