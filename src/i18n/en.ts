/**
 * English: the source catalogue. Every other language is typed as `Messages` (this object's
 * shape), so a missing or misspelt key, or a message taking other parameters, fails to compile,
 * and test/unit/i18n.test.ts fails too.
 *
 * Conventions: commands are written "/name" after a space or at a line start (Discord rewrites
 * them to "/herald …"); `example` parameters arrive written for the platform already.
 */
import type { CommandName } from '../commands/types.js';

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

export const en = {
  language: { name: 'English' },

  commands: {
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
  } satisfies Record<CommandName, string>,
  /** How each command is written, as `/help NAME` shows it: the words Herald reads stay English, what the admin fills in is named in the reply's language. */
  usage: {
    help: 'help [command]',
    subscribe: 'subscribe [HH:MM[,HH:MM]] [time zone]',
    unsubscribe: 'unsubscribe [now]',
    feeds: 'feeds',
    addfeed: 'addfeed URL [section] [interval in minutes]',
    removefeed: 'removefeed NUMBER|URL [everywhere]',
    schedule: 'schedule HH:MM[,HH:MM] [time zone]  or  /schedule weekdays=HH:MM weekends=HH:MM [tz=ZONE]',
    settings: 'settings [language=CODE] [bullets=1-100] [empty=message|nothing] [previews=on|off]',
    mute: 'mute [list | add KEYWORD | remove KEYWORD]',
    boost: 'boost [list | add KEYWORD | remove KEYWORD]',
    preview: 'preview',
    status: 'status',
    export: 'export',
    import: 'import (with an OPML file attached, or as a reply to one)',
    retry: 'retry ID|all',
  } satisfies Record<CommandName, string>,
  /** Telegram's /start in the command menu. */
  startCommand: 'What Herald is and how to begin',

  /** Discord: `/herald` and its options, at most 100 characters each. */
  slash: {
    herald: 'Herald news briefings: feeds, schedule and settings of a channel',
    feedGroup: 'Add, remove or list the feeds of a briefing',
    subscribe: 'Get a daily briefing in a channel',
    addfeed: 'Add a feed (or a site that advertises one)',
    removefeed: 'Stop following a feed',
    schedule: 'Show or set the briefing times',
    mute: 'Hide stories with a keyword',
    boost: 'Rank stories with a keyword higher',
    retry: 'Owners: send a failed delivery again',
    channelRequired: 'The channel, thread or forum that gets the briefing',
    channelOptional: 'The channel it is about (default: this one)',
    subscribeTime: 'Local time(s) of the briefing, HH:MM, several separated by commas',
    dailyTime: 'Local time(s) every day, HH:MM, several separated by commas',
    weekdays: 'Local time(s) Monday to Friday, HH:MM',
    weekends: 'Local time(s) on Saturday and Sunday, HH:MM',
    timezone: 'Time zone: start typing a city, e.g. Tokyo or Berlin',
    url: 'Address of the feed, or of a site that advertises one',
    section: 'Section of the briefing its stories go to',
    interval: 'Minutes between polls (1 to 1440)',
    feed: 'The feed to stop following',
    everywhere: 'Owners only: delete the feed from Herald for every channel',
    language: 'Language of the briefing and of Herald’s replies',
    bullets: 'Most bullets in one briefing',
    empty: 'When nothing is new: say so, or stay silent',
    previews: 'Link previews under the briefing',
    keywordAction: 'Show the list, add a keyword or remove one',
    muteKeyword: 'A word or phrase (a trailing * matches word starts) to leave out',
    boostKeyword: 'A word or phrase (a trailing * matches word starts) to rank higher',
    file: 'An OPML file of feeds',
    delivery: 'Id of a failed delivery (status lists them), or all',
  },

  // ── how replies name the chat or channel a command is about ──
  thisChat: 'this chat',
  thisGroup: 'this group',
  thisChannel: 'this channel',
  titled: (title: string) => `"${title}"`,
  topicOf: (chat: string) => `this topic of ${chat}`,
  threadIn: (name: string, parent: string, forum: boolean) => `#${name} (${forum ? 'post' : 'thread'} in #${parent})`,

  // ── the runner and shared replies ──
  ownersOnly: (command: string) => `Sorry, only a Herald owner can use /${command}.`,
  managersOnly: (target: string, command: string) => `Sorry, only an administrator of ${target} can change its briefing. Ask one of them to run /${command}.`,
  takesNoArguments: (command: string, words: string) => `/${command} takes no arguments; "${words}" is not needed.`,
  exampleLine: (example: string) => `Example: ${example}`,
  notSubscribed: (target: string, example: string) => `${target} has no briefing yet. Start one first, e.g.\n${example}`,
  somethingWentWrong: "Sorry, something went wrong on Herald's side. Please try again in a minute.",

  // ── argument problems ──
  notATime: (word: string) => `"${word}" is not a time of day: use HH:MM on the 24-hour clock.`,
  noTimeGiven: 'No time given.',
  tooManyTimes: (count: number) => `${count} times a day is too many: at most 6.`,
  notATimeZone: (word: string) => `"${word}" is not an IANA time zone (such as Europe/Berlin, America/New_York or UTC).`,
  didNotUnderstand: (word: string) => `Did not understand "${word}".`,
  dailyAndWeekdays: 'Give either one list of times for every day or weekdays=…, not both.',
  notAnInterval: (word: string) => `"${word}" is not a poll interval: give minutes from 1 to 1440, like 30 or 2h.`,
  giveAnAddress: 'Give the address of a feed or of a site that advertises one.',
  /** Asked by a bare /addfeed; the answer (a reply to it) is the address. Fixed text: Telegram finds the question by it. */
  addFeedPrompt: 'Send me the address of a feed, or of a site that advertises one, as a reply to this message.',
  notAWebAddress: (word: string) => `"${word}" is not a web address: it must start with https:// or http://.`,
  giveAKeyword: 'Give a keyword or phrase.',
  keywordLooksLikePattern: (keyword: string) => `"${keyword}" looks like a pattern: keywords are plain words or phrases (a trailing * matches word starts).`,
  keywordTooLong: (length: number, max: number) => `That keyword is ${length} characters long: at most ${max}.`,
  keywordWithoutLetters: (keyword: string) => `"${keyword}" has no letter or digit in it.`,
  notASwitch: (name: string, value: string) => `${name} must be on or off, not "${value}".`,

  // ── help ──
  helpIntro: 'Herald sends a daily news briefing. Commands:',
  helpLine: (command: string, description: string) => `• /${command}: ${description}`,
  helpOutro: 'To begin: /subscribe, then /preview shows the briefing.\nDetails on one command: /help addfeed',
  noSuchCommand: (name: string, meant: string | undefined) => `There is no command "${name}".${meant ? ` Did you mean /${meant}?` : ''}`,
  helpOne: (command: string, description: string, usage: string, example: string) => `/${command}: ${description}\nUsage: /${usage}\nExample: ${example}`,

  // ── subscribe / unsubscribe ──
  cannotPostIn: (target: string, reason: string) => `Herald cannot post in ${target}: ${reason}`,
  subscribed: (verb: 'new' | 'updated' | 'resumed', target: string, schedule: string) =>
    `${{ new: 'Subscribed', updated: 'Updated', resumed: 'Resumed' }[verb]}: ${target} gets its briefing at ${schedule}.\nTry /preview to see it now.`,
  wasNotSubscribed: (target: string) => `${target} was not subscribed; nothing to stop.`,
  unsubscribed: (target: string) => `Unsubscribed: no more briefings in ${target}. /subscribe starts them again.`,
  confirmUnsubscribe: (target: string) => `Stop the briefings in ${target}? Its schedule, settings and feed list are forgotten.`,
  confirmUnsubscribeButton: 'Yes, stop them',
  cancelButton: 'Cancel',
  keptSubscription: (target: string) => `Nothing changed: ${target} keeps its briefings.`,

  // ── schedule ──
  scheduleIs: (target: string, schedule: string) => `${target} gets its briefing at ${schedule}.`,
  scheduleChanged: (target: string, schedule: string) => `Schedule changed: ${target} gets its briefing at ${schedule}.`,
  describeSchedule: (weekdays: string[], weekends: string[] | undefined, timezone: string) =>
    `${weekdays.join(' and ')}${weekends ? `; weekends ${weekends.join(' and ')}` : ''} (${timezone})`,
  scheduleHint: 'Pick a time below, or another hour and minute; the time zone by region, then city.',
  otherTimeButton: 'Other time…',
  scheduleButton: '🕒 Time',
  settingsButton: '⚙️ Settings',
  timeZoneButton: (timezone: string) => `🌐 ${timezone}`,
  pickTime: 'Daily briefing at…',
  pickHour: 'Pick the hour (24-hour clock):',
  pickMinute: (hour: string) => `Pick the minute: ${hour}:…`,
  pickRegion: 'Pick the region of the time zone:',
  pickCity: (region: string, page: number, pages: number) => `Pick the city (${region}, page ${page} of ${pages}):`,
  backButton: '« Back',
  previousButton: '‹ Previous',
  nextButton: 'Next ›',

  // ── settings ──
  settingsOf: (target: string) => `Settings of ${target}:`,
  settingsChanged: (target: string) => `Settings of ${target} changed:`,
  settingsButtonsHint: (example: string) => `Tap below, or type ${example}`,
  settingLanguage: (language: string) => `• language: ${language}`,
  settingBullets: (count: number) => `• bullets: ${count}`,
  settingEmpty: (whenEmpty: 'message' | 'nothing') => `• empty: ${whenEmpty === 'message' ? 'message (say when nothing is new)' : 'nothing (stay silent)'}`,
  settingPreviews: (on: boolean) => `• previews: ${on ? 'on' : 'off'}`,
  notALanguage: (tag: string) => `"${tag}" is not a language code: use one like en, de, ja or pt-BR.`,
  notABulletCount: (value: string) => `bullets must be a whole number from 1 to 100, not "${value}".`,
  notAnEmptyChoice: (value: string) => `empty must be "message" (say that nothing happened) or "nothing" (stay silent), not "${value}".`,
  settingHasNoValue: (word: string) => `"${word}" has no value: write name=value.`,
  noSuchSetting: (name: string, names: string) => `There is no setting "${name}": the settings are ${names}.`,
  languageButton: (language: string) => `🗣 Language: ${language}`,
  bulletsButton: (count: number) => `• Bullets: ${count}`,
  emptyButton: (whenEmpty: 'message' | 'nothing') => `Empty day: ${whenEmpty === 'message' ? 'say so' : 'stay silent'}`,
  previewsButton: (on: boolean) => `Link previews: ${on ? 'on' : 'off'}`,
  pickLanguage: 'Language of the briefing and of my replies:',
  pickBullets: 'Most bullets in one briefing:',

  // ── feeds ──
  noFeedsYet: (example: string) => `No feeds yet. Add one: ${example}`,
  followsEverything: (target: string, count: number) => `${target} follows every feed Herald reads (${count}):`,
  followsSome: (target: string, count: number) => `${target} follows ${plural(count, 'feed', 'feeds')}:`,
  feedsPage: (page: number, pages: number) => `Page ${page} of ${pages}`,
  removeButton: (position: number) => `✖ ${position}`,
  healthButton: (position: number) => `🩺 ${position}`,
  feedLine: (position: number, name: string, details: string, url: string) => `${position}. ${name} (${details}) ${url}`,
  everyMinutes: (minutes: number) => `every ${minutes} min`,
  sectionTooLong: (length: number, max: number) => `A section name of ${length} characters is too long: at most ${max}.`,
  feedFoundOnPage: (url: string) => `Found ${url} on that page. `,
  feedAdded: (created: boolean, name: string, details: string) => `${created ? 'Added' : 'Already known, now followed'}: ${name} (${details}).`,
  itemsNow: (count: number) => `${plural(count, 'item', 'items')} now`,
  sectionDetail: (section: string) => `section ${section}`,
  noBriefingYetHint: (target: string, example: string) => `${target} has no briefing yet: ${example}`,
  whichFeed: 'Say which feed: its number in /feeds, or its URL.',
  noSuchFeed: (selector: string, count: number) => `No feed ${selector} among the ${count} that /feeds lists.`,
  ownersRemoveEverywhere: 'Only a Herald owner can remove a feed for everyone. Without "everywhere" it is removed here only.',
  removedEverywhere: (name: string) => `Removed ${name} from Herald: no destination gets it any more.`,
  onlyFeed: (name: string, target: string) => `${name} is the only feed ${target} follows. Add another first, or /unsubscribe.`,
  noLongerFollows: (target: string, name: string, count: number) => `${target} no longer follows ${name}. It follows ${plural(count, 'feed', 'feeds')}.`,
  feedGone: 'That feed is no longer in the list.',

  // ── feed health ──
  minutesAgo: (minutes: number) => `${minutes} min ago`,
  hoursAgo: (hours: number) => `${hours} h ago`,
  daysAgo: (days: number) => `${days} d ago`,
  lastRead: (ago: string) => `last read ${ago}`,
  neverRead: 'never read yet',
  healthDisabled: (reason: string) => `⛔ disabled: ${reason}`,
  healthFailing: (failures: number, lastRead: string, error: string) => `⚠️ ${plural(failures, 'failure', 'failures')} (${lastRead}): ${error}`,
  healthOk: (lastRead: string) => `✅ ok, ${lastRead}`,
  healthNew: '🕓 waiting for its first poll',
  unknownError: 'unknown error',
  redirectConflict: (url: string, feed: string, feedId: string) => `redirects permanently to ${url}, which feed ${feed} (${feedId}) already fetches — remove one of them`,

  // ── mute / boost ──
  keywordEffect: (kind: 'mute' | 'boost'): string => (kind === 'mute' ? 'Stories mentioning these are left out' : 'Stories mentioning these rank higher'),
  noKeywords: (kind: 'mute' | 'boost', target: string, example: string) => `No ${kind} keywords in ${target} yet. Add one: ${example}`,
  notListAddRemove: (action: string) => `"${action}" is not list, add or remove.`,
  keywordAlreadyListed: (keyword: string, kind: 'mute' | 'boost') => `"${keyword}" is already on the ${kind} list.`,
  keywordListFull: (kind: 'mute' | 'boost', max: number) => `The ${kind} list is full (${max} keywords); remove one first.`,
  keywordNotListed: (keyword: string, kind: 'mute' | 'boost', current: string[]) => `"${keyword}" is not on the ${kind} list${current.length ? `: ${current.join(', ')}` : ''}.`,
  keywordChanged: (added: boolean, keyword: string, effect: string, list: string[]) => `${added ? 'Added' : 'Removed'} "${keyword}". ${effect}: ${list.length ? list.join(', ') : '(none)'}.`,

  // ── preview ──
  nothingNewFor: (target: string) => `Nothing new for ${target} since its last briefing.`,
  previewFor: (target: string) => `Preview for ${target} (not counted as sent):`,

  // ── status ──
  notSubscribedStatus: (target: string) => `${target} is not subscribed.`,
  briefingsAt: (schedule: string) => `Briefings at ${schedule}.`,
  stopped: (reason: string | undefined) => `⛔ Stopped: ${reason ?? 'delivery failed'}. Fix that, then /subscribe to resume.`,
  lastBriefing: (ago: string | undefined) => `Last briefing: ${ago ?? 'none yet'}.`,
  nextBriefing: (utc: string) => `Next briefing: ${utc} UTC.`,
  failedDeliveries: (count: number, reason: string) => `⚠️ ${count} failed deliver${count === 1 ? 'y' : 'ies'}, last: ${reason}`,
  noFeedsStatus: 'No feeds yet.',
  feedsHeading: (count: number) => `Feeds (${count}):`,
  retryHint: (more: string) => `Send one again with /retry ID, or all with /retry all${more}.`,
  mostRecentShown: (count: number) => ` (the ${count} most recent shown)`,
  overallHeading: 'Herald overall (owners only):',
  overallFeeds: (all: number, ok: number, failing: number, disabled: number, fresh: number) => `• feeds: ${all} (${ok} ok, ${failing} failing, ${disabled} disabled, ${fresh} not read yet)`,
  overallSubscriptions: (active: number, stopped: number) => `• subscriptions: ${active} active, ${stopped} stopped`,
  overallDeadLetters: (count: number) => `• failed deliveries waiting: ${count}`,

  // ── export / import ──
  exported: (count: number) => `${plural(count, 'feed', 'feeds')} as OPML.`,
  attachOpml: 'Attach an OPML file to the command (or reply to a message that has one).',
  couldNotRead: (file: string, reason: string) => `Could not read ${file}: ${reason}`,
  notOpml: (file: string, reason: string) => `${file} is not an OPML file: ${reason}`,
  opmlWithoutFeeds: (file: string) => `${file} lists no feeds (no outline with an xmlUrl).`,
  opmlTooLarge: (file: string, count: number, max: number) => `${file} lists ${count} feeds; one import takes at most ${max}.`,
  imported: (count: number, created: number) => `Imported ${plural(count, 'feed', 'feeds')} (${created} new to Herald, ${count - created} already known). /status shows how they read.`,
  skipped: (count: number) => `Skipped ${count}:`,

  // ── retry ──
  noSuchDeadLetter: (id: string) => `No failed delivery "${id}". /status lists them, with their ids.`,
  deadLetterExpired: (id: string) => `Cannot retry ${id}: its briefing has expired, so it can no longer be sent.`,
  requeued: (id: string) => `${id} is queued again; only the parts that never went out are sent.`,
  noDeadLetters: 'No failed deliveries are waiting.',
  requeuedAll: (retried: number, total: number) => `Queued again: ${retried} of ${total} failed deliveries.`,
  someExpired: (count: number) => `${count} could not be: their briefing has expired.`,
  nameADeadLetter: 'Name one failed delivery by the id /status shows, or say all.',

  // ── buttons pressed ──
  onlyAdminsButton: 'Only an administrator can change this.',
  staleButton: (target: string) => `This briefing no longer exists: ${target} was unsubscribed. /subscribe starts a new one.`,
  outdatedButton: 'This button is from an older menu. Run the command again.',

  // ── platform adapters ──
  discordOnlyInServers: 'Herald is run from a server channel: use /herald there.',
  discordOutdatedCommand: 'This command is from an older version of Herald; Discord updates the list in a minute.',
  discordUnseenChannel: "Herald cannot see that channel in this server. If it is one, grant View Channel to Herald's role there, then try again.",
  discordCommandFailed: 'Something went wrong running this command. It was logged; try again in a minute.',
  consolePart: (index: number, total: number) => `(part ${index} of ${total})`,
};

export type Messages = typeof en;
