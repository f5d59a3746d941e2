/**
 * Who may change what, and whether Herald can post where it is asked to: Discord's rules turned
 * into the command core's `canManage` and `cannotPostReason`.
 */
import { ChannelType, type Guild, type GuildBasedChannel, type GuildMember, PermissionFlagsBits, type PermissionsBitField } from 'discord.js';
import type { CommandContext } from '../../commands/types.js';
import { en } from '../../i18n/en.js';
import type { Messages } from '../../i18n/index.js';
import type { Destination } from '../delivery.js';
import { type DiscordAction, listPermissions, missingPermissions } from './errors.js';

/**
 * Whether a member may change briefings: Manage Server (Administrator implies it). Checked on
 * every command, since a server can open the command itself to anyone in its settings.
 */
function canManageServer(memberPermissions: Readonly<PermissionsBitField> | null): boolean {
  return memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false;
}

/** What Herald does in a channel of this type to deliver a briefing. */
function deliveryActions(channel: GuildBasedChannel): DiscordAction[] {
  if (channel.type === ChannelType.GuildForum) return ['forum-post', 'thread-message'];
  return channel.isThread() ? ['thread-message'] : ['message'];
}

/**
 * The names of the permissions Herald lacks to deliver in `channel`, from the cached roles and
 * overwrites: a forum needs posts and messages inside them, a thread Send Messages in Threads.
 */
function missingDeliveryPermissions(channel: GuildBasedChannel, botMember: GuildMember): string[] {
  const granted = channel.permissionsFor(botMember).bitfield;
  return [...new Set(deliveryActions(channel).flatMap((action) => missingPermissions(granted, action)))];
}

/** Whether briefings can go to a channel of this kind at all (not voice, stage, category and the like). */
function isBriefingChannel(channel: GuildBasedChannel): boolean {
  return channel.type === ChannelType.GuildForum || (channel.isTextBased() && !channel.isVoiceBased());
}

/** Why Herald cannot deliver in `channel`, in words an admin can act on; undefined when it can. */
export function cannotPostReason(channel: GuildBasedChannel, botMember: GuildMember | null): string | undefined {
  if (!isBriefingChannel(channel)) return 'it is not a text, announcement or forum channel, or a thread';
  if (!botMember) return 'Herald is not a member of this server any more; invite it again';
  const missing = missingDeliveryPermissions(channel, botMember);
  if (missing.length === 0) return undefined;
  const noun = missing.length === 1 ? 'permission' : 'permissions';
  return `Herald lacks the ${listPermissions(missing)} ${noun} there. Grant ${missing.length === 1 ? 'it' : 'them'} to Herald's role in the channel's settings (Permissions), then try again.`;
}

/**
 * The delivery destination of a channel: a forum gets one post per briefing; a thread is
 * addressed inside its parent, so the sender posts into the thread itself.
 */
function destinationOf(channel: GuildBasedChannel): Destination {
  if (channel.type === ChannelType.GuildForum) return { platform: 'discord', chatId: channel.id, channelKind: 'forum' };
  if (channel.isThread() && channel.parentId) return { platform: 'discord', chatId: channel.parentId, threadId: channel.id, channelKind: 'text' };
  return { platform: 'discord', chatId: channel.id, channelKind: 'text' };
}

/** How replies name a channel: "#news", or "#daily (thread in #news)". */
function channelLabel(channel: GuildBasedChannel, t: Messages = en): string {
  if (channel.isThread() && channel.parent) return t.threadIn(channel.name, channel.parent.name, channel.parent.type === ChannelType.GuildForum);
  return `#${channel.name}`;
}

/** What the command core needs to know about who asks about which channel. */
export interface TargetAsker {
  userId: string;
  userName: string;
  /** The member's Discord language, for replies in it. */
  locale?: string;
  memberPermissions: Readonly<PermissionsBitField> | null;
  /** Bot owners from config (`discord.owners`). */
  owners: readonly string[];
}

/**
 * The command context for a channel of `guild`: the destination, its label, whether the asker
 * may manage it and, when Herald cannot post there, why. The channel comes from the cache the
 * Guilds intent keeps (roles and overwrites included); one missing from it is looked up once.
 * Undefined when the channel is not this server's (discord.js refuses another guild's) or
 * Discord will not show it: nobody may reach another server's briefing from here.
 */
export async function commandContextFor(guild: Guild, channelId: string, asker: TargetAsker): Promise<CommandContext | undefined> {
  const channel = guild.channels.cache.get(channelId) ?? (await guild.channels.fetch(channelId).catch(() => null));
  // discord.js files a channel resolved in an interaction under the interaction's guild, so the
  // cache alone does not prove the channel belongs to it.
  if (!channel || channel.guildId !== guild.id) return undefined;
  const reason = cannotPostReason(channel, guild.members.me);
  return {
    platform: 'discord',
    user: { id: asker.userId, name: asker.userName },
    ...(asker.locale ? { locale: asker.locale } : {}),
    target: destinationOf(channel),
    targetLabel: channelLabel(channel),
    targetName: (t) => channelLabel(channel, t),
    canManage: canManageServer(asker.memberPermissions),
    isOwner: asker.owners.includes(asker.userId),
    ...(reason ? { cannotPostReason: reason } : {}),
  };
}
