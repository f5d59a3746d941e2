import type { IncomingMessage, ServerResponse } from 'node:http';
import { ChannelType, PermissionFlagsBits } from 'discord.js';
import { ApiError, apiErrors, type BotLimits, type ParsedBody, RouteBuckets, rateLimitHeaders, readBody, send } from './http.js';
import { type ChannelState, channelPayload, guildPayload, type Json, memberPayload, rolePayload, snowflake, userPayload } from './model.js';
import type { ChannelFailure, DiscordWorld, PendingInteraction } from './state.js';
import { isEmptyMessage, limits, validateMessageBody } from './validate.js';

interface RouteContext {
  world: DiscordWorld;
  params: Record<string, string>;
  body: ParsedBody;
  query: URLSearchParams;
}

interface Reply {
  status: number;
  body?: unknown;
}

type Handler = (ctx: RouteContext) => Reply;

interface Route {
  method: string;
  pattern: RegExp;
  /** Parameter names, in the order of the pattern's groups. */
  names: string[];
  /** Interaction callbacks and webhooks authenticate by the token in the URL, not the bot token. */
  public?: boolean;
  handler: Handler;
}

const EPHEMERAL = 64;

const failureErrors: Record<ChannelFailure, () => ApiError> = {
  'missing-access': apiErrors.missingAccess,
  'missing-permissions': apiErrors.missingPermissions,
  'unknown-channel': apiErrors.unknownChannel,
  'server-error': () => new ApiError(500, 0, '500: Internal Server Error'),
};

function ok(body?: unknown, status = body === undefined ? 204 : 200): Reply {
  return { status, body };
}

/** A channel the bot can see, or the error Discord gives when it cannot. */
function visibleChannel(world: DiscordWorld, channelId: string | undefined): ChannelState {
  const channel = channelId ? world.channels.get(channelId) : undefined;
  if (!channel) throw apiErrors.unknownChannel();
  if (!(world.botPermissions(channel) & PermissionFlagsBits.ViewChannel)) throw apiErrors.missingAccess();
  return channel;
}

function requirePermission(world: DiscordWorld, channel: ChannelState, flag: bigint): void {
  if (!(world.botPermissions(channel) & flag)) throw apiErrors.missingPermissions();
}

function validMessage(body: ParsedBody): Json {
  const errors = validateMessageBody(body.json);
  if (errors) throw apiErrors.invalidFormBody(errors);
  if (isEmptyMessage(body.json, body.files.length)) throw apiErrors.emptyMessage();
  return body.json;
}

function isThread(channel: ChannelState): boolean {
  return channel.type === ChannelType.PublicThread || channel.type === ChannelType.PrivateThread || channel.type === ChannelType.AnnouncementThread;
}

function postMessage({ world, params, body }: RouteContext): Reply {
  const channel = visibleChannel(world, params.channel);
  if (channel.type === ChannelType.GuildForum) throw apiErrors.nonTextChannel();
  requirePermission(world, channel, isThread(channel) ? PermissionFlagsBits.SendMessagesInThreads : PermissionFlagsBits.SendMessages);
  const json = validMessage(body);
  // enforce_nonce: the same nonce again (a retry) returns the first message instead of posting twice.
  const nonce = json.enforce_nonce === true && json.nonce !== undefined ? String(json.nonce) : undefined;
  const first = nonce === undefined ? undefined : world.messageWithNonce(nonce);
  if (first) return ok(world.messagePayload(first));
  // Without Embed Links, Discord refuses an embed-only message and silently drops the embeds of one with content.
  const embedsRefused = Array.isArray(json.embeds) && json.embeds.length > 0 && !(world.botPermissions(channel) & PermissionFlagsBits.EmbedLinks);
  if (embedsRefused && isEmptyMessage({ ...json, embeds: [] }, body.files.length)) throw apiErrors.missingPermissions();
  const draft = world.draftMessage(channel.id, json, body.files, 'channel');
  const message = world.keep(embedsRefused ? { ...draft, embeds: [], embedsDropped: true } : draft);
  if (nonce !== undefined) world.rememberNonce(nonce, message);
  return ok(world.messagePayload(message));
}

function threadName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '' || [...name].length > limits.threadName) {
    throw apiErrors.invalidFormBody({ name: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: `Must be between 1 and ${limits.threadName} in length.` }] } });
  }
  return name;
}

/** Forum post (thread + first message, the thread id equals the message id) or a bare thread in a text channel. */
function createThread({ world, params, body }: RouteContext): Reply {
  const parent = visibleChannel(world, params.channel);
  const name = threadName(body.json.name);
  if (parent.type === ChannelType.GuildForum) {
    requirePermission(world, parent, PermissionFlagsBits.SendMessages);
    const first = validMessage({ json: (body.json.message ?? {}) as Json, files: body.files });
    const thread = world.createThread(parent, name, ChannelType.PublicThread);
    const message = world.recordMessage(thread.id, first, body.files, 'forum-post', thread.id);
    return ok({ ...channelPayload(thread), message_count: 1, message: world.messagePayload(message) }, 201);
  }
  const type = body.json.type === ChannelType.PublicThread ? ChannelType.PublicThread : ChannelType.PrivateThread;
  requirePermission(world, parent, type === ChannelType.PublicThread ? PermissionFlagsBits.CreatePublicThreads : PermissionFlagsBits.CreatePrivateThreads);
  return ok(channelPayload(world.createThread(parent, name, type)), 201);
}

function knownGuild(world: DiscordWorld, guildId: string | undefined) {
  const guild = guildId ? world.guild(guildId) : undefined;
  if (!guild) throw apiErrors.unknownGuild();
  return guild;
}

function guildChannels(world: DiscordWorld, guildId: string): ChannelState[] {
  return [...world.channels.values()].filter((c) => c.guildId === guildId);
}

/** Bulk overwrite keeps the id of a command whose name already existed, as Discord does. */
function overwriteCommands(world: DiscordWorld, guildId: string | undefined, definitions: unknown): Json[] {
  if (!Array.isArray(definitions)) throw apiErrors.invalidFormBody({ _errors: [{ code: 'BASE_TYPE_LIST', message: 'Must be a list.' }] });
  const list = world.commandsFor(guildId);
  const previous = new Map(list.map((c) => [c.name, c.id]));
  const next = (definitions as Json[]).map((definition) => commandPayload(world, guildId, definition, previous.get(definition.name) as string | undefined));
  list.splice(0, list.length, ...next);
  return next;
}

function commandPayload(world: DiscordWorld, guildId: string | undefined, definition: Json, id = snowflake()): Json {
  return {
    type: 1,
    options: [],
    default_member_permissions: null,
    nsfw: false,
    contexts: null,
    integration_types: [0],
    ...definition,
    id,
    application_id: world.applicationId,
    version: snowflake(),
    ...(guildId ? { guild_id: guildId } : {}),
  };
}

function createCommand(world: DiscordWorld, guildId: string | undefined, definition: Json): Reply {
  const list = world.commandsFor(guildId);
  const existing = list.findIndex((c) => c.name === definition.name);
  const command = commandPayload(world, guildId, definition, existing >= 0 ? (list[existing]?.id as string) : undefined);
  if (existing >= 0) list[existing] = command;
  else list.push(command);
  return ok(command, existing >= 0 ? 200 : 201);
}

function interactionByToken(world: DiscordWorld, token: string | undefined): PendingInteraction {
  const pending = [...world.interactions.values()].find((i) => i.token === token);
  if (!pending) throw new ApiError(404, 10015, 'Unknown Webhook');
  return pending;
}

function isEphemeral(data: Json): boolean {
  return ((Number(data.flags) || 0) & EPHEMERAL) !== 0;
}

function interactionCallback({ world, params, body, query }: RouteContext): Reply {
  const pending = world.interactions.get(params.interaction ?? '');
  if (!pending || pending.token !== params.token) throw apiErrors.unknownInteraction();
  if (pending.acknowledged) throw apiErrors.alreadyAcknowledged();
  const type = Number(body.json.type);
  const data = (body.json.data ?? {}) as Json;
  const ephemeral = isEphemeral(data);
  if (type === 4) validMessage({ json: data, files: body.files });
  if (type === 7) {
    const errors = validateMessageBody(data);
    if (errors) throw apiErrors.invalidFormBody(errors);
  }
  if (type === 8 && Array.isArray(data.choices) && data.choices.length > 25) {
    throw apiErrors.invalidFormBody({ data: { choices: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' }] } } });
  }
  pending.acknowledged = true;
  // A reply, or the "thinking…" placeholder of a deferred reply that editReply later fills in.
  if (type === 4 || type === 5) {
    const draft = world.draftMessage(pending.channelId, type === 4 ? data : {}, body.files, 'interaction');
    pending.original = { message: ephemeral ? draft : world.keep(draft), ephemeral };
  }
  // A component's "update message": the message the component is on is edited in place.
  if (type === 7 && pending.original) {
    const { message, ephemeral: wasEphemeral } = pending.original;
    const edited = world.draftMessage(message.channelId, { ...message.body, ...data }, message.files, message.via, message.id);
    pending.original = { message: wasEphemeral ? edited : world.replace(edited), ephemeral: wasEphemeral };
  }
  world.recordResponse({ interactionId: pending.id, kind: 'callback', type, data, ephemeral, files: body.files });
  if (query.get('with_response') !== 'true') return ok();
  return ok({
    interaction: {
      id: pending.id,
      type: 2,
      response_message_id: pending.original?.message.id ?? null,
      response_message_loading: type === 5,
      response_message_ephemeral: ephemeral,
    },
    resource: { type, ...(type === 4 ? { message: originalMessage(world, pending) } : {}) },
  });
}

function originalMessage(world: DiscordWorld, pending: PendingInteraction): Json {
  if (!pending.original) throw apiErrors.unknownMessage();
  const { message, ephemeral } = pending.original;
  return {
    ...world.messagePayload(message, ephemeral ? EPHEMERAL : 0),
    webhook_id: world.applicationId,
    interaction_metadata: { id: pending.id, type: 2, user: pending.user, authorizing_integration_owners: { '0': pending.guildId } },
  };
}

function followUp({ world, params, body }: RouteContext): Reply {
  const pending = interactionByToken(world, params.token);
  const data = validMessage(body);
  const ephemeral = isEphemeral(data);
  world.recordResponse({ interactionId: pending.id, kind: 'followup', data, ephemeral, files: body.files });
  const draft = world.draftMessage(pending.channelId, data, body.files, 'interaction');
  return ok({ ...world.messagePayload(ephemeral ? draft : world.keep(draft), ephemeral ? EPHEMERAL : 0), webhook_id: world.applicationId });
}

/** PATCH replaces the fields it names, as Discord does; the message keeps its id and place. */
function editOriginal({ world, params, body }: RouteContext): Reply {
  const pending = interactionByToken(world, params.token);
  if (!pending.original) throw apiErrors.unknownMessage();
  const errors = validateMessageBody(body.json);
  if (errors) throw apiErrors.invalidFormBody(errors);
  const { message, ephemeral } = pending.original;
  const edited = world.draftMessage(message.channelId, { ...message.body, ...body.json }, body.files.length > 0 ? body.files : message.files, 'interaction', message.id);
  pending.original = { message: ephemeral ? edited : world.replace(edited), ephemeral };
  world.recordResponse({ interactionId: pending.id, kind: 'edit-original', data: body.json, ephemeral, files: body.files });
  return ok(originalMessage(world, pending));
}

function deleteOriginal({ world, params }: RouteContext): Reply {
  const pending = interactionByToken(world, params.token);
  if (!pending.original) throw apiErrors.unknownMessage();
  world.remove(pending.original.message);
  pending.original = undefined;
  world.recordResponse({ interactionId: pending.id, kind: 'delete-original', data: {}, ephemeral: false, files: [] });
  return ok();
}

function route(method: string, template: string, handler: Handler, isPublic = false): Route {
  const names: string[] = [];
  const source = template.replace(/:(\w+)/g, (_, name: string) => {
    names.push(name);
    return name === 'token' ? '([^/]+)' : '(\\d+)';
  });
  return { method, pattern: new RegExp(`^${source}$`), names, public: isPublic, handler };
}

function routes(gatewayUrl: string): Route[] {
  const gateway = { url: gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 } };
  return [
    route('GET', '/gateway/bot', () => ok(gateway)),
    route('GET', '/gateway', () => ok({ url: gatewayUrl }), true),
    route('GET', '/users/@me', ({ world }) => ok(userPayload({ ...world.bot, bot: true }))),
    route('GET', '/applications/@me', ({ world }) =>
      ok({ id: world.applicationId, name: world.bot.username, description: '', icon: null, bot_public: true, bot_require_code_grant: false, flags: 0, verify_key: '0', team: null, bot: userPayload({ ...world.bot, bot: true }) }),
    ),
    route('GET', '/applications/:app/commands', ({ world }) => ok(world.commandsFor())),
    route('PUT', '/applications/:app/commands', ({ world, body }) => ok(overwriteCommands(world, undefined, body.json))),
    route('POST', '/applications/:app/commands', ({ world, body }) => createCommand(world, undefined, body.json)),
    route('GET', '/applications/:app/guilds/:guild/commands', ({ world, params }) => ok(world.commandsFor(knownGuild(world, params.guild).id))),
    route('PUT', '/applications/:app/guilds/:guild/commands', ({ world, params, body }) => ok(overwriteCommands(world, knownGuild(world, params.guild).id, body.json))),
    route('POST', '/applications/:app/guilds/:guild/commands', ({ world, params, body }) => createCommand(world, knownGuild(world, params.guild).id, body.json)),
    route('GET', '/channels/:channel', ({ world, params }) => ok(channelPayload(visibleChannel(world, params.channel)))),
    route('POST', '/channels/:channel/messages', postMessage),
    route('POST', '/channels/:channel/threads', createThread),
    route('GET', '/guilds/:guild', ({ world, params }) => {
      const guild = knownGuild(world, params.guild);
      return ok(guildPayload(guild, guildChannels(world, guild.id), false));
    }),
    route('GET', '/guilds/:guild/roles', ({ world, params }) => ok(knownGuild(world, params.guild).roles.map((role, index) => rolePayload(role, index)))),
    route('GET', '/guilds/:guild/channels', ({ world, params }) => ok(guildChannels(world, knownGuild(world, params.guild).id).filter((c) => !c.parentId).map((c, i) => channelPayload(c, i)))),
    route('GET', '/guilds/:guild/members/:user', ({ world, params }) => {
      const member = knownGuild(world, params.guild).members.find((m) => m.id === params.user);
      if (!member) throw apiErrors.unknownMember();
      return ok(memberPayload(member));
    }),
    route('POST', '/interactions/:interaction/:token/callback', interactionCallback, true),
    route('POST', '/webhooks/:app/:token', followUp, true),
    route('GET', '/webhooks/:app/:token/messages/@original', ({ world, params }) => ok(originalMessage(world, interactionByToken(world, params.token))), true),
    route('PATCH', '/webhooks/:app/:token/messages/@original', editOriginal, true),
    route('DELETE', '/webhooks/:app/:token/messages/@original', deleteOriginal, true),
  ];
}

export interface RestOptions {
  world: DiscordWorld;
  token: string;
  gatewayUrl: string;
  buckets: RouteBuckets;
  limits: BotLimits;
}

/** The REST side: `/api/v10/...` (and `/api/...`, which Discord treats as the default version). */
export function createRestHandler(options: RestOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const table = routes(options.gatewayUrl);
  const { world } = options;
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = decodeURIComponent(url.pathname).replace(/^\/api(\/v\d+)?/, '');
    const method = req.method ?? 'GET';
    const record = (status: number) => world.requests.push({ method, path, status, at: Date.now() });
    const bucketKey = `${method}:${path.replace(/(?<=\/(?:channels|guilds|webhooks|interactions)\/\d+)(\/.*)?$/, (rest) => rest.replace(/\d{5,}/g, ':id'))}`;
    const bucket = options.buckets.take(bucketKey);
    try {
      const { route: matched, params } = match(table, method, path);
      if (!matched.public && req.headers.authorization !== `Bot ${options.token}`) throw apiErrors.unauthorized();
      const postsMessage = method === 'POST' && /^\/channels\/\d+\/(messages|threads)$/.test(path);
      const planned = params.channel ? world.takeRateLimit(params.channel) : undefined;
      // The channel limit counts messages; creating a thread (a forum post too) has its own bucket on Discord.
      const postsIntoChannel = method === 'POST' && /^\/channels\/\d+\/messages$/.test(path);
      const full = planned || bucket.exceeded ? undefined : options.limits.take({ global: !matched.public, ...(postsIntoChannel && { messageChannel: params.channel }) });
      if (planned || full || bucket.exceeded) {
        const retryAfterMs = planned?.retryAfterMs ?? full?.retryAfterMs ?? bucket.resetAfterMs;
        const global = planned ? (planned.global ?? false) : full?.scope === 'global';
        const headers: Record<string, string> = {
          ...rateLimitHeaders(bucketKey, 1, 0, retryAfterMs),
          'Retry-After': (retryAfterMs / 1000).toFixed(3),
          'X-RateLimit-Scope': global ? 'global' : 'user',
          ...(global ? { 'X-RateLimit-Global': 'true' } : {}),
        };
        record(429);
        send(res, 429, headers, { message: 'You are being rate limited.', retry_after: retryAfterMs / 1000, global });
        return;
      }
      const failure = params.channel ? world.takeFailure(params.channel) : undefined;
      if (failure) throw failureErrors[failure]();
      const reply = matched.handler({ world, params, body: await readBody(req), query: url.searchParams });
      record(reply.status);
      if (postsMessage && reply.status < 300 && world.holdsResponse()) return;
      send(res, reply.status, bucket.headers, reply.body);
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError(500, 0, `emulator bug: ${(error as Error).message}`);
      record(apiError.status);
      send(res, apiError.status, bucket.headers, apiError.toJson());
    }
  };
}

function match(table: Route[], method: string, path: string): { route: Route; params: Record<string, string> } {
  for (const candidate of table) {
    if (candidate.method !== method) continue;
    const found = candidate.pattern.exec(path);
    if (!found) continue;
    const params = Object.fromEntries(candidate.names.map((name, i) => [name, found[i + 1] ?? '']));
    return { route: candidate, params };
  }
  throw apiErrors.notFound();
}
