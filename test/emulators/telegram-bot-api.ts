/**
 * A local stand-in for the Telegram Bot API that the real grammY client talks to through
 * `new Bot(token, { client: { apiRoot: emulator.apiRoot } })`. It answers the way Telegram
 * does (same status codes, descriptions and `parameters`), validates HTML messages strictly,
 * enforces configurable rate limits, and records everything the bot sent, per chat. Inline
 * keyboards work end to end: a test presses a button (`pressButton`), the bot gets the
 * callback_query update, and its answerCallbackQuery and message edits are recorded.
 *
 * Deliberate differences from Telegram: an `&` that starts no entity is an error here (Telegram
 * would show it literally), so a renderer that forgets to escape is caught; webhooks may only
 * point at 127.0.0.1/localhost and may use plain http.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Update } from 'grammy/types';
import { Stall } from './stall.js';
import { EntityParseError, parseTelegramHtml, type MessageEntityRecord } from './telegram-html-parse.js';

// ─── Public types ────────────────────────────────────────────────────────────────────────

export type ChatType = 'private' | 'group' | 'supergroup' | 'channel';

export interface ChatAdmin {
  id: number;
  /** Posts as the group itself ("anonymous admin"); messages then come from GroupAnonymousBot. */
  isAnonymous?: boolean;
  isCreator?: boolean;
}

export interface ChatInit {
  id: number;
  type: ChatType;
  title?: string;
  username?: string;
  /** For private chats: the user's first name. */
  firstName?: string;
  isForum?: boolean;
  /** Forum topic ids (message_thread_id) that exist; user messages in a topic add theirs. */
  topics?: number[];
  admins?: Array<number | ChatAdmin>;
  /** Whether the bot may post here (channel admin with post rights, unrestricted group member). Default true. */
  botCanPost?: boolean;
}

/** How sends to a chat fail until `restoreChat`. */
export type ChatFailure = 'blocked' | 'not-found' | 'migrated' | 'server-error' | 'timeout' | 'too-many-requests';

export interface ChatFailureOptions {
  /** For 'migrated': the supergroup's id (created if unknown). Default -100 followed by the group's digits. */
  migrateToChatId?: number;
  /** For 'too-many-requests': the retry_after to announce. Default 1. */
  retryAfterSeconds?: number;
  /** Fail this many requests, then answer normally again. Default: until restoreChat. */
  times?: number;
}

/** Telegram's published limits, for tests that want the real thing. */
export const TELEGRAM_LIMITS: Required<RateLimits> = { globalPerSecond: 30, perChatPerSecond: 1, perGroupPerMinute: 20, paidBroadcastPerSecond: 1000 };

export interface RateLimits {
  /** Messages per second across all chats. */
  globalPerSecond?: number;
  /** Messages per second into one chat. */
  perChatPerSecond?: number;
  /** Messages per minute into one group, supergroup or channel. */
  perGroupPerMinute?: number;
  /** Messages per second across all chats for sends with `allow_paid_broadcast` (Bot API 7.11; Telegram's: 1,000). */
  paidBroadcastPerSecond?: number;
}

export interface TelegramEmulatorOptions {
  /** When set, any other token gets 401 Unauthorized; otherwise every token is accepted. */
  token?: string;
  bot?: { id?: number; username?: string; firstName?: string };
  /** Off unless given (sliding windows, measured when a request arrives). */
  limits?: RateLimits;
  /** Time between accepting a message and answering, like the way back over the network (default 0). */
  answerDelayMs?: number;
  /** Listen on this port (default: a free one), e.g. where a client was pointed before the emulator ran. */
  port?: number;
}

/** One message the bot sent, as the emulator accepted it. */
export interface SentMessageRecord {
  chatId: number;
  messageId: number;
  threadId?: number;
  /** Exactly as sent (HTML source in HTML mode); for documents, the caption. */
  text: string;
  /** What a reader sees: the text after entity parsing. */
  plainText: string;
  entities: MessageEntityRecord[];
  parseMode?: string;
  linkPreviewOptions?: unknown;
  /** The inline keyboard under the message, as last sent or edited. */
  keyboard?: InlineButton[][];
  /** How many times the bot edited the message. */
  edits: number;
  /** Set when the message asks for a reply (ForceReply): the app opens the reply field. */
  forceReply?: boolean;
  document?: { fileName: string; mimeType?: string; content: Buffer };
  /** Sent with allow_paid_broadcast (Bot API 7.11). */
  paidBroadcast?: boolean;
  /** Date.now() when accepted. */
  at: number;
}

/** A button of an inline keyboard, as the bot sent it. */
export interface InlineButton {
  text: string;
  callback_data?: string;
  url?: string;
}

/** A user presses a button under one of the bot's messages. */
export interface ButtonPress {
  chatId: number;
  messageId: number;
  from: number;
  /** The button: its exact label, a pattern its label matches, or its callback data. */
  button: string | RegExp | { data: string };
}

/** The bot's answer to a button press (answerCallbackQuery). */
export interface CallbackAnswerRecord {
  callbackQueryId: string;
  text?: string;
  showAlert: boolean;
}

export interface UserMessageInput {
  chatId: number;
  /** The sender's user id; required in groups, the chat's user by default in a private chat, ignored in channels. */
  from?: number | 'anonymous-admin';
  text?: string;
  threadId?: number;
  replyToMessageId?: number;
  document?: { fileName: string; content: string | Buffer; mimeType?: string };
}

export interface EmulatorStats {
  /** Accepted send* calls. */
  sent: number;
  /** 429 answers given, for any reason. */
  tooManyRequests: number;
  /** Sends let through beyond the free global limit because they carried allow_paid_broadcast: what Telegram bills. */
  paidBroadcasts: number;
  /** Every call by method name, including failed ones. */
  calls: Record<string, number>;
}

export interface TelegramEmulator {
  /** Pass as grammY's `client.apiRoot`. */
  readonly apiRoot: string;
  readonly botUser: { id: number; is_bot: true; first_name: string; username: string };
  addChat(chat: ChatInit): void;
  /** `languageCode` is the user's app language, sent as `from.language_code`. */
  addUser(user: { id: number; firstName?: string; username?: string; languageCode?: string }): void;
  /** Presses an inline button; resolves with the callback query id once the update is queued. Throws when there is no such button. */
  pressButton(press: ButtonPress): { updateId: number; callbackQueryId: string };
  /** The bot's answer to a press, once given. */
  callbackAnswer(callbackQueryId: string): CallbackAnswerRecord | undefined;
  failChat(chatId: number, failure: ChatFailure, options?: ChatFailureOptions): void;
  restoreChat(chatId: number): void;
  setLimits(limits: RateLimits | undefined): void;
  /** Queues a raw update for getUpdates or the webhook; returns its update_id. */
  enqueueUpdate(update: Omit<Update, 'update_id'>): number;
  /** A user (or a channel) posts a message; it is queued as an update like Telegram would send it. */
  userMessage(input: UserMessageInput): { updateId: number; messageId: number };
  messages(chatId: number): SentMessageRecord[];
  allMessages(): SentMessageRecord[];
  /** What setMyCommands stored for a scope (default scope when omitted). */
  commands(scope?: object, languageCode?: string): Array<{ command: string; description: string }>;
  webhook(): { url: string; secretToken?: string } | undefined;
  /** Updates queued and not yet confirmed by getUpdates' offset or taken by the webhook. */
  pendingUpdates(): number;
  /**
   * Accepts the next `count` messages sent (default 1) but never answers those requests, as when
   * the connection drops just after Telegram took a message. Resolves with them once accepted.
   */
  holdResponses(count?: number): Promise<SentMessageRecord[]>;
  /** Leaves every request unanswered, as an overloaded Bot API would, until the returned function is called. */
  stall(): () => void;
  readonly stats: EmulatorStats;
  close(): Promise<void>;
}

// ─── Errors answered to the client ───────────────────────────────────────────────────────

class ApiFailure extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number; migrate_to_chat_id?: number },
  ) {
    super(description);
  }
}

const badRequest = (what: string) => new ApiFailure(400, `Bad Request: ${what}`);
const chatNotFound = () => badRequest('chat not found');

// ─── Request parameters (JSON, multipart, urlencoded or query string) ────────────────────

type Params = Record<string, unknown>;

function intParam(params: Params, name: string): number | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(number)) throw badRequest(`field "${name}" must be an integer`);
  return number;
}

function stringParam(params: Params, name: string): string | undefined {
  const value = params[name];
  return value === undefined ? undefined : String(value);
}

/** Objects arrive as JSON text in multipart and urlencoded bodies. */
function objectParam(params: Params, name: string): unknown {
  const value = params[name];
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw badRequest(`can't parse ${name} JSON object`);
  }
}

interface UploadedFile {
  name: string;
  type?: string;
  content: Buffer;
}

/**
 * grammY writes its multipart headers tersely (`content-disposition:form-data;name="x";filename=a.opml`),
 * which strict parsers such as undici's refuse, hence this small one.
 */
function parseMultipart(body: Buffer, contentType: string): { fields: Params; files: Map<string, UploadedFile> } {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!boundary) throw badRequest('multipart body without a boundary');
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const fields: Params = {};
  const files = new Map<string, UploadedFile>();
  for (let start = body.indexOf(delimiter); start >= 0; ) {
    const partStart = start + delimiter.length + 2; // skip the CRLF after the delimiter
    const next = body.indexOf(delimiter, partStart);
    if (next < 0) break;
    const part = body.subarray(partStart, next - 2); // drop the CRLF before the next delimiter
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const content = part.subarray(headerEnd + 4);
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    const filename = /filename="?([^";\r\n]*)/i.exec(headers)?.[1];
    const type = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1];
    if (name !== undefined && filename !== undefined) files.set(name, { name: filename, type, content: Buffer.from(content) });
    else if (name !== undefined) fields[name] = content.toString('utf8');
    start = next;
  }
  return { fields, files };
}

async function readParams(request: IncomingMessage, url: URL): Promise<{ params: Params; files: Map<string, UploadedFile> }> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const params: Params = Object.fromEntries(url.searchParams);
  const type = request.headers['content-type'] ?? '';
  if (body.length === 0) return { params, files: new Map() };
  if (type.startsWith('multipart/form-data')) {
    const { fields, files } = parseMultipart(body, type);
    return { params: Object.assign(params, fields), files };
  }
  if (type.startsWith('application/json')) {
    Object.assign(params, JSON.parse(body.toString('utf8')) as Params);
  } else {
    Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
  }
  return { params, files: new Map() };
}

// ─── Rate limits ─────────────────────────────────────────────────────────────────────────

/** Sliding windows of accepted sends; answers how long until one more fits. */
class SendWindows {
  private readonly log = new Map<string, number[]>();

  waitMs(key: string, limit: number, perMs: number, now: number): number {
    const times = this.prune(key, perMs, now);
    return times.length < limit ? 0 : times[times.length - limit]! + perMs - now;
  }

  record(key: string, now: number): void {
    const times = this.log.get(key) ?? [];
    times.push(now);
    this.log.set(key, times);
  }

  private prune(key: string, perMs: number, now: number): number[] {
    const times = this.log.get(key) ?? [];
    let stale = 0;
    while (stale < times.length && times[stale]! <= now - perMs) stale++;
    const live = times.slice(stale);
    this.log.set(key, live);
    return live;
  }
}

// ─── The emulator ────────────────────────────────────────────────────────────────────────

interface ChatState {
  id: number;
  type: ChatType;
  title?: string;
  username?: string;
  firstName?: string;
  isForum: boolean;
  topics: Set<number>;
  admins: ChatAdmin[];
  botCanPost: boolean;
  nextMessageId: number;
  /** Every message in the chat by id, so replies can quote the message they answer. */
  history: Map<number, object>;
  failure?: { kind: ChatFailure; remaining: number; migrateToChatId?: number; retryAfterSeconds: number };
}

interface StoredFile {
  fileId: string;
  path: string;
  fileName: string;
  mimeType?: string;
  content: Buffer;
}

interface PendingPoll {
  respond(updates: object[]): void;
  conflict(): void;
}

/** Telegram's service account that anonymous group admins post as. */
const GROUP_ANONYMOUS_BOT = { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' };
const MAX_TEXT = 4096;
const MAX_CAPTION = 1024;

class Emulator implements TelegramEmulator {
  apiRoot = '';
  readonly botUser: TelegramEmulator['botUser'];
  readonly stats: EmulatorStats = { sent: 0, tooManyRequests: 0, paidBroadcasts: 0, calls: {} };

  private readonly chats = new Map<number, ChatState>();
  private readonly users = new Map<number, TelegramUser>();
  private readonly callbackQueries = new Map<string, { answer?: CallbackAnswerRecord; userId: number }>();
  private readonly sent: SentMessageRecord[] = [];
  private readonly files = new Map<string, StoredFile>();
  private readonly commandSets = new Map<string, Array<{ command: string; description: string }>>();
  private readonly windows = new SendWindows();
  private readonly hanging = new Set<() => void>();
  private updates: Array<{ update_id: number }> = [];
  private nextUpdateId = 1;
  private poll?: PendingPoll;
  private webhookTarget?: { url: string; secretToken?: string };
  private webhookBusy = false;
  private limits?: RateLimits;
  private holding?: { remaining: number; held: SentMessageRecord[]; resolve: (held: SentMessageRecord[]) => void };
  private closed = false;
  private readonly stalled = new Stall();
  private readonly server = createServer((request, response) => void this.serve(request, response));

  constructor(private readonly options: TelegramEmulatorOptions) {
    const id = options.bot?.id ?? (Number(options.token?.split(':')[0]) || 1_000_001);
    this.botUser = { id, is_bot: true, first_name: options.bot?.firstName ?? 'Herald', username: options.bot?.username ?? 'herald_test_bot' };
    this.limits = options.limits;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(this.options.port ?? 0, '127.0.0.1', resolve));
    this.apiRoot = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  // ── test controls ──

  addChat(init: ChatInit): void {
    const admins = (init.admins ?? []).map((admin) => (typeof admin === 'number' ? { id: admin } : admin));
    this.chats.set(init.id, {
      id: init.id,
      type: init.type,
      title: init.title ?? (init.type === 'private' ? undefined : `Chat ${init.id}`),
      username: init.username,
      firstName: init.firstName ?? (init.type === 'private' ? this.user(init.id).first_name : undefined),
      isForum: init.isForum ?? false,
      topics: new Set(init.topics),
      admins,
      botCanPost: init.botCanPost ?? true,
      nextMessageId: 1,
      history: new Map(),
    });
  }

  addUser(user: { id: number; firstName?: string; username?: string; languageCode?: string }): void {
    this.users.set(user.id, {
      id: user.id,
      is_bot: false,
      first_name: user.firstName ?? `User ${user.id}`,
      ...(user.username && { username: user.username }),
      ...(user.languageCode && { language_code: user.languageCode }),
    });
  }

  pressButton(press: ButtonPress): { updateId: number; callbackQueryId: string } {
    const chat = this.chats.get(press.chatId);
    const record = this.sent.find((m) => m.chatId === press.chatId && m.messageId === press.messageId);
    const message = chat?.history.get(press.messageId);
    if (!chat || !record || !message) throw new Error(`pressButton: the bot sent no message ${press.messageId} in chat ${press.chatId}`);
    const buttons = (record.keyboard ?? []).flat();
    const wanted = press.button;
    const pressed = buttons.find((b) => (typeof wanted === 'string' ? b.text === wanted : wanted instanceof RegExp ? wanted.test(b.text) : b.callback_data === wanted.data));
    if (!pressed?.callback_data) throw new Error(`pressButton: no button ${String(wanted instanceof RegExp || typeof wanted === 'string' ? wanted : wanted.data)} under message ${press.messageId}; there are: ${buttons.map((b) => b.text).join(' | ')}`);
    const callbackQueryId = String(4_000_000_000_000 + this.callbackQueries.size);
    this.callbackQueries.set(callbackQueryId, { userId: press.from });
    const updateId = this.queue({
      callback_query: { id: callbackQueryId, from: this.user(press.from), message, chat_instance: String(-chat.id), data: pressed.callback_data },
    });
    return { updateId, callbackQueryId };
  }

  callbackAnswer(callbackQueryId: string): CallbackAnswerRecord | undefined {
    return this.callbackQueries.get(callbackQueryId)?.answer;
  }

  failChat(chatId: number, kind: ChatFailure, options: ChatFailureOptions = {}): void {
    const chat = this.chats.get(chatId);
    if (!chat) throw new Error(`failChat: chat ${chatId} was never added`);
    let migrateToChatId: number | undefined;
    if (kind === 'migrated') {
      if (chat.type !== 'group') throw new Error(`failChat: only a basic group can migrate, chat ${chatId} is a ${chat.type}`);
      migrateToChatId = options.migrateToChatId ?? Number(`-100${Math.abs(chatId)}`);
      if (!this.chats.has(migrateToChatId)) {
        this.addChat({ id: migrateToChatId, type: 'supergroup', title: chat.title, admins: chat.admins, botCanPost: chat.botCanPost });
      }
    }
    chat.failure = { kind, remaining: options.times ?? Infinity, migrateToChatId, retryAfterSeconds: options.retryAfterSeconds ?? 1 };
  }

  restoreChat(chatId: number): void {
    const chat = this.chats.get(chatId);
    if (chat) chat.failure = undefined;
  }

  setLimits(limits: RateLimits | undefined): void {
    this.limits = limits;
  }

  enqueueUpdate(update: Omit<Update, 'update_id'>): number {
    return this.queue(update);
  }

  private queue(update: object): number {
    const update_id = this.nextUpdateId++;
    this.updates.push({ update_id, ...update });
    this.wakePoll();
    void this.pushToWebhook();
    return update_id;
  }

  userMessage(input: UserMessageInput): { updateId: number; messageId: number } {
    const chat = this.chats.get(input.chatId) ?? this.privateChatFor(input.chatId);
    const message: Record<string, unknown> = {
      message_id: chat.nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: this.chatShape(chat),
    };
    if (chat.type === 'channel') message.sender_chat = this.chatShape(chat);
    else if (input.from === 'anonymous-admin') Object.assign(message, { from: GROUP_ANONYMOUS_BOT, sender_chat: this.chatShape(chat) });
    else if (input.from !== undefined) message.from = this.user(input.from);
    else if (chat.type === 'private') message.from = this.user(chat.id);
    else throw new Error(`userMessage: say who posts in ${chat.type} ${chat.id} (from: a user id or 'anonymous-admin')`);
    if (input.threadId !== undefined) {
      chat.topics.add(input.threadId);
      Object.assign(message, { message_thread_id: input.threadId, is_topic_message: true });
    }
    if (input.replyToMessageId !== undefined) {
      const original = chat.history.get(input.replyToMessageId);
      if (!original) throw new Error(`userMessage: no message ${input.replyToMessageId} in chat ${chat.id} to reply to`);
      message.reply_to_message = original;
    }
    if (input.document) {
      const file = this.storeFile(input.document.fileName, Buffer.from(input.document.content), input.document.mimeType);
      message.document = this.documentShape(file);
      if (input.text !== undefined) Object.assign(message, { caption: input.text, caption_entities: commandEntities(input.text) });
    } else if (input.text !== undefined) {
      const entities = commandEntities(input.text);
      Object.assign(message, { text: input.text, ...(entities.length > 0 && { entities }) });
    }
    chat.history.set(message.message_id as number, message);
    const updateId = this.queue(chat.type === 'channel' ? { channel_post: message } : { message });
    return { updateId, messageId: message.message_id as number };
  }

  messages(chatId: number): SentMessageRecord[] {
    return this.sent.filter((record) => record.chatId === chatId);
  }

  allMessages(): SentMessageRecord[] {
    return [...this.sent];
  }

  commands(scope: object = { type: 'default' }, languageCode = ''): Array<{ command: string; description: string }> {
    return this.commandSets.get(commandSetKey(scope, languageCode)) ?? [];
  }

  webhook(): { url: string; secretToken?: string } | undefined {
    return this.webhookTarget && { ...this.webhookTarget };
  }

  pendingUpdates(): number {
    return this.updates.length;
  }

  holdResponses(count = 1): Promise<SentMessageRecord[]> {
    return new Promise((resolve) => {
      this.holding = { remaining: count, held: [], resolve };
    });
  }

  /** Whether to leave this accepted message unanswered (see holdResponses). */
  private holdsResponse(method: string, result: unknown): boolean {
    const holding = this.holding;
    if (!holding || !isSendMethod(method)) return false;
    const { message_id: messageId, chat } = result as { message_id: number; chat: { id: number } };
    holding.held.push(this.sent.find((record) => record.chatId === chat.id && record.messageId === messageId)!);
    if (--holding.remaining === 0) {
      this.holding = undefined;
      holding.resolve(holding.held);
    }
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.poll?.respond([]);
    for (const release of this.hanging) release();
    this.stalled.lift();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  stall(): () => void {
    return this.stalled.begin();
  }

  // ── HTTP ──

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    await this.stalled.passed();
    const url = new URL(request.url ?? '/', 'http://emulator');
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (file && this.tokenAccepted(file[1]!)) return this.serveFile(decodeURIComponent(file[2]!), response);
    const call = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    let result: unknown;
    try {
      if (!call) throw new ApiFailure(404, 'Not Found');
      // Telegram answers 404 to what is not shaped like a token at all (`TELEGRAM_BOT_TOKEN=abc`), 401 to a wrong one.
      if (!/^\d+:/.test(call[1]!)) throw new ApiFailure(404, 'Not Found');
      if (!this.tokenAccepted(call[1]!)) throw new ApiFailure(401, 'Unauthorized');
      const method = call[2]!;
      this.stats.calls[method] = (this.stats.calls[method] ?? 0) + 1;
      const { params, files } = await readParams(request, url);
      result = await this.call(method, params, files, response);
      if (this.holdsResponse(method, result)) return;
      if (this.options.answerDelayMs && isSendMethod(method)) await new Promise((resolve) => setTimeout(resolve, this.options.answerDelayMs));
    } catch (error) {
      const failure = error instanceof ApiFailure ? error : new ApiFailure(500, `Internal Server Error: ${(error as Error).message}`);
      if (failure.code === 429) this.stats.tooManyRequests++;
      return reply(response, failure.code, { ok: false, error_code: failure.code, description: failure.description, ...(failure.parameters && { parameters: failure.parameters }) });
    }
    reply(response, 200, { ok: true, result });
  }

  private tokenAccepted(token: string): boolean {
    return this.options.token === undefined || token === this.options.token;
  }

  private serveFile(path: string, response: ServerResponse): void {
    const stored = [...this.files.values()].find((f) => f.path === path);
    if (!stored) return reply(response, 404, { ok: false, error_code: 404, description: 'Not Found' });
    response.writeHead(200, { 'content-type': stored.mimeType ?? 'application/octet-stream', 'content-length': stored.content.length });
    response.end(stored.content);
  }

  /** `response` lets a long poll notice that the client gave up; webhook replies have none. */
  private call(method: string, params: Params, files: Map<string, UploadedFile>, response?: ServerResponse): Promise<unknown> | unknown {
    switch (method) {
      case 'getMe':
        return { ...this.botUser, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false };
      case 'getUpdates':
        return this.getUpdates(params, response);
      case 'setWebhook':
        return this.setWebhook(params);
      case 'deleteWebhook':
        this.webhookTarget = undefined;
        if (params.drop_pending_updates === true || params.drop_pending_updates === 'true') this.updates = [];
        return true;
      case 'getWebhookInfo':
        return { url: this.webhookTarget?.url ?? '', has_custom_certificate: false, pending_update_count: this.updates.length };
      case 'setMyCommands':
        return this.setMyCommands(params);
      case 'getMyCommands':
        return this.commands(objectParam(params, 'scope') as object | undefined, stringParam(params, 'language_code'));
      case 'deleteMyCommands':
        this.commandSets.delete(commandSetKey((objectParam(params, 'scope') as object | undefined) ?? { type: 'default' }, stringParam(params, 'language_code') ?? ''));
        return true;
      case 'getChat':
        return this.getChat(params);
      case 'getChatMember':
        return this.getChatMember(params);
      case 'getChatAdministrators':
        return this.getChatAdministrators(params);
      case 'getFile':
        return this.getFile(params);
      case 'sendMessage':
      case 'sendDocument':
        return this.send(method, params, files);
      case 'editMessageText':
        return this.editMessageText(params);
      case 'answerCallbackQuery':
        return this.answerCallbackQuery(params);
      default:
        throw new ApiFailure(404, 'Not Found');
    }
  }

  // ── updates ──

  private getUpdates(params: Params, response?: ServerResponse): unknown {
    if (this.webhookTarget) throw new ApiFailure(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    const offset = intParam(params, 'offset') ?? 0;
    const limit = Math.min(Math.max(intParam(params, 'limit') ?? 100, 1), 100);
    const timeoutSeconds = intParam(params, 'timeout') ?? 0;
    if (offset > 0) this.updates = this.updates.filter((u) => u.update_id >= offset);
    else if (offset < 0) this.updates = this.updates.slice(offset);
    // Telegram answers an older pending long poll with 409 when a newer one arrives.
    this.poll?.conflict();
    if (this.updates.length > 0 || timeoutSeconds <= 0 || this.closed) return this.updates.slice(0, limit);
    return new Promise((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        if (this.poll === poll) this.poll = undefined;
      };
      const poll: PendingPoll = {
        respond: (updates) => {
          finish();
          resolve(updates.slice(0, limit));
        },
        conflict: () => {
          finish();
          reject(new ApiFailure(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running'));
        },
      };
      const timer = setTimeout(() => poll.respond([]), timeoutSeconds * 1000);
      // A client that aborts (grammY's bot.stop()) frees the poll at once.
      response?.once('close', () => poll.respond([]));
      this.poll = poll;
    });
  }

  private wakePoll(): void {
    if (this.poll && this.updates.length > 0) this.poll.respond(this.updates);
  }

  private setWebhook(params: Params): true {
    const url = stringParam(params, 'url') ?? '';
    if (url === '') {
      this.webhookTarget = undefined;
      return true;
    }
    let host: string;
    try {
      host = new URL(url).hostname;
    } catch {
      throw badRequest('bad webhook: Failed to resolve host: Name or service not known');
    }
    if (host !== '127.0.0.1' && host !== 'localhost') throw badRequest('bad webhook: the emulator only delivers to 127.0.0.1 or localhost');
    if (params.drop_pending_updates === true || params.drop_pending_updates === 'true') this.updates = [];
    this.webhookTarget = { url, secretToken: stringParam(params, 'secret_token') };
    void this.pushToWebhook();
    return true;
  }

  /** Posts queued updates to the webhook one at a time, in order, retrying until accepted. */
  private async pushToWebhook(): Promise<void> {
    if (this.webhookBusy) return;
    this.webhookBusy = true;
    try {
      while (!this.closed && this.webhookTarget && this.updates.length > 0) {
        const { url, secretToken } = this.webhookTarget;
        const update = this.updates[0]!;
        const accepted = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(secretToken && { 'x-telegram-bot-api-secret-token': secretToken }) },
          body: JSON.stringify(update),
        })
          .then(async (response) => {
            await this.runWebhookReply(response);
            return response.ok;
          })
          .catch(() => false);
        if (accepted) this.updates.shift();
        else await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      this.webhookBusy = false;
    }
  }

  /** grammY may answer a webhook with one API call in the response body; Telegram runs it. */
  private async runWebhookReply(response: Response): Promise<void> {
    const text = await response.text();
    if (!response.ok || !text.startsWith('{')) return;
    const { method, ...params } = JSON.parse(text) as Params;
    if (typeof method !== 'string') return;
    try {
      await this.call(method, params, new Map());
    } catch {
      // Telegram drops a failed webhook reply silently, too.
    }
  }

  // ── chats ──

  private user(id: number): TelegramUser {
    if (!this.users.has(id)) this.addUser({ id });
    return this.users.get(id)!;
  }

  private privateChatFor(userId: number): ChatState {
    if (userId <= 0) throw new Error(`userMessage: chat ${userId} was never added (only private chats, with positive ids, are created on the fly)`);
    this.addChat({ id: userId, type: 'private' });
    return this.chats.get(userId)!;
  }

  private chatShape(chat: ChatState): Record<string, unknown> {
    if (chat.type === 'private') return { id: chat.id, type: 'private', first_name: chat.firstName, ...(chat.username && { username: chat.username }) };
    return { id: chat.id, type: chat.type, title: chat.title, ...(chat.username && { username: chat.username }), ...(chat.isForum && { is_forum: true }) };
  }

  /** Finds the chat named by `chat_id` (an id or @username) and applies its scripted failure. */
  private async resolveChat(params: Params, sending: boolean): Promise<ChatState> {
    const raw = stringParam(params, 'chat_id');
    if (raw === undefined || raw === '') throw badRequest('chat_id is empty');
    const chat = raw.startsWith('@')
      ? [...this.chats.values()].find((c) => c.username?.toLowerCase() === raw.slice(1).toLowerCase())
      : this.chats.get(Number(raw));
    if (!chat) throw chatNotFound();
    const failure = chat.failure;
    if (!failure || (!sending && (failure.kind === 'blocked' || failure.kind === 'too-many-requests'))) return chat;
    if (failure.kind !== 'migrated' && --failure.remaining <= 0) chat.failure = undefined;
    switch (failure.kind) {
      case 'not-found':
        throw chatNotFound();
      case 'migrated':
        throw new ApiFailure(400, 'Bad Request: group chat was upgraded to a supergroup chat', { migrate_to_chat_id: failure.migrateToChatId! });
      case 'blocked':
        throw new ApiFailure(403, chat.type === 'private' ? 'Forbidden: bot was blocked by the user' : `Forbidden: bot was kicked from the ${chat.type === 'group' ? 'group' : chat.type} chat`);
      case 'server-error':
        throw new ApiFailure(500, 'Internal Server Error');
      case 'too-many-requests':
        throw tooManyRequests(failure.retryAfterSeconds);
      case 'timeout':
        // Never answers; the client's own timeout (or close()) ends the request.
        return new Promise((_, reject) => {
          const release = () => reject(new ApiFailure(500, 'Internal Server Error: emulator closed'));
          this.hanging.add(release);
        });
    }
  }

  private async getChat(params: Params): Promise<object> {
    const chat = await this.resolveChat(params, false);
    return { ...this.chatShape(chat), accent_color_id: 0, max_reaction_count: 11, accepted_gift_types: { unlimited_gifts: false, limited_gifts: false, unique_gifts: false, premium_subscription: false } };
  }

  private async getChatMember(params: Params): Promise<object> {
    const chat = await this.resolveChat(params, false);
    const userId = intParam(params, 'user_id');
    if (userId === undefined) throw badRequest('user_id is empty');
    if (userId === this.botUser.id) return this.botMembership(chat);
    const admin = chat.admins.find((a) => a.id === userId);
    if (admin) return adminShape(this.user(userId), admin, chat.type);
    if (chat.type === 'private' && chat.id === userId) return { status: 'member', user: this.user(userId) };
    return { status: chat.type === 'channel' ? 'left' : 'member', user: this.user(userId) };
  }

  private botMembership(chat: ChatState): object {
    const bot = { ...this.botUser };
    if (chat.type === 'private') return { status: 'member', user: bot };
    if (chat.type === 'channel') return chat.botCanPost ? adminShape(bot, { id: bot.id }, 'channel') : { status: 'left', user: bot };
    if (chat.admins.some((a) => a.id === bot.id)) return adminShape(bot, { id: bot.id }, chat.type);
    return chat.botCanPost ? { status: 'member', user: bot } : { ...RESTRICTED_MEMBER, user: bot };
  }

  private async getChatAdministrators(params: Params): Promise<object[]> {
    const chat = await this.resolveChat(params, false);
    if (chat.type === 'private') throw badRequest('there are no administrators in the private chat');
    const admins = chat.admins.filter((a) => a.id !== this.botUser.id).map((a) => adminShape(this.user(a.id), a, chat.type));
    const bot = this.botMembership(chat) as { status: string };
    return bot.status === 'administrator' ? [...admins, bot] : admins;
  }

  private setMyCommands(params: Params): true {
    const commands = objectParam(params, 'commands');
    if (!Array.isArray(commands)) throw badRequest('field "commands" must be an Array');
    const valid = commands.map((entry: unknown) => {
      const { command, description } = (entry ?? {}) as { command?: unknown; description?: unknown };
      if (typeof command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(command)) throw badRequest('BOT_COMMAND_INVALID');
      if (typeof description !== 'string' || description.length < 1 || description.length > 256) throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
      return { command, description };
    });
    const scope = (objectParam(params, 'scope') as object | undefined) ?? { type: 'default' };
    this.commandSets.set(commandSetKey(scope, stringParam(params, 'language_code') ?? ''), valid);
    return true;
  }

  // ── files ──

  private storeFile(fileName: string, content: Buffer, mimeType?: string): StoredFile {
    const number = this.files.size + 1;
    const extension = /\.[a-z0-9]+$/i.exec(fileName)?.[0] ?? '';
    const stored = { fileId: `BQACAgIAAx-file-${number}`, path: `documents/file_${number}${extension}`, fileName, mimeType, content };
    this.files.set(stored.fileId, stored);
    return stored;
  }

  private documentShape(file: StoredFile): object {
    return { file_id: file.fileId, file_unique_id: `unique-${file.fileId}`, file_name: file.fileName, ...(file.mimeType && { mime_type: file.mimeType }), file_size: file.content.length };
  }

  private getFile(params: Params): object {
    const stored = this.files.get(stringParam(params, 'file_id') ?? '');
    if (!stored) throw badRequest('invalid file_id');
    return { file_id: stored.fileId, file_unique_id: `unique-${stored.fileId}`, file_size: stored.content.length, file_path: stored.path };
  }

  /** A document given as a multipart upload (attach://name), a bare upload, or a known file_id. */
  private uploadedDocument(params: Params, files: Map<string, UploadedFile>): StoredFile {
    const reference = stringParam(params, 'document');
    const attached = reference?.startsWith('attach://') ? files.get(reference.slice('attach://'.length)) : files.get('document');
    if (attached) return this.storeFile(attached.name || 'document', attached.content, attached.type);
    const known = reference && this.files.get(reference);
    if (known) return known;
    throw badRequest(reference ? 'wrong remote file identifier specified: the emulator fetches no URLs' : 'there is no document in the request');
  }

  // ── sending ──

  private async send(method: string, params: Params, files: Map<string, UploadedFile>): Promise<object> {
    const chat = await this.resolveChat(params, true);
    if (!chat.botCanPost) {
      throw chat.type === 'channel' ? new ApiFailure(403, 'Forbidden: bot is not a member of the channel chat') : badRequest('have no rights to send a message');
    }
    const threadId = intParam(params, 'message_thread_id');
    if (threadId !== undefined && !(chat.isForum && chat.topics.has(threadId))) throw badRequest('message thread not found');
    const parseMode = stringParam(params, 'parse_mode');
    const isDocument = method === 'sendDocument';
    const text = stringParam(params, isDocument ? 'caption' : 'text') ?? '';
    const parsed = parseMessageText(text, parseMode);
    if (!isDocument && parsed.text.trim() === '') throw badRequest('message text is empty');
    if (parsed.text.length > (isDocument ? MAX_CAPTION : MAX_TEXT)) throw badRequest(isDocument ? 'message caption is too long' : 'message is too long');
    const document = isDocument ? this.uploadedDocument(params, files) : undefined;
    const paidBroadcast = params.allow_paid_broadcast === true || params.allow_paid_broadcast === 'true';
    this.admitUnderLimits(chat, paidBroadcast);

    const messageId = chat.nextMessageId++;
    const linkPreviewOptions = objectParam(params, 'link_preview_options');
    const markup = objectParam(params, 'reply_markup') as { force_reply?: boolean } | undefined;
    const forceReply = markup?.force_reply === true;
    const keyboard = forceReply ? undefined : inlineKeyboard(markup);
    this.sent.push({
      chatId: chat.id,
      messageId,
      ...(threadId !== undefined && { threadId }),
      text,
      plainText: parsed.text,
      entities: parsed.entities,
      ...(parseMode && { parseMode }),
      ...(linkPreviewOptions !== undefined && { linkPreviewOptions }),
      ...(keyboard && { keyboard }),
      ...(forceReply && { forceReply }),
      edits: 0,
      ...(document && { document: { fileName: document.fileName, mimeType: document.mimeType, content: document.content } }),
      ...(paidBroadcast && { paidBroadcast }),
      at: Date.now(),
    });
    this.stats.sent++;
    const message = {
      message_id: messageId,
      date: Math.floor(Date.now() / 1000),
      chat: this.chatShape(chat),
      ...(chat.type === 'channel' ? { sender_chat: this.chatShape(chat) } : { from: this.botUser }),
      ...(threadId !== undefined && { message_thread_id: threadId, is_topic_message: true }),
      ...(document
        ? { document: this.documentShape(document), ...(text && { caption: parsed.text, caption_entities: parsed.entities }) }
        : { text: parsed.text, ...(parsed.entities.length > 0 && { entities: parsed.entities }) }),
      ...(keyboard && { reply_markup: { inline_keyboard: keyboard } }),
    };
    chat.history.set(messageId, message);
    return message;
  }

  /** Edits the text (and keyboard) of one of the bot's own messages, refusing an edit that changes nothing, as Telegram does. */
  private async editMessageText(params: Params): Promise<object> {
    const chat = await this.resolveChat(params, false);
    const messageId = intParam(params, 'message_id');
    const record = this.sent.find((m) => m.chatId === chat.id && m.messageId === messageId);
    const original = messageId === undefined ? undefined : (chat.history.get(messageId) as Record<string, unknown> | undefined);
    if (!record || !original || record.document) throw badRequest('message to edit not found');
    const text = stringParam(params, 'text') ?? '';
    const parseMode = stringParam(params, 'parse_mode');
    const parsed = parseMessageText(text, parseMode);
    if (parsed.text.trim() === '') throw badRequest('message text is empty');
    if (parsed.text.length > MAX_TEXT) throw badRequest('MESSAGE_TOO_LONG');
    const keyboard = inlineKeyboard(objectParam(params, 'reply_markup'));
    if (text === record.text && JSON.stringify(keyboard) === JSON.stringify(record.keyboard)) {
      throw badRequest('message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
    }
    Object.assign(record, { text, plainText: parsed.text, entities: parsed.entities, parseMode, keyboard, edits: record.edits + 1 });
    const edited = { ...original, text: parsed.text, entities: parsed.entities, edit_date: Math.floor(Date.now() / 1000), reply_markup: keyboard ? { inline_keyboard: keyboard } : undefined };
    chat.history.set(record.messageId, edited);
    return edited;
  }

  private answerCallbackQuery(params: Params): true {
    const id = stringParam(params, 'callback_query_id') ?? '';
    const query = this.callbackQueries.get(id);
    if (!query || query.answer) throw badRequest('query is too old and response timeout expired or query ID is invalid');
    const text = stringParam(params, 'text');
    if (text !== undefined && text.length > 200) throw badRequest('MESSAGE_TOO_LONG');
    const showAlert = params.show_alert === true || params.show_alert === 'true';
    query.answer = { callbackQueryId: id, ...(text !== undefined && { text }), showAlert };
    return true;
  }

  /** Answers 429 when any configured window is full; otherwise counts this send. */
  private admitUnderLimits(chat: ChatState, paidBroadcast: boolean): void {
    const limits = this.limits;
    if (!limits) return;
    const now = performance.now();
    const paid = paidBroadcast && limits.paidBroadcastPerSecond !== undefined;
    const billed = paid && limits.globalPerSecond !== undefined && this.windows.waitMs('global', limits.globalPerSecond, 1000, now) > 0;
    const windows: Array<[string, number | undefined, number]> = [
      ['global', paid ? limits.paidBroadcastPerSecond : limits.globalPerSecond, 1000],
      [`chat:${chat.id}`, limits.perChatPerSecond, 1000],
      [`group:${chat.id}`, chat.type === 'private' ? undefined : limits.perGroupPerMinute, 60_000],
    ];
    const active = windows.filter((w): w is [string, number, number] => w[1] !== undefined);
    const waitMs = Math.max(0, ...active.map(([key, limit, perMs]) => this.windows.waitMs(key, limit, perMs, now)));
    if (waitMs > 0) throw tooManyRequests(Math.max(1, Math.ceil(waitMs / 1000)));
    for (const [key] of active) this.windows.record(key, now);
    if (billed) this.stats.paidBroadcasts++;
  }
}

type TelegramUser = { id: number; is_bot: false; first_name: string; username?: string; language_code?: string };

/** Callback data holds 1 to 64 bytes; a label must not be empty. */
const MAX_CALLBACK_DATA_BYTES = 64;

/** The inline keyboard of a reply_markup, checked the way Telegram checks it; undefined when there is none. */
function inlineKeyboard(markup: unknown): InlineButton[][] | undefined {
  if (markup === undefined) return undefined;
  const rows = (markup as { inline_keyboard?: unknown }).inline_keyboard;
  if (!Array.isArray(rows)) throw badRequest("can't parse reply keyboard markup JSON object");
  return rows.map((row: unknown) => {
    if (!Array.isArray(row)) throw badRequest('field "inline_keyboard" must be an Array of Arrays');
    return row.map((button: InlineButton) => {
      if (typeof button.text !== 'string' || button.text.trim() === '') throw badRequest('text buttons are unallowed in the inline keyboard');
      if (button.callback_data !== undefined) {
        const bytes = Buffer.byteLength(button.callback_data);
        if (bytes < 1 || bytes > MAX_CALLBACK_DATA_BYTES) throw badRequest('BUTTON_DATA_INVALID');
      } else if (button.url === undefined) {
        throw badRequest("can't find field \"callback_data\" or \"url\" in the button");
      }
      return { text: button.text, ...(button.callback_data !== undefined && { callback_data: button.callback_data }), ...(button.url !== undefined && { url: button.url }) };
    });
  });
}

const RESTRICTED_MEMBER = {
  status: 'restricted', is_member: true, can_send_messages: false, can_send_audios: false, can_send_documents: false,
  can_send_photos: false, can_send_videos: false, can_send_video_notes: false, can_send_voice_notes: false,
  can_send_polls: false, can_send_other_messages: false, can_add_web_page_previews: false, can_react_to_messages: false,
  can_change_info: false, can_invite_users: false, can_edit_tag: false, can_pin_messages: false, can_manage_topics: false, until_date: 0,
};

function adminShape(user: object, admin: ChatAdmin, chatType: ChatType): object {
  if (admin.isCreator) return { status: 'creator', user, is_anonymous: admin.isAnonymous ?? false };
  return {
    status: 'administrator', user, can_be_edited: false, is_anonymous: admin.isAnonymous ?? false,
    can_manage_chat: true, can_delete_messages: true, can_manage_video_chats: true, can_restrict_members: true,
    can_promote_members: false, can_change_info: true, can_invite_users: true, can_post_stories: false,
    can_edit_stories: false, can_delete_stories: false, can_send_welcome_messages: false,
    ...(chatType === 'channel' ? { can_post_messages: true, can_edit_messages: true } : { can_pin_messages: true, can_manage_topics: chatType === 'supergroup' }),
  };
}

function isSendMethod(method: string): boolean {
  return method === 'sendMessage' || method === 'sendDocument';
}

function tooManyRequests(retryAfterSeconds: number): ApiFailure {
  return new ApiFailure(429, `Too Many Requests: retry after ${retryAfterSeconds}`, { retry_after: retryAfterSeconds });
}

function parseMessageText(text: string, parseMode: string | undefined): { text: string; entities: MessageEntityRecord[] } {
  if (parseMode === undefined || parseMode === '') return { text, entities: [] };
  if (parseMode.toUpperCase() !== 'HTML') throw badRequest(`unsupported parse_mode "${parseMode}": the emulator speaks HTML only`);
  try {
    return parseTelegramHtml(text);
  } catch (error) {
    if (error instanceof EntityParseError) throw badRequest(`can't parse entities: ${error.message}`);
    throw error;
  }
}

/** bot_command entities for every /command (optionally /command@bot) starting a word. */
function commandEntities(text: string): MessageEntityRecord[] {
  return [...text.matchAll(/(?<=^|\s)\/[a-zA-Z0-9_]{1,32}(?:@[a-zA-Z0-9_]{3,32})?/g)].map((m) => ({ type: 'bot_command', offset: m.index, length: m[0].length }));
}

function commandSetKey(scope: object, languageCode = ''): string {
  return JSON.stringify([scope, languageCode]);
}

function reply(response: ServerResponse, status: number, body: object): void {
  const json = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  response.end(json);
}

/** Starts an emulator on a free 127.0.0.1 port. Close it in afterAll. */
export async function startTelegramEmulator(options: TelegramEmulatorOptions = {}): Promise<TelegramEmulator> {
  const emulator = new Emulator(options);
  await emulator.listen();
  return emulator;
}
