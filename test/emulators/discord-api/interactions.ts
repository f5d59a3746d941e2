import { randomBytes } from 'node:crypto';
import { ApplicationCommandOptionType, ApplicationCommandType, InteractionType } from 'discord.js';
import { channelPayload, defaultIds, type Json, memberPayload, rolePayload, snowflake, userPayload } from './model.js';
import type { DiscordWorld, PendingInteraction } from './state.js';

export interface AttachmentOption {
  attachment: { filename: string; url: string; size?: number; contentType?: string };
}

/** A plain value, or an attachment (for options of type ATTACHMENT). Channel/user/role options take the id. */
export type OptionValue = string | number | boolean | AttachmentOption;

/** A slash command as a member would type it: `/herald feed add url:… section:…`. */
export interface CommandInvocation {
  /** Top-level command name, e.g. "herald". */
  command: string;
  /** Subcommand group and/or subcommand, e.g. ["feed", "add"] or ["status"]. */
  subcommand?: string[];
  options?: Record<string, OptionValue>;
  /** Defaults: the default guild, its text channel, the admin user. */
  guildId?: string;
  channelId?: string;
  userId?: string;
  /** Overrides the member's permissions in the channel (otherwise computed from roles and overwrites). */
  permissions?: bigint;
  /** The member's Discord language (default en-US). */
  locale?: string;
}

/** A member clicks a button, or picks options of a select menu, on a message Herald sent. */
export interface ComponentInvocation {
  channelId: string;
  messageId: string;
  customId: string;
  /** For a select menu: the values picked. Absent for a button. */
  values?: string[];
  guildId?: string;
  userId?: string;
  permissions?: bigint;
  locale?: string;
}

export interface AutocompleteInvocation extends CommandInvocation {
  /** The option being typed; its value in `options` is the partial text. */
  focused: string;
}

type Definition = Json & { name?: string; type?: number; options?: Definition[] };

/** The registered command of that name, guild commands first (as Discord shows them). */
function registeredCommand(world: DiscordWorld, guildId: string, name: string): Definition | undefined {
  return ([...world.commandsFor(guildId), ...world.commandsFor()] as Definition[]).find((c) => c.name === name);
}

function definitionOf(world: DiscordWorld, guildId: string, invocation: CommandInvocation): Definition[] {
  let level = registeredCommand(world, guildId, invocation.command)?.options ?? [];
  for (const name of invocation.subcommand ?? []) level = level.find((o) => o.name === name)?.options ?? [];
  return level;
}

function inferredType(value: OptionValue): ApplicationCommandOptionType {
  if (typeof value === 'object') return ApplicationCommandOptionType.Attachment;
  if (typeof value === 'boolean') return ApplicationCommandOptionType.Boolean;
  if (typeof value === 'number') return Number.isInteger(value) ? ApplicationCommandOptionType.Integer : ApplicationCommandOptionType.Number;
  return ApplicationCommandOptionType.String;
}

interface Built {
  options: Json[];
  resolved: Record<string, Record<string, Json>>;
}

/** Leaf options typed by the registered definition when there is one, so channel/role/user options resolve like Discord's. */
function buildLeafOptions(world: DiscordWorld, guildId: string, userId: string, invocation: CommandInvocation, focused?: string): Built {
  const definitions = definitionOf(world, guildId, invocation);
  const resolved: Record<string, Record<string, Json>> = {};
  const add = (kind: string, id: string, value: Json) => ((resolved[kind] ??= {})[id] = value);
  const guild = world.guild(guildId);
  const options = Object.entries(invocation.options ?? {}).map(([name, value]) => {
    const type = (definitions.find((d) => d.name === name)?.type as ApplicationCommandOptionType | undefined) ?? inferredType(value);
    let wire: string | number | boolean = typeof value === 'object' ? snowflake() : value;
    if (typeof value === 'object') {
      const { filename, url, size = 0, contentType } = value.attachment;
      add('attachments', String(wire), { id: wire, filename, url, proxy_url: url, size, ...(contentType ? { content_type: contentType } : {}) });
    } else if (type === ApplicationCommandOptionType.Channel) {
      const channel = world.channels.get(String(value));
      if (channel) add('channels', channel.id, { ...channelPayload(channel), permissions: world.permissions(channel, userId).toString() });
    } else if (type === ApplicationCommandOptionType.Role) {
      const role = guild?.roles.find((r) => r.id === value);
      if (role) add('roles', role.id, rolePayload(role, 0));
    } else if (type === ApplicationCommandOptionType.User) {
      const member = guild?.members.find((m) => m.id === value);
      if (member) {
        add('users', member.id, userPayload(member));
        add('members', member.id, { ...memberPayload(member), user: undefined });
      }
    }
    if (type === ApplicationCommandOptionType.Integer || type === ApplicationCommandOptionType.Number) wire = Number(value);
    return { name, type, value: wire, ...(name === focused ? { focused: true } : {}) };
  });
  return { options, resolved };
}

/** Wraps leaf options in their subcommand and subcommand group, outermost first. */
function nest(path: string[], leaves: Json[]): Json[] {
  if (path.length === 0) return leaves;
  const [group, sub] = path;
  if (sub === undefined) return [{ name: group, type: ApplicationCommandOptionType.Subcommand, options: leaves }];
  return [{ name: group, type: ApplicationCommandOptionType.SubcommandGroup, options: [{ name: sub, type: ApplicationCommandOptionType.Subcommand, options: leaves }] }];
}

/** Who interacts where, as both kinds of interaction name them. */
interface Where {
  guildId?: string;
  channelId?: string;
  userId?: string;
  permissions?: bigint;
  locale?: string;
}

/**
 * Registers a new interaction (so its callback and follow-ups are accepted) and builds the
 * INTERACTION_CREATE fields every kind shares: who, where, with which permissions and locale.
 */
function openInteraction(world: DiscordWorld, where: Where, type: InteractionType, original?: PendingInteraction['original']): { envelope: Json; pending: PendingInteraction } {
  const guildId = where.guildId ?? defaultIds.guild;
  const channelId = where.channelId ?? defaultIds.text;
  const userId = where.userId ?? defaultIds.admin;
  const guild = world.guild(guildId);
  const channel = world.channels.get(channelId);
  const member = guild?.members.find((m) => m.id === userId);
  if (!guild || !channel || !member) throw new Error(`unknown guild ${guildId}, channel ${channelId} or member ${userId} in the emulator`);
  const pending: PendingInteraction = { id: snowflake(), token: randomBytes(24).toString('base64url'), channelId, guildId, user: userPayload(member), acknowledged: false, ...(original ? { original } : {}), waiters: [] };
  world.interactions.set(pending.id, pending);
  const envelope: Json = {
    id: pending.id,
    application_id: world.applicationId,
    type,
    token: pending.token,
    version: 1,
    guild_id: guildId,
    channel_id: channelId,
    channel: channelPayload(channel),
    guild: { id: guildId, locale: 'en-US', features: [] },
    member: { ...memberPayload(member), permissions: (where.permissions ?? world.permissions(channel, userId)).toString() },
    app_permissions: world.botPermissions(channel).toString(),
    locale: where.locale ?? 'en-US',
    guild_locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: { '0': guildId },
    context: 0,
    attachment_size_limit: 8 * 1024 * 1024,
  };
  return { envelope, pending };
}

/** Builds an INTERACTION_CREATE payload and registers the interaction so its callback and follow-ups are accepted. */
export function buildInteraction(world: DiscordWorld, invocation: CommandInvocation, kind: 'command' | 'autocomplete', focused?: string): { payload: Json; pending: PendingInteraction } {
  const type = kind === 'command' ? InteractionType.ApplicationCommand : InteractionType.ApplicationCommandAutocomplete;
  const { envelope, pending } = openInteraction(world, invocation, type);
  const commandId = (registeredCommand(world, pending.guildId, invocation.command)?.id as string | undefined) ?? snowflake();
  const { options, resolved } = buildLeafOptions(world, pending.guildId, invocation.userId ?? defaultIds.admin, invocation, focused);
  const data = {
    id: commandId,
    name: invocation.command,
    type: ApplicationCommandType.ChatInput,
    guild_id: pending.guildId,
    options: nest(invocation.subcommand ?? [], options),
    ...(Object.keys(resolved).length > 0 ? { resolved } : {}),
  };
  return { payload: { ...envelope, data }, pending };
}

/**
 * Builds the MESSAGE_COMPONENT interaction of a click (or a select) on a message the emulator
 * recorded; the message is the interaction's `original`, so an "update message" callback (7)
 * edits it.
 */
export function buildComponentInteraction(world: DiscordWorld, invocation: ComponentInvocation): { payload: Json; pending: PendingInteraction } {
  const message = world.messagesByChannel.get(invocation.channelId)?.find((m) => m.id === invocation.messageId);
  if (!message) throw new Error(`no message ${invocation.messageId} in channel ${invocation.channelId} of the emulator`);
  const components = ((message.body.components ?? []) as Json[]).flatMap((row) => (row.components ?? []) as Json[]);
  const component = components.find((c) => c.custom_id === invocation.customId);
  if (!component) throw new Error(`message ${invocation.messageId} has no component ${invocation.customId}; it has ${components.map((c) => c.custom_id).join(', ')}`);
  const { envelope, pending } = openInteraction(world, invocation, InteractionType.MessageComponent, { message, ephemeral: false });
  const data = { custom_id: invocation.customId, component_type: component.type, ...(invocation.values ? { values: invocation.values } : {}) };
  return { payload: { ...envelope, message: world.messagePayload(message), data }, pending };
}
