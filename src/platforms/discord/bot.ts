/**
 * The Discord bot role of `herald start`: connects to the gateway with the Guilds intent only,
 * registers `/herald`, and runs each slash command through the platform-neutral command core.
 * Delivery does not go through here: workers send with REST alone (see sender.ts).
 */
import { once } from 'node:events';
import {
  ApplicationCommandOptionType,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type MessageComponentInteraction,
  type StringSelectMenuInteraction,
  type ChatInputCommandInteraction,
  type Client,
  type CommandInteractionOption,
  Events,
  type Interaction,
  MessageFlags,
} from 'discord.js';
import { createCommandRunner, createControlRunner, type ControlReply, type RunControl } from '../../commands/index.js';
import type { CommandServices } from '../../commands/services.js';
import { currentSubscription, followedFeeds } from '../../commands/subscription-access.js';
import type { CommandReply, CommandRequest, RunCommand } from '../../commands/types.js';
import { BRIEFING_LANGUAGES } from '../../briefing/labels.js';
import { matchingZones } from '../../commands/time-zones.js';
import type { HeraldConfig } from '../../config/schema.js';
import { messagesIn, nativeLanguageName, replyLanguageOf, type Messages } from '../../i18n/index.js';
import { fetchFeed } from '../../feeds/fetch.js';
import type { Logger } from '../../log.js';
import type { HeraldMetrics } from '../../observability/metrics.js';
import { countDiscordRateLimits } from '../../observability/platform-metrics.js';
import type { RenderOptions } from '../../render/index.js';
import { discordTokenRejection } from './bot-login.js';
import { createDiscordClient } from './client.js';
import { parseCustomId } from './components.js';
import { answerComponent, sendCommandReply } from './interaction-reply.js';
import { commandContextFor } from './permissions.js';
import {
  type AttachmentReference,
  HERALD_COMMAND,
  heraldCommandDefinition,
  parseSlashCommand,
  type SlashOptionValue,
  TARGET_OPTION,
} from './slash-commands.js';

/**
 * Discord drops an interaction not answered within 3 seconds. A command still running after
 * this long (a trial fetch of a slow feed, a preview) is deferred, privately, and answered by
 * editing the placeholder.
 */
const DEFER_AFTER_MS = 2_000;

/** Discord shows at most 25 autocomplete choices, each name and value at most 100 characters. */
const MAX_CHOICES = 25;
const CHOICE_TEXT_LIMIT = 100;

export interface DiscordBotOptions {
  config: HeraldConfig;
  services: CommandServices;
  logger: Logger;
  /** Counts the 429s of the bot's REST calls (interaction replies, command registration). */
  metrics?: HeraldMetrics;
  /** Abandons the login (a Discord that does not answer); the caller retries. */
  signal?: AbortSignal;
}

export interface DiscordBot {
  client: Client;
  /** Closes the gateway connection; commands in flight may not get their answer. */
  stop(): Promise<void>;
}

/** The leaf options of a slash command (below its subcommand and group), by name. */
function leafOptionValues(options: readonly CommandInteractionOption[]): Map<string, SlashOptionValue> {
  const values = new Map<string, SlashOptionValue>();
  for (const option of options) {
    if (option.type === ApplicationCommandOptionType.Subcommand || option.type === ApplicationCommandOptionType.SubcommandGroup) {
      for (const [name, value] of leafOptionValues(option.options ?? [])) values.set(name, value);
    } else if (option.attachment) {
      values.set(option.name, { name: option.attachment.name, url: option.attachment.url, size: option.attachment.size });
    } else if (option.value !== undefined) {
      values.set(option.name, option.value);
    }
  }
  return values;
}

function subcommandPath(interaction: ChatInputCommandInteraction | AutocompleteInteraction): string[] {
  const group = interaction.options.getSubcommandGroup(false);
  const subcommand = interaction.options.getSubcommand(false);
  return [group, subcommand].filter((part): part is string => part !== null);
}

/** The attached file's bytes, fetched like a feed: same SSRF guard, size cap and timeout. */
async function downloadAttachment(attachment: AttachmentReference, services: CommandServices): Promise<NonNullable<CommandRequest['attachment']>> {
  const outcome = await fetchFeed(attachment.url, {}, services.fetchOptions);
  if (outcome.kind !== 'fetched') throw new Error(`${attachment.name} could not be downloaded (the server answered 304 Not Modified)`);
  return { name: attachment.name, content: outcome.body };
}

/** Resolves with the work's result, first deferring the interaction when the work outlasts DEFER_AFTER_MS. */
async function deferIfSlow<T>(interaction: ChatInputCommandInteraction, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<'slow'>((resolve) => (timer = setTimeout(() => resolve('slow'), DEFER_AFTER_MS)));
  // Awaited below; this only keeps a rejection that comes after a failed deferral from going unhandled.
  work.catch(() => undefined);
  try {
    const first = await Promise.race([work, slow]);
    if (first !== 'slow') return first as T;
    // Private: whether the reply will be private is known only when it is ready, and a private
    // answer must never be shown to the whole channel.
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    return await work;
  } finally {
    clearTimeout(timer);
  }
}

class InteractionHandler {
  private readonly runCommand: RunCommand;
  private readonly runControl: RunControl;
  private readonly render: RenderOptions;

  constructor(private readonly options: DiscordBotOptions) {
    this.runCommand = createCommandRunner(options.services);
    this.runControl = createControlRunner(options.services);
    this.render = { discordStyle: options.config.briefing.discordStyle };
  }

  async handle(interaction: Interaction): Promise<void> {
    try {
      if (interaction.isChatInputCommand() && interaction.commandName === HERALD_COMMAND) await this.command(interaction);
      else if (interaction.isAutocomplete() && interaction.commandName === HERALD_COMMAND) await this.autocomplete(interaction);
      else if (interaction.isButton() || interaction.isStringSelectMenu()) await this.component(interaction);
    } catch (error) {
      this.options.logger.error({ err: error, interactionId: interaction.id }, 'discord interaction failed');
      if (interaction.isChatInputCommand()) await this.answerFailure(interaction);
    }
  }

  /** A click on one of Herald's buttons or menus: the core decides (refusing non-managers and stale screens); the message shows the outcome. */
  private async component(interaction: ButtonInteraction | StringSelectMenuInteraction): Promise<void> {
    if (!interaction.inCachedGuild()) return;
    const { action, targetChannelId } = parseCustomId(interaction.customId);
    const pressed = interaction.isStringSelectMenu() ? `${action}=${interaction.values[0] ?? ''}` : action;
    const context = await this.context(interaction, targetChannelId ?? interaction.channelId);
    const outcome: ControlReply = context ? await this.runControl(pressed, context) : { notice: wordsFor(interaction).discordUnseenChannel, changed: false };
    await answerComponent(interaction, outcome, targetChannelId);
  }

  private context(interaction: ChatInputCommandInteraction<'cached'> | AutocompleteInteraction<'cached'> | MessageComponentInteraction<'cached'>, targetChannelId: string) {
    return commandContextFor(interaction.guild, targetChannelId, {
      userId: interaction.user.id,
      userName: interaction.user.username,
      locale: interaction.locale,
      memberPermissions: interaction.memberPermissions,
      owners: this.options.config.discord.owners,
    });
  }

  private async command(interaction: ChatInputCommandInteraction): Promise<void> {
    if (!interaction.inCachedGuild()) {
      await sendCommandReply(interaction, { text: wordsFor(interaction).discordOnlyInServers, private: true, ok: false });
      return;
    }
    const reply = await deferIfSlow(interaction, this.reply(interaction));
    const named = interaction.options.get(TARGET_OPTION)?.value;
    const targetChannelId = typeof named === 'string' && named !== interaction.channelId ? named : undefined;
    await sendCommandReply(interaction, reply, this.render, targetChannelId);
  }

  private async reply(interaction: ChatInputCommandInteraction<'cached'>): Promise<CommandReply> {
    const parsed = parseSlashCommand(subcommandPath(interaction), leafOptionValues(interaction.options.data));
    if (!parsed) return { text: wordsFor(interaction).discordOutdatedCommand, private: true, ok: false };
    const context = await this.context(interaction, parsed.targetChannelId ?? interaction.channelId);
    if (!context) return { text: wordsFor(interaction).discordUnseenChannel, private: true, ok: false };
    const request = parsed.request;
    if (parsed.attachment) {
      try {
        request.attachment = await downloadAttachment(parsed.attachment, this.options.services);
      } catch (error) {
        return { text: wordsFor(interaction).couldNotRead(parsed.attachment.name, (error as Error).message), private: true, ok: false };
      }
    }
    return this.runCommand(request, context);
  }

  /** Offers time zones, languages, or the feeds the target's briefing follows (numbered as `/herald feed list` shows them). */
  private async autocomplete(interaction: AutocompleteInteraction): Promise<void> {
    const focused = interaction.options.getFocused(true);
    if (focused.name === 'timezone') return interaction.respond(matchingZones(focused.value, MAX_CHOICES).map((zone) => ({ name: zone, value: zone })));
    if (focused.name === 'language') return interaction.respond(matchingLanguages(focused.value));
    if (!interaction.inCachedGuild()) return interaction.respond([]);
    const typed = focused.value.toLowerCase();
    const targetChannelId = interaction.options.get(TARGET_OPTION)?.value;
    const context = await this.context(interaction, typeof targetChannelId === 'string' ? targetChannelId : interaction.channelId);
    if (!context) return interaction.respond([]);
    const input = { context, services: this.options.services };
    const followed = await followedFeeds(input, await currentSubscription(input));
    const choices = followed
      .map(({ feed }, index) => ({ number: index + 1, label: feed.name ?? feed.url, url: feed.url }))
      .filter(({ label, url }) => typed === '' || label.toLowerCase().includes(typed) || url.toLowerCase().includes(typed))
      .slice(0, MAX_CHOICES)
      .map(({ number, label, url }) => ({
        name: clipChoice(`${number}. ${label}`),
        // A URL too long for a choice value is named by its number, which removefeed also takes.
        value: url.length <= CHOICE_TEXT_LIMIT ? url : String(number),
      }));
    await interaction.respond(choices);
  }

  private async answerFailure(interaction: ChatInputCommandInteraction): Promise<void> {
    if (interaction.replied) return;
    const failure: CommandReply = { text: wordsFor(interaction).discordCommandFailed, private: true, ok: false };
    await sendCommandReply(interaction, failure).catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not tell the user a command failed'));
  }
}

/** Herald's words in the member's Discord language, for answers given before the command core runs. */
function wordsFor(interaction: Interaction): Messages {
  return messagesIn(replyLanguageOf(interaction.locale) ?? 'en');
}

/** The briefing languages whose code or own name contains what was typed, named in their own language. */
function matchingLanguages(typed: string): { name: string; value: string }[] {
  const wanted = typed.trim().toLowerCase();
  return BRIEFING_LANGUAGES.map((code) => ({ name: `${nativeLanguageName(code)} (${code})`, value: code })).filter(({ name }) => name.toLowerCase().includes(wanted));
}

function clipChoice(text: string): string {
  return text.length <= CHOICE_TEXT_LIMIT ? text : `${text.slice(0, CHOICE_TEXT_LIMIT - 1)}…`;
}

/** Registers `/herald` (replacing what an earlier version registered) in one server or globally. */
async function registerCommands(client: Client<true>, guildId: string | undefined): Promise<void> {
  const definitions = [heraldCommandDefinition()];
  try {
    await (guildId ? client.application.commands.set(definitions, guildId) : client.application.commands.set(definitions));
  } catch (error) {
    const where = guildId ? `in server ${guildId} (discord.guildId; is the bot in that server, invited with the applications.commands scope?)` : 'globally';
    throw new Error(`could not register /herald ${where}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Connects the bot, registers `/herald` (to `discord.guildId` when set: instant, for testing a
 * server; otherwise globally) and answers slash commands until `stop()`. One try, no retries: a
 * token Discord refuses throws TokenRejectedError, anything else the caller may retry.
 */
export async function startDiscordBot(options: DiscordBotOptions): Promise<DiscordBot> {
  const { config, logger, signal } = options;
  const client = createDiscordClient(config.discord);
  if (options.metrics) countDiscordRateLimits(client.rest, options.metrics);
  const handler = new InteractionHandler(options);
  client.on(Events.InteractionCreate, (interaction) => void handler.handle(interaction));
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));
  try {
    // Both awaited together, so a login failing after an abort is not left unhandled.
    const [, [readyClient]] = (await Promise.all([client.login(), once(client, Events.ClientReady, { signal })])) as [string, [Client<true>]];
    await registerCommands(readyClient, config.discord.guildId);
    logger.info({ bot: client.user?.tag, scope: config.discord.guildId ? `guild ${config.discord.guildId}` : 'global' }, 'discord bot ready; /herald registered');
  } catch (error) {
    await client.destroy();
    throw discordTokenRejection(error) ?? error;
  }
  return { client, stop: () => client.destroy() };
}
