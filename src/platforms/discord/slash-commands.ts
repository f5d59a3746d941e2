/**
 * Herald's one slash command, `/herald …`, as a table: each subcommand names the core command it
 * runs and how each of its options reaches the core (named option, positional word, the target
 * channel, or the attached file). Registration and parsing both read the table, so what Discord
 * shows and what the bot understands cannot drift apart.
 */
import {
  ChannelType,
  InteractionContextType,
  PermissionFlagsBits,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  SlashCommandBuilder,
  type SlashCommandSubcommandBuilder,
} from 'discord.js';
import type { CommandName, CommandRequest } from '../../commands/types.js';
import { allCatalogues, type Messages } from '../../i18n/index.js';

export const HERALD_COMMAND = 'herald';

/** The option every subcommand uses to name the channel it is about. */
export const TARGET_OPTION = 'channel';

/** Channels a briefing can go to: text and announcement channels, their threads, and forums. */
const TARGET_CHANNEL_TYPES = [
  ChannelType.GuildText,
  ChannelType.GuildAnnouncement,
  ChannelType.GuildForum,
  ChannelType.PublicThread,
  ChannelType.AnnouncementThread,
] as const;

/**
 * How an option's value reaches the command core: as a named option, as the next positional
 * word (for core commands that read words, such as `mute add KEYWORD`), as the target channel,
 * or as the attached file.
 */
type Delivery = 'option' | 'arg' | 'target' | 'attachment';

/** A description from the catalogues' `slash` section, registered in every language Herald speaks. */
type SlashText = keyof Messages['slash'];

interface OptionSpec {
  name: string;
  description: SlashText;
  kind: 'string' | 'integer' | 'boolean' | 'channel' | 'attachment';
  delivery: Delivery;
  required?: boolean;
  autocomplete?: boolean;
  choices?: readonly string[];
  min?: number;
  max?: number;
}

export interface SubcommandSpec {
  /** `['status']`, or a group and its subcommand: `['feed', 'add']`. */
  path: readonly [string] | readonly [string, string];
  command: CommandName;
  options: readonly OptionSpec[];
}

function targetOption(required = false): OptionSpec {
  return {
    name: TARGET_OPTION,
    description: required ? 'channelRequired' : 'channelOptional',
    kind: 'channel',
    delivery: 'target',
    required,
  };
}

const timeOption = (name: string, description: SlashText): OptionSpec => ({ name, description, kind: 'string', delivery: 'option' });
/** Autocompleted from the zones Node knows, so a member picks "Asia/Tokyo" by typing "tok". */
const timezoneOption: OptionSpec = { name: 'timezone', description: 'timezone', kind: 'string', delivery: 'option', autocomplete: true };

function keywordSubcommand(command: 'mute' | 'boost'): SubcommandSpec {
  return {
    path: [command],
    command,
    options: [
      { name: 'action', description: 'keywordAction', kind: 'string', delivery: 'arg', choices: ['list', 'add', 'remove'] },
      { name: 'keyword', description: command === 'mute' ? 'muteKeyword' : 'boostKeyword', kind: 'string', delivery: 'arg' },
      targetOption(),
    ],
  };
}

/** Every `/herald` subcommand, in the order Discord lists them. */
export const SUBCOMMANDS: readonly SubcommandSpec[] = [
  {
    path: ['subscribe'],
    command: 'subscribe',
    options: [
      targetOption(true),
      timeOption('time', 'subscribeTime'),
      timezoneOption,
    ],
  },
  { path: ['unsubscribe'], command: 'unsubscribe', options: [targetOption()] },
  {
    path: ['feed', 'add'],
    command: 'addfeed',
    options: [
      { name: 'url', description: 'url', kind: 'string', delivery: 'option', required: true },
      { name: 'section', description: 'section', kind: 'string', delivery: 'option' },
      { name: 'interval', description: 'interval', kind: 'integer', delivery: 'option', min: 1, max: 1440 },
      targetOption(),
    ],
  },
  {
    path: ['feed', 'remove'],
    command: 'removefeed',
    options: [
      { name: 'feed', description: 'feed', kind: 'string', delivery: 'option', required: true, autocomplete: true },
      { name: 'everywhere', description: 'everywhere', kind: 'boolean', delivery: 'option' },
      targetOption(),
    ],
  },
  { path: ['feed', 'list'], command: 'feeds', options: [targetOption()] },
  {
    path: ['schedule'],
    command: 'schedule',
    options: [
      timeOption('time', 'dailyTime'),
      timeOption('weekdays', 'weekdays'),
      timeOption('weekends', 'weekends'),
      timezoneOption,
      targetOption(),
    ],
  },
  {
    path: ['settings'],
    command: 'settings',
    options: [
      { name: 'language', description: 'language', kind: 'string', delivery: 'option', autocomplete: true },
      { name: 'bullets', description: 'bullets', kind: 'integer', delivery: 'option', min: 1, max: 100 },
      { name: 'empty', description: 'empty', kind: 'string', delivery: 'option', choices: ['message', 'nothing'] },
      { name: 'previews', description: 'previews', kind: 'boolean', delivery: 'option' },
      targetOption(),
    ],
  },
  keywordSubcommand('mute'),
  keywordSubcommand('boost'),
  { path: ['preview'], command: 'preview', options: [targetOption()] },
  { path: ['status'], command: 'status', options: [targetOption()] },
  { path: ['export'], command: 'export', options: [targetOption()] },
  {
    path: ['import'],
    command: 'import',
    options: [{ name: 'file', description: 'file', kind: 'attachment', delivery: 'attachment', required: true }, targetOption()],
  },
  {
    path: ['retry'],
    command: 'retry',
    options: [{ name: 'delivery', description: 'delivery', kind: 'string', delivery: 'arg', required: true }],
  },
];

const GROUP_DESCRIPTIONS: Record<string, SlashText> = { feed: 'feedGroup' };

/** Discord's limit on a command or option description. */
const DESCRIPTION_LIMIT = 100;

function clip(text: string): string {
  return text.length <= DESCRIPTION_LIMIT ? text : `${text.slice(0, DESCRIPTION_LIMIT - 1)}…`;
}

/** Discord's locale names for Herald's languages (Discord has no bare "en"; English is the default). */
const DISCORD_LOCALES: Record<string, string[]> = { ja: ['ja'], de: ['de'] };

/** A description in English and, as Discord's `description_localizations`, every other language. */
interface LocalizedText {
  text: string;
  localizations: Record<string, string>;
}

function localized(pick: (t: Messages) => string): LocalizedText {
  const localizations: Record<string, string> = {};
  let text = '';
  for (const [language, t] of allCatalogues()) {
    if (language === 'en') text = clip(pick(t));
    for (const locale of DISCORD_LOCALES[language] ?? []) localizations[locale] = clip(pick(t));
  }
  return { text, localizations };
}

/** A subcommand's description: its Discord wording when the catalogue has one (no Telegram syntax in it), else the command's. */
function subcommandText(command: CommandName): LocalizedText {
  return localized((t) => (Object.hasOwn(t.slash, command) ? t.slash[command as SlashText] : t.commands[command]));
}

function addOption(builder: SlashCommandSubcommandBuilder, spec: OptionSpec): void {
  const { text, localizations } = localized((t) => t.slash[spec.description]);
  const describe = <T extends { setName(n: string): T; setDescription(d: string): T; setDescriptionLocalizations(l: Record<string, string>): T; setRequired(r: boolean): T }>(option: T): T =>
    option.setName(spec.name).setDescription(text).setDescriptionLocalizations(localizations).setRequired(spec.required ?? false);
  switch (spec.kind) {
    case 'string':
      builder.addStringOption((option) => {
        describe(option).setAutocomplete(spec.autocomplete ?? false);
        return spec.choices ? option.addChoices(...spec.choices.map((choice) => ({ name: choice, value: choice }))) : option;
      });
      return;
    case 'integer':
      builder.addIntegerOption((option) => {
        describe(option);
        if (spec.min !== undefined) option.setMinValue(spec.min);
        return spec.max !== undefined ? option.setMaxValue(spec.max) : option;
      });
      return;
    case 'boolean':
      builder.addBooleanOption(describe);
      return;
    case 'channel':
      builder.addChannelOption((option) => describe(option).addChannelTypes(...TARGET_CHANNEL_TYPES));
      return;
    case 'attachment':
      builder.addAttachmentOption(describe);
      return;
  }
}

function fillSubcommand(builder: SlashCommandSubcommandBuilder, name: string, spec: SubcommandSpec): SlashCommandSubcommandBuilder {
  const { text, localizations } = subcommandText(spec.command);
  builder.setName(name).setDescription(text).setDescriptionLocalizations(localizations);
  for (const option of spec.options) addOption(builder, option);
  return builder;
}

/**
 * The `/herald` command as Discord's registration endpoint takes it. Only members with Manage
 * Server see it by default (server admins may widen that in Integrations); the bot checks the
 * permission again on every change, since that setting is the server's to edit.
 */
export function heraldCommandDefinition(): RESTPostAPIChatInputApplicationCommandsJSONBody {
  const herald = localized((t) => t.slash.herald);
  const command = new SlashCommandBuilder()
    .setName(HERALD_COMMAND)
    .setDescription(herald.text)
    .setDescriptionLocalizations(herald.localizations)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .setContexts(InteractionContextType.Guild);
  const grouped = new Set<string>();
  for (const spec of SUBCOMMANDS) {
    const [first, second] = spec.path;
    if (second === undefined) {
      command.addSubcommand((sub) => fillSubcommand(sub, first, spec));
    } else if (!grouped.has(first)) {
      grouped.add(first);
      command.addSubcommandGroup((group) => {
        const groupText = localized((t) => t.slash[GROUP_DESCRIPTIONS[first] ?? 'herald']);
        group.setName(first).setDescription(groupText.text).setDescriptionLocalizations(groupText.localizations);
        for (const member of SUBCOMMANDS.filter((candidate) => candidate.path[0] === first && candidate.path[1] !== undefined)) {
          group.addSubcommand((sub) => fillSubcommand(sub, member.path[1]!, member));
        }
        return group;
      });
    }
  }
  return command.toJSON();
}

/** An attached file as the interaction names it; the bot downloads it. */
export interface AttachmentReference {
  name: string;
  url: string;
  size: number;
}

/** An option value as Discord sent it: a channel option carries the channel id. */
export type SlashOptionValue = string | number | boolean | AttachmentReference;

/** A slash command turned into the core's terms, before the attachment is downloaded. */
export interface ParsedSlashCommand {
  request: CommandRequest;
  /** The channel named in the `channel` option; the channel where the command was typed when absent. */
  targetChannelId?: string;
  attachment?: AttachmentReference;
}

/** How a member types a core command on Discord ("/herald feed add" for addfeed); undefined for one Discord does not have (help). */
export function slashCommandFor(commandName: string): string | undefined {
  const spec = SUBCOMMANDS.find((candidate) => candidate.command === commandName);
  return spec ? `/${HERALD_COMMAND} ${spec.path.join(' ')}` : undefined;
}

/** The table entry of a subcommand path, e.g. `['feed', 'remove']`. */
function subcommandSpec(path: readonly string[]): SubcommandSpec | undefined {
  return SUBCOMMANDS.find((spec) => spec.path.length === path.length && spec.path.every((part, index) => part === path[index]));
}

/**
 * Maps a subcommand and its option values to a CommandRequest. Positional words keep the
 * table's order, whatever order the member typed the options in. Unknown paths give undefined
 * (a command registered by an older version of the bot).
 */
export function parseSlashCommand(path: readonly string[], values: ReadonlyMap<string, SlashOptionValue>): ParsedSlashCommand | undefined {
  const spec = subcommandSpec(path);
  if (!spec) return undefined;
  const parsed: ParsedSlashCommand = { request: { name: spec.command, args: [], options: {} } };
  for (const option of spec.options) {
    const value = values.get(option.name);
    if (value === undefined) continue;
    if (typeof value === 'object') {
      if (option.delivery === 'attachment') parsed.attachment = value;
      continue;
    }
    if (option.delivery === 'target') parsed.targetChannelId = String(value);
    else if (option.delivery === 'arg') parsed.request.args.push(String(value));
    else if (option.delivery === 'option') parsed.request.options[option.name] = value;
  }
  return parsed;
}
