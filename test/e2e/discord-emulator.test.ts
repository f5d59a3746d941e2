import { once } from 'node:events';
import { ChannelType, type Client, DiscordAPIError, Events, MessageFlags, PermissionFlagsBits, REST, Routes, SlashCommandBuilder } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordClient } from '../../src/platforms/discord/client.js';
import { defaultIds, type DiscordEmulator, startDiscordEmulator } from '../emulators/discord-api.js';

const heraldCommand = new SlashCommandBuilder()
  .setName('herald')
  .setDescription('Herald news briefings')
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .addSubcommandGroup((group) =>
    group
      .setName('feed')
      .setDescription('Feeds')
      .addSubcommand((sub) =>
        sub
          .setName('add')
          .setDescription('Add a feed')
          .addStringOption((o) => o.setName('url').setDescription('Feed URL').setRequired(true))
          .addStringOption((o) => o.setName('section').setDescription('Section')),
      )
      .addSubcommand((sub) =>
        sub
          .setName('remove')
          .setDescription('Remove a feed')
          .addStringOption((o) => o.setName('url').setDescription('Feed URL').setRequired(true).setAutocomplete(true)),
      ),
  )
  .addSubcommand((sub) =>
    sub
      .setName('subscribe')
      .setDescription('Subscribe a channel')
      .addChannelOption((o) => o.setName('channel').setDescription('Where').setRequired(true))
      .addIntegerOption((o) => o.setName('hour').setDescription('Hour')),
  );

describe('Discord emulator with the real discord.js', () => {
  let emulator: DiscordEmulator;
  let client: Client;

  beforeAll(async () => {
    emulator = await startDiscordEmulator();
    client = createDiscordClient({ token: emulator.token, apiBase: emulator.apiBase, owners: [] });
    const ready = once(client, Events.ClientReady);
    await client.login();
    await ready;
  });

  afterAll(async () => {
    await client?.destroy();
    await emulator?.close();
  });

  it('logs in through the gateway: READY names the bot, GUILD_CREATE fills the guild cache', () => {
    expect(client.user?.id).toBe(defaultIds.bot);
    const guild = client.guilds.cache.get(defaultIds.guild);
    expect(guild?.name).toBe('Herald Test Server');
    expect(guild?.channels.cache.get(defaultIds.forum)?.type).toBe(ChannelType.GuildForum);
    expect(guild?.members.cache.get(defaultIds.admin)?.permissions.has(PermissionFlagsBits.ManageGuild)).toBe(true);
    // Overwrites arrive with the channels, so permission checks work from the cache.
    const me = guild?.members.me;
    expect(me && guild?.channels.cache.get(defaultIds.readOnly)?.permissionsFor(me)?.has(PermissionFlagsBits.SendMessages)).toBe(false);
    expect(me && guild?.channels.cache.get(defaultIds.text)?.permissionsFor(me)?.has(PermissionFlagsBits.SendMessages)).toBe(true);
  });

  it('records guild commands registered with a bulk overwrite, keeping ids across re-registration', async () => {
    const first = await client.application!.commands.set([heraldCommand.toJSON()], defaultIds.guild);
    const again = await client.application!.commands.set([heraldCommand.toJSON()], defaultIds.guild);
    expect([...again.keys()]).toEqual([...first.keys()]);
    const [recorded] = emulator.commands(defaultIds.guild);
    expect(recorded?.name).toBe('herald');
    expect(recorded?.default_member_permissions).toBe(PermissionFlagsBits.ManageGuild.toString());
    expect(emulator.commands()).toEqual([]);
  });

  it('dispatches a nested slash command to the handler; its ephemeral reply reaches the callback endpoint', async () => {
    const seen: { group: string | null; sub: string; url: string; section: string | null; canManage: boolean }[] = [];
    const handler = async (interaction: import('discord.js').Interaction) => {
      if (!interaction.isChatInputCommand()) return;
      seen.push({
        group: interaction.options.getSubcommandGroup(false),
        sub: interaction.options.getSubcommand(),
        url: interaction.options.getString('url', true),
        section: interaction.options.getString('section'),
        canManage: interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false,
      });
      await interaction.reply({ content: 'Feed added', flags: MessageFlags.Ephemeral });
    };
    client.on(Events.InteractionCreate, handler);
    try {
      const { response } = await emulator.invokeCommand({ command: 'herald', subcommand: ['feed', 'add'], options: { url: 'https://example.com/feed.xml', section: 'World' } });
      expect(seen).toEqual([{ group: 'feed', sub: 'add', url: 'https://example.com/feed.xml', section: 'World', canManage: true }]);
      expect(response).toMatchObject({ kind: 'callback', type: 4, ephemeral: true, data: { content: 'Feed added' } });
      // Ephemeral replies are not channel messages.
      expect(emulator.messages(defaultIds.text)).toEqual([]);

      await emulator.invokeCommand({ command: 'herald', subcommand: ['feed', 'add'], options: { url: 'https://example.com/b.xml' }, userId: defaultIds.member });
      expect(seen[1]?.canManage).toBe(false);
      const granted = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.ManageGuild;
      await emulator.invokeCommand({ command: 'herald', subcommand: ['feed', 'add'], options: { url: 'https://example.com/c.xml' }, userId: defaultIds.member, permissions: granted });
      expect(seen[2]?.canManage).toBe(true);
    } finally {
      client.off(Events.InteractionCreate, handler);
    }
  });

  it('resolves channel options and integer types from the registered definition', async () => {
    let resolved: { id?: string; type?: ChannelType; hour: number | null } | undefined;
    const handler = async (interaction: import('discord.js').Interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const channel = interaction.options.getChannel('channel', true);
      resolved = { id: channel.id, type: channel.type, hour: interaction.options.getInteger('hour') };
      await interaction.deferReply();
      await interaction.editReply({ content: `Subscribed <#${channel.id}>` });
      await interaction.followUp({ content: 'Next briefing at 07:00' });
    };
    client.on(Events.InteractionCreate, handler);
    try {
      const { interactionId } = await emulator.invokeCommand({ command: 'herald', subcommand: ['subscribe'], options: { channel: defaultIds.forum, hour: 7 } });
      const responses = await emulator.waitForResponses(interactionId, 3);
      expect(resolved).toEqual({ id: defaultIds.forum, type: ChannelType.GuildForum, hour: 7 });
      expect(responses.map((r) => [r.kind, r.type])).toEqual([['callback', 5], ['edit-original', undefined], ['followup', undefined]]);
      // The deferred placeholder became the edited reply, in place, before the follow-up.
      expect(emulator.messages(defaultIds.text).map((m) => m.content)).toEqual([`Subscribed <#${defaultIds.forum}>`, 'Next briefing at 07:00']);
    } finally {
      client.off(Events.InteractionCreate, handler);
    }
  });

  it('dispatches autocomplete with the focused option and returns the choices', async () => {
    const handler = async (interaction: import('discord.js').Interaction) => {
      if (!interaction.isAutocomplete()) return;
      const typed = interaction.options.getFocused();
      const feeds = ['https://a.example/feed', 'https://b.example/rss'];
      await interaction.respond(feeds.filter((f) => f.includes(typed)).map((f) => ({ name: f, value: f })));
    };
    client.on(Events.InteractionCreate, handler);
    try {
      const choices = await emulator.autocomplete({ command: 'herald', subcommand: ['feed', 'remove'], options: { url: 'b.ex' }, focused: 'url' });
      expect(choices).toEqual([{ name: 'https://b.example/rss', value: 'https://b.example/rss' }]);
    } finally {
      client.off(Events.InteractionCreate, handler);
    }
  });

  it('tells clients about changed overwrites and deleted channels, and REST follows the same model', async () => {
    const guild = client.guilds.cache.get(defaultIds.guild);
    const me = guild?.members.me;
    if (!guild || !me) throw new Error('guild not cached');
    emulator.setOverwrites(defaultIds.text, [{ id: defaultIds.botRole, kind: 'role', deny: PermissionFlagsBits.EmbedLinks }]);
    await expect.poll(() => guild.channels.cache.get(defaultIds.text)?.permissionsFor(me)?.has(PermissionFlagsBits.EmbedLinks)).toBe(false);
    const refused = await client.rest.post(Routes.channelMessages(defaultIds.text), { body: { embeds: [{ description: 'x' }] } }).catch((e: unknown) => e);
    expect((refused as DiscordAPIError).code).toBe(50013);
    emulator.setOverwrites(defaultIds.text, []);
    await expect.poll(() => guild.channels.cache.get(defaultIds.text)?.permissionsFor(me)?.has(PermissionFlagsBits.EmbedLinks)).toBe(true);

    emulator.deleteChannel(defaultIds.noEmbeds);
    await expect.poll(() => guild.channels.cache.has(defaultIds.noEmbeds)).toBe(false);
    const gone = await client.rest.post(Routes.channelMessages(defaultIds.noEmbeds), { body: { content: 'x' } }).catch((e: unknown) => e);
    expect((gone as DiscordAPIError).code).toBe(10003);
  });

  it('resumes the session after a reconnect request and keeps dispatching', async () => {
    emulator.requestReconnect();
    await expect.poll(() => emulator.handshakes().resumed, { timeout: 20_000 }).toBe(1);
    expect(emulator.handshakes().identified).toBe(1);
    const handler = async (interaction: import('discord.js').Interaction) => {
      if (interaction.isChatInputCommand()) await interaction.reply({ content: 'still here' });
    };
    client.on(Events.InteractionCreate, handler);
    try {
      const { response } = await emulator.invokeCommand({ command: 'herald', subcommand: ['feed', 'add'], options: { url: 'https://d.example' } });
      expect(response.data.content).toBe('still here');
    } finally {
      client.off(Events.InteractionCreate, handler);
    }
  });

  it('passes attachment options and records files sent back (import/export style)', async () => {
    let received: { name?: string; url?: string } | undefined;
    const handler = async (interaction: import('discord.js').Interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const file = interaction.options.getAttachment('file', true);
      received = { name: file.name, url: file.url };
      await interaction.reply({ content: 'Your feeds', files: [{ attachment: Buffer.from('<opml version="2.0"/>'), name: 'feeds.opml' }], flags: MessageFlags.Ephemeral });
    };
    client.on(Events.InteractionCreate, handler);
    try {
      const { response } = await emulator.invokeCommand({
        command: 'herald',
        subcommand: ['import'],
        options: { file: { attachment: { filename: 'feeds.opml', url: 'http://127.0.0.1:9/feeds.opml', contentType: 'text/x-opml' } } },
      });
      expect(received).toEqual({ name: 'feeds.opml', url: 'http://127.0.0.1:9/feeds.opml' });
      expect(response.data.content).toBe('Your feeds');
      expect(response.files).toEqual([{ name: 'feeds.opml', size: 21, text: '<opml version="2.0"/>' }]);
    } finally {
      client.off(Events.InteractionCreate, handler);
    }
  });

  it('answers an interaction acknowledged twice with 40060, as Discord does', async () => {
    const errors: unknown[] = [];
    const handler = async (interaction: import('discord.js').Interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.reply({ content: 'one' });
      await client.rest.post(Routes.interactionCallback(interaction.id, interaction.token), { body: { type: 4, data: { content: 'two' } }, auth: false }).catch((error: unknown) => errors.push(error));
    };
    client.on(Events.InteractionCreate, handler);
    try {
      const { interactionId } = await emulator.invokeCommand({ command: 'herald', subcommand: ['feed', 'add'], options: { url: 'https://c.example' } });
      await expect.poll(() => errors.length).toBe(1);
      expect((errors[0] as DiscordAPIError).code).toBe(40060);
      expect(emulator.interactionResponses(interactionId)).toHaveLength(1);
    } finally {
      client.off(Events.InteractionCreate, handler);
    }
  });
});

describe('Discord emulator REST checks', () => {
  let emulator: DiscordEmulator;
  let rest: REST;

  beforeAll(async () => {
    emulator = await startDiscordEmulator({ routeLimit: { limit: 3, windowMs: 300 } });
    rest = new REST({ api: emulator.apiBase, retries: 0 }).setToken(emulator.token);
  });

  afterAll(async () => {
    await emulator?.close();
  });

  const post = (channelId: string, body: unknown) => rest.post(Routes.channelMessages(channelId), { body });
  const apiError = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DiscordAPIError);
    return error as DiscordAPIError;
  };

  it('rejects bodies over each limit with 50035 and the field path, and accepts bodies at the limit', async () => {
    const cases: [unknown, string][] = [
      [{ content: 'x'.repeat(2001) }, 'content'],
      [{ embeds: Array.from({ length: 11 }, () => ({ description: 'x' })) }, 'embeds'],
      [{ embeds: [{ title: 't'.repeat(257) }] }, 'embeds.0.title'],
      [{ embeds: [{ description: 'd'.repeat(4097) }] }, 'embeds.0.description'],
      [{ embeds: [{ fields: Array.from({ length: 26 }, () => ({ name: 'n', value: 'v' })) }] }, 'embeds.0.fields'],
      [{ embeds: [{ description: 'd'.repeat(4000) }, { description: 'd'.repeat(2001) }] }, 'embeds'],
    ];
    for (const [body, path] of cases) {
      const error = await apiError(post(defaultIds.text, body));
      expect(error.status).toBe(400);
      expect(error.code).toBe(50035);
      const tree = path.split('.').reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, (error.rawError as { errors: Record<string, unknown> }).errors);
      expect(tree._errors, path).toBeDefined();
    }
    // 2000 emoji are 4000 UTF-16 units but 2000 characters: Discord counts characters.
    await post(defaultIds.text, { content: '🦊'.repeat(2000), embeds: [{ description: 'd'.repeat(4096), title: 't'.repeat(256) }, { description: 'd'.repeat(1648) }] });
    expect(emulator.messages(defaultIds.text)).toHaveLength(1);
    expect((await apiError(post(defaultIds.text, { content: '  ' }))).code).toBe(50006);
  });

  it('honours enforce_nonce as Discord does: a repeated nonce returns the first message instead of posting again', async () => {
    const before = emulator.messages(defaultIds.text).length;
    const first = (await post(defaultIds.text, { content: 'once', nonce: 'part-7', enforce_nonce: true })) as { id: string; nonce: string };
    const again = (await post(defaultIds.text, { content: 'once', nonce: 'part-7', enforce_nonce: true })) as { id: string };
    expect(again.id).toBe(first.id);
    expect(first.nonce).toBe('part-7');
    // Without enforce_nonce a nonce is only echoed; a new nonce posts.
    await post(defaultIds.text, { content: 'echoed', nonce: 'part-7' });
    await post(defaultIds.text, { content: 'new', nonce: 'part-8', enforce_nonce: true });
    expect(emulator.messages(defaultIds.text).slice(before).map((m) => m.content)).toEqual(['once', 'echoed', 'new']);
    const tooLong = await apiError(post(defaultIds.text, { content: 'x', nonce: 'n'.repeat(26), enforce_nonce: true }));
    expect(tooLong.code).toBe(50035);
    expect((tooLong.rawError as { errors: Record<string, unknown> }).errors.nonce).toBeDefined();
  });

  it('records allowed_mentions as received and who would have been pinged', async () => {
    await post(defaultIds.text, { content: '@everyone <@&123> <@456>' });
    await post(defaultIds.text, { content: '@everyone <@&123> <@456>', allowed_mentions: { parse: [] } });
    const [loud, quiet] = emulator.messages(defaultIds.text).slice(-2);
    expect(loud?.allowedMentions).toBeUndefined();
    expect(loud?.pings).toEqual({ everyone: true, users: ['456'], roles: ['123'] });
    expect(quiet?.allowedMentions).toEqual({ parse: [] });
    expect(quiet?.pings).toEqual({ everyone: false, users: [], roles: [] });
  });

  it('derives 403/404 from the permission model and channel list', async () => {
    expect((await apiError(post(defaultIds.hidden, { content: 'x' }))).code).toBe(50001);
    expect((await apiError(post(defaultIds.readOnly, { content: 'x' }))).code).toBe(50013);
    expect((await apiError(post(defaultIds.noEmbeds, { embeds: [{ description: 'x' }] }))).code).toBe(50013);
    expect((await apiError(post('999', { content: 'x' }))).code).toBe(10003);
    expect((await apiError(post(defaultIds.forum, { content: 'x' }))).code).toBe(50008);
    await post(defaultIds.noEmbeds, { content: 'content survives', embeds: [{ description: 'dropped' }] });
    expect(emulator.messages(defaultIds.noEmbeds)).toMatchObject([{ content: 'content survives', embeds: [], embedsDropped: true }]);
  });

  it('answers configured failures per channel, a given number of times', async () => {
    emulator.failChannel(defaultIds.text, 'unknown-channel', 1);
    expect((await apiError(post(defaultIds.text, { content: 'x' }))).status).toBe(404);
    await post(defaultIds.text, { content: 'works again' });
    emulator.failChannel(defaultIds.text, 'server-error');
    const failed = await post(defaultIds.text, { content: 'x' }).catch((e: unknown) => e);
    expect((failed as { status?: number }).status).toBe(500);
    emulator.failChannel(defaultIds.text, undefined);
  });

  it('creates a forum post: a thread whose first message carries the body', async () => {
    const thread = (await rest.post(Routes.threads(defaultIds.forum), { body: { name: 'Morning briefing', message: { content: 'first' } } })) as { id: string; parent_id: string; message: { id: string } };
    expect(thread.parent_id).toBe(defaultIds.forum);
    expect(thread.message.id).toBe(thread.id);
    expect(emulator.threads(defaultIds.forum)).toEqual([{ id: thread.id, name: 'Morning briefing' }]);
    expect(emulator.messages(thread.id).map((m) => m.content)).toEqual(['first']);
    const tooLong = await apiError(rest.post(Routes.threads(defaultIds.forum), { body: { name: 'n'.repeat(101), message: { content: 'x' } } }));
    expect(tooLong.code).toBe(50035);
  });

  it('sends rate-limit headers on every answer; discord.js waits out an empty bucket', async () => {
    const seen: Headers[] = [];
    rest.on('response', (_request, response) => void seen.push((response as Response).headers));
    const raw = rest.get(Routes.guildRoles(defaultIds.guild)) as Promise<{ id: string }[]>;
    expect((await raw).map((r) => r.id)).toContain(defaultIds.botRole);
    const headers = seen.at(-1);
    for (const name of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-ratelimit-reset-after', 'x-ratelimit-bucket']) expect(headers?.get(name), name).toBeTruthy();
    const bucketOf = async (request: () => Promise<unknown>) => {
      await request();
      return seen.at(-1)?.get('x-ratelimit-bucket');
    };
    const textBucket = await bucketOf(() => post(defaultIds.text, { content: 'a' }));
    expect(await bucketOf(() => post(defaultIds.noEmbeds, { content: 'b' }))).toBe(textBucket);
    expect(await bucketOf(() => rest.get(Routes.channel(defaultIds.text)))).not.toBe(textBucket);
    // discord.js waits out the bucket by itself, so four calls in a 3-per-window bucket all succeed.
    const members = await Promise.all([1, 2, 3, 4].map(() => rest.get(Routes.guildMember(defaultIds.guild, defaultIds.admin))));
    expect(members).toHaveLength(4);
    expect(emulator.requests().filter((r) => r.path.includes('/members/')).every((r) => r.status === 200)).toBe(true);
  });

  it('answers 429 with retry_after to a client that ignores the bucket', async () => {
    // A window far longer than the test, so a slow machine cannot reset the bucket in between.
    const strict = await startDiscordEmulator({ routeLimit: { limit: 1, windowMs: 600_000 } });
    try {
      const url = `${strict.apiBase}/v10/guilds/${defaultIds.guild}`;
      const headers = { Authorization: `Bot ${strict.token}` };
      expect((await fetch(url, { headers })).status).toBe(200);
      const limited = await fetch(url, { headers });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(500);
      expect(await limited.json()).toMatchObject({ message: 'You are being rate limited.', global: false });
    } finally {
      await strict.close();
    }
  });

  it('answers a planned 429 once, then delivers; discord.js retries after retry_after', async () => {
    emulator.rateLimitNext(defaultIds.text, { retryAfterMs: 150 });
    const before = emulator.messages(defaultIds.text).length;
    await post(defaultIds.text, { content: 'after the wait' });
    expect(emulator.messages(defaultIds.text).length).toBe(before + 1);
    expect(emulator.requests().filter((r) => r.path === `/channels/${defaultIds.text}/messages`).slice(-2).map((r) => r.status)).toEqual([429, 200]);
  });

  it('refuses a wrong bot token with 401', async () => {
    const stranger = new REST({ api: emulator.apiBase, retries: 0 }).setToken('wrong');
    expect((await apiError(stranger.get(Routes.user('@me')))).status).toBe(401);
  });
});

describe('Discord emulator gateway heartbeats', () => {
  it('acknowledges heartbeats, so discord.js measures a ping and keeps the session', async () => {
    const emulator = await startDiscordEmulator({ heartbeatIntervalMs: 100 });
    const client = createDiscordClient({ token: emulator.token, apiBase: emulator.apiBase, owners: [] });
    try {
      const ready = once(client, Events.ClientReady);
      await client.login();
      await ready;
      // -1 until the first acknowledged heartbeat; a missing ACK would make discord.js reconnect instead.
      await expect.poll(() => client.ws.ping, { timeout: 20_000 }).toBeGreaterThanOrEqual(0);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(emulator.handshakes()).toEqual({ identified: 1, resumed: 0 });
    } finally {
      await client.destroy();
      await emulator.close();
    }
  });
});
