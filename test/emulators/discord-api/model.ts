import { ChannelType, PermissionFlagsBits } from 'discord.js';

/** A plain JSON object as it travels over the wire. */
export type Json = Record<string, unknown>;

const DISCORD_EPOCH = 1_420_070_400_000n;
let snowflakeCounter = 0n;

/** A fresh id shaped like Discord's (timestamp in the high bits), so discord.js derives sane creation dates. */
export function snowflake(): string {
  snowflakeCounter = (snowflakeCounter + 1n) % 4096n;
  return (((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | snowflakeCounter).toString();
}

export interface RoleSeed {
  id: string;
  name: string;
  permissions: bigint;
}

export interface OverwriteSeed {
  /** Role id (the guild id is @everyone) or user id. */
  id: string;
  kind: 'role' | 'member';
  allow?: bigint;
  deny?: bigint;
}

export interface ChannelSeed {
  id: string;
  name: string;
  type: ChannelType.GuildText | ChannelType.GuildForum | ChannelType.GuildAnnouncement;
  overwrites?: OverwriteSeed[];
}

export interface MemberSeed {
  id: string;
  username: string;
  /** Role ids besides @everyone. */
  roles: string[];
  bot?: boolean;
}

export interface GuildSeed {
  id: string;
  name: string;
  ownerId: string;
  /** The @everyone role has the guild's id; list it here with its permissions. */
  roles: RoleSeed[];
  channels: ChannelSeed[];
  members: MemberSeed[];
}

/** A channel as the emulator keeps it: a seeded channel or a thread created through the API. */
export interface ChannelState {
  id: string;
  guildId: string;
  name: string;
  type: ChannelType;
  overwrites: OverwriteSeed[];
  /** Threads only: the channel (text or forum) they live in. */
  parentId?: string;
  ownerId?: string;
}

/** The ids of the default world, so tests can name things without magic numbers. */
export const defaultIds = {
  guild: '1100000000000000001',
  owner: '1100000000000000010',
  admin: '1100000000000000011',
  member: '1100000000000000012',
  bot: '1100000000000000020',
  application: '1100000000000000020',
  adminRole: '1100000000000000101',
  botRole: '1100000000000000102',
  text: '1100000000000000201',
  forum: '1100000000000000202',
  /** The bot lacks View Channel here (Missing Access). */
  hidden: '1100000000000000203',
  /** The bot can read but not send here (Missing Permissions). */
  readOnly: '1100000000000000204',
  /** The bot can send, but not embed links. */
  noEmbeds: '1100000000000000205',
} as const;

/** What a well-configured Herald bot is granted by its role. */
export const botRolePermissions =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.CreatePublicThreads |
  PermissionFlagsBits.ReadMessageHistory;

/** One guild with an owner, an admin (Manage Server), a plain member, the bot, and channels for each failure case. */
export function defaultGuild(): GuildSeed {
  const id = defaultIds;
  return {
    id: id.guild,
    name: 'Herald Test Server',
    ownerId: id.owner,
    roles: [
      { id: id.guild, name: '@everyone', permissions: PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ReadMessageHistory },
      { id: id.adminRole, name: 'Admin', permissions: PermissionFlagsBits.ManageGuild },
      { id: id.botRole, name: 'Herald', permissions: botRolePermissions },
    ],
    channels: [
      { id: id.text, name: 'news', type: ChannelType.GuildText },
      { id: id.forum, name: 'briefings', type: ChannelType.GuildForum },
      { id: id.hidden, name: 'staff', type: ChannelType.GuildText, overwrites: [{ id: id.guild, kind: 'role', deny: PermissionFlagsBits.ViewChannel }] },
      { id: id.readOnly, name: 'announcements', type: ChannelType.GuildText, overwrites: [{ id: id.botRole, kind: 'role', deny: PermissionFlagsBits.SendMessages }] },
      { id: id.noEmbeds, name: 'plain', type: ChannelType.GuildText, overwrites: [{ id: id.bot, kind: 'member', deny: PermissionFlagsBits.EmbedLinks }] },
    ],
    members: [
      { id: id.owner, username: 'owner', roles: [] },
      { id: id.admin, username: 'admin', roles: [id.adminRole] },
      { id: id.member, username: 'reader', roles: [] },
      { id: id.bot, username: 'Herald', roles: [id.botRole], bot: true },
    ],
  };
}

const allPermissions = Object.values(PermissionFlagsBits).reduce((all, flag) => all | flag, 0n);

/** Discord's permission algorithm: guild roles, then @everyone, role and member overwrites of the channel (threads use their parent's). */
export function permissionsIn(guild: GuildSeed, channel: ChannelState | undefined, userId: string): bigint {
  const member = guild.members.find((m) => m.id === userId);
  if (!member) return 0n;
  if (guild.ownerId === userId) return allPermissions;
  const roleIds = new Set([guild.id, ...member.roles]);
  let permissions = guild.roles.filter((role) => roleIds.has(role.id)).reduce((all, role) => all | role.permissions, 0n);
  if (permissions & PermissionFlagsBits.Administrator) return allPermissions;
  if (!channel) return permissions;
  const apply = (overwrites: OverwriteSeed[]) => {
    const deny = overwrites.reduce((all, o) => all | (o.deny ?? 0n), 0n);
    const allow = overwrites.reduce((all, o) => all | (o.allow ?? 0n), 0n);
    permissions = (permissions & ~deny) | allow;
  };
  apply(channel.overwrites.filter((o) => o.kind === 'role' && o.id === guild.id));
  apply(channel.overwrites.filter((o) => o.kind === 'role' && o.id !== guild.id && roleIds.has(o.id)));
  apply(channel.overwrites.filter((o) => o.kind === 'member' && o.id === userId));
  // Without View Channel nothing else in the channel applies.
  return permissions & PermissionFlagsBits.ViewChannel ? permissions : 0n;
}

export function userPayload(member: Pick<MemberSeed, 'id' | 'username' | 'bot'>): Json {
  return { id: member.id, username: member.username, global_name: member.username, discriminator: '0', avatar: null, bot: member.bot ?? false, flags: 0 };
}

export function memberPayload(member: MemberSeed): Json {
  return {
    user: userPayload(member),
    roles: member.roles,
    nick: null,
    avatar: null,
    joined_at: new Date(0).toISOString(),
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
  };
}

export function rolePayload(role: RoleSeed, position: number): Json {
  return {
    id: role.id,
    name: role.name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position,
    permissions: role.permissions.toString(),
    managed: false,
    mentionable: false,
    flags: 0,
  };
}

export function channelPayload(channel: ChannelState, position = 0): Json {
  const base: Json = {
    id: channel.id,
    type: channel.type,
    guild_id: channel.guildId,
    name: channel.name,
    position,
    permission_overwrites: channel.overwrites.map((o) => ({
      id: o.id,
      type: o.kind === 'role' ? 0 : 1,
      allow: (o.allow ?? 0n).toString(),
      deny: (o.deny ?? 0n).toString(),
    })),
    parent_id: channel.parentId ?? null,
    nsfw: false,
    flags: 0,
    rate_limit_per_user: 0,
    topic: null,
    last_message_id: null,
  };
  if (channel.type === ChannelType.GuildForum) {
    return { ...base, available_tags: [], default_reaction_emoji: null, default_sort_order: null, default_forum_layout: 0, default_thread_rate_limit_per_user: 0 };
  }
  if (channel.parentId) {
    return {
      ...base,
      owner_id: channel.ownerId,
      message_count: 0,
      member_count: 1,
      total_message_sent: 0,
      thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: new Date().toISOString(), locked: false },
    };
  }
  return base;
}

/** The guild object of GUILD_CREATE (with channels, roles, members) or of GET /guilds/:id (without). */
export function guildPayload(guild: GuildSeed, channels: ChannelState[], full: boolean): Json {
  const base: Json = {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: 'en-US',
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    vanity_url_code: null,
    features: [],
    emojis: [],
    stickers: [],
    roles: guild.roles.map((role, index) => rolePayload(role, index)),
  };
  if (!full) return base;
  return {
    ...base,
    joined_at: new Date(0).toISOString(),
    large: false,
    unavailable: false,
    member_count: guild.members.length,
    members: guild.members.map(memberPayload),
    channels: channels.filter((c) => !c.parentId).map((c, index) => channelPayload(c, index)),
    threads: channels.filter((c) => c.parentId).map((c) => channelPayload(c)),
    presences: [],
    voice_states: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}
