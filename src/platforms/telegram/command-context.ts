import { GrammyError, type Api } from 'grammy';
import type { Chat, Message, User } from 'grammy/types';
import { changesSomething } from '../../commands/catalog.js';
import type { CommandContext } from '../../commands/types.js';
import { en } from '../../i18n/en.js';
import type { TelegramCommand } from './command-parsing.js';
import { botPostingProblem, chatLabel, senderManagesChat, userManagesChat } from './permissions.js';

export type CommandMessage = Pick<Message, 'chat' | 'from' | 'sender_chat' | 'message_thread_id' | 'is_topic_message'>;

export interface ContextOptions {
  botId: number;
  /** Telegram user ids from `telegram.owners`. */
  owners: readonly number[];
}

/** The command core's context, or why the command cannot even be considered (a named chat Herald cannot see). */
export type ContextResolution = { context: CommandContext } | { refusal: string };

function asker(message: CommandMessage): CommandContext['user'] {
  // Anonymous admins and channels post as a chat; GroupAnonymousBot in `from` is no one.
  if (message.sender_chat) return { id: String(message.sender_chat.id), ...(message.sender_chat.title ? { name: message.sender_chat.title } : {}) };
  return { id: String(message.from?.id ?? message.chat.id), ...(message.from ? { name: message.from.first_name } : {}) };
}

async function namedChat(api: Api, reference: string): Promise<Chat.GroupChat | Chat.SupergroupChat | Chat.ChannelChat | string> {
  let chat: Chat;
  try {
    chat = await api.getChat(reference);
  } catch (error) {
    if (error instanceof GrammyError && (error.error_code === 400 || error.error_code === 403)) {
      return `Herald cannot see ${reference}. Add Herald to it first (to a channel as an administrator with "Post messages"), then name it by @username or id.`;
    }
    throw error;
  }
  return chat.type === 'private' ? `${reference} is a person, not a group or channel. Name a group or channel you administer.` : chat;
}

/**
 * Works out whom and what a command is about. In a private chat a leading `@channel` (or id)
 * makes that chat the target, managed by its administrators. Membership lookups cost API
 * calls under Telegram's limits, so only the checks the command needs are made: who may manage
 * for changes, whether Herald may post for /subscribe.
 */
export async function resolveCommandContext(api: Api, message: CommandMessage, command: TelegramCommand, options: ContextOptions): Promise<ContextResolution> {
  const isOwner = message.from !== undefined && message.sender_chat === undefined && options.owners.includes(message.from.id);
  const needsManage = changesSomething(command.name, command.args, command.options);
  let target: TargetChat;
  let canManage: () => Promise<boolean>;
  if (command.targetChat !== undefined) {
    const chat = await namedChat(api, command.targetChat);
    if (typeof chat === 'string') return { refusal: chat };
    target = chat;
    canManage = () => userManagesChat(api, chat.id, message.from?.id ?? message.chat.id);
  } else {
    target = message.chat;
    canManage = () => senderManagesChat(api, message);
  }
  const threadId = command.targetChat === undefined && message.is_topic_message ? message.message_thread_id : undefined;
  const cannotPostReason = command.name === 'subscribe' ? await botPostingProblem(api, target, options.botId) : undefined;
  return {
    context: {
      ...targetContext(target, threadId),
      user: asker(message),
      ...(message.from?.language_code ? { locale: message.from.language_code } : {}),
      canManage: needsManage ? await canManage() : false,
      isOwner,
      ...(cannotPostReason !== undefined ? { cannotPostReason } : {}),
    },
  };
}

type TargetChat = Pick<Chat, 'id' | 'type'> & { title?: string; username?: string };

/** The destination and its label in replies: a chat, or a topic of a forum. */
function targetContext(target: TargetChat, threadId: number | undefined): Pick<CommandContext, 'platform' | 'target' | 'targetLabel' | 'targetName'> {
  return {
    platform: 'telegram',
    target: {
      platform: 'telegram',
      chatId: String(target.id),
      ...(threadId !== undefined ? { threadId: String(threadId) } : {}),
      channelKind: target.type,
    },
    targetLabel: threadId !== undefined ? en.topicOf(chatLabel(target)) : chatLabel(target),
    targetName: (t) => (threadId !== undefined ? t.topicOf(chatLabel(target, t)) : chatLabel(target, t)),
  };
}

/** A button press: who pressed, under which message, and the chat its callback data names (when another). */
export interface ButtonPressSource {
  from: User;
  message: Pick<Message, 'chat' | 'message_thread_id' | 'is_topic_message'>;
  targetChatId?: string;
}

/**
 * The command core's context for a button press. Whoever presses is a real user (Telegram
 * names them even for anonymous admins), and anyone who sees a message can press its buttons,
 * channel subscribers included, so outside private chats the presser is checked against the
 * target's administrators, whatever the screen shows.
 */
export async function resolvePressContext(api: Api, press: ButtonPressSource, options: ContextOptions): Promise<ContextResolution> {
  let target: TargetChat = press.message.chat;
  if (press.targetChatId !== undefined && press.targetChatId !== String(press.message.chat.id)) {
    const chat = await namedChat(api, press.targetChatId);
    if (typeof chat === 'string') return { refusal: chat };
    target = chat;
  }
  const threadId = target.id === press.message.chat.id && press.message.is_topic_message ? press.message.message_thread_id : undefined;
  return {
    context: {
      ...targetContext(target, threadId),
      user: { id: String(press.from.id), name: press.from.first_name },
      ...(press.from.language_code ? { locale: press.from.language_code } : {}),
      canManage: target.type === 'private' ? target.id === press.from.id : await userManagesChat(api, target.id, press.from.id),
      isOwner: options.owners.includes(press.from.id),
    },
  };
}
