/**
 * Who may manage which chat, and whether Herald can post there, by Telegram's rules: a private
 * chat belongs to its user; a group's or channel's briefing to its administrators (anonymous
 * admins included); Herald itself must be allowed to post.
 */
import { GrammyError, type Api } from 'grammy';
import type { Chat, ChatMember, Message } from 'grammy/types';
import { en } from '../../i18n/en.js';
import type { Messages } from '../../i18n/index.js';

type ChatKind = Chat['type'];

/** A human name for a chat in replies, in the reply's language (English by default). */
export function chatLabel(chat: Pick<Chat, 'type'> & { title?: string; username?: string }, t: Messages = en): string {
  if (chat.type === 'private') return t.thisChat;
  if (chat.username) return `@${chat.username}`;
  if (chat.title) return t.titled(chat.title);
  return chat.type === 'channel' ? t.thisChannel : t.thisGroup;
}

function isAdministrator(member: ChatMember): boolean {
  return member.status === 'creator' || member.status === 'administrator';
}

/**
 * Whether the sender of a message may manage the chat it was sent in. Channel posts come only
 * from the channel's admins; a message "sent as the group" (sender_chat = the chat itself,
 * from GroupAnonymousBot) comes from an anonymous admin.
 */
export async function senderManagesChat(api: Api, message: Pick<Message, 'chat' | 'from' | 'sender_chat'>): Promise<boolean> {
  const { chat } = message;
  if (chat.type === 'private' || chat.type === 'channel') return true;
  if (message.sender_chat?.id === chat.id) return true;
  if (!message.from) return false;
  return isAdministrator(await api.getChatMember(chat.id, message.from.id));
}

/** Whether a user administers a chat (for a channel or group named from a private chat). */
export async function userManagesChat(api: Api, chatId: number, userId: number): Promise<boolean> {
  try {
    return isAdministrator(await api.getChatMember(chatId, userId));
  } catch (error) {
    // Telegram answers 400 for users it does not know in that chat: not an admin.
    if (error instanceof GrammyError && error.error_code === 400) return false;
    throw error;
  }
}

/** Why Herald cannot post in a chat, in words an admin can act on; undefined when it can. */
export async function botPostingProblem(api: Api, chat: { id: number; type: ChatKind }, botId: number): Promise<string | undefined> {
  if (chat.type === 'private') return undefined;
  let member: ChatMember;
  try {
    member = await api.getChatMember(chat.id, botId);
  } catch (error) {
    if (error instanceof GrammyError && (error.error_code === 400 || error.error_code === 403)) return 'Herald is not a member there. Add it first.';
    throw error;
  }
  if (chat.type === 'channel') {
    if (member.status === 'administrator' && member.can_post_messages) return undefined;
    if (member.status === 'administrator') return 'Herald is an administrator but lacks the "Post messages" right. Give it that right in the channel settings.';
    return 'Herald is not an administrator of the channel. Add it as an administrator with the "Post messages" right.';
  }
  switch (member.status) {
    case 'creator':
    case 'administrator':
    case 'member':
      return undefined;
    case 'restricted':
      return member.can_send_messages ? undefined : 'Herald is restricted and may not send messages. Lift the restriction in the group settings.';
    default:
      return 'Herald is not a member of the group. Add it to the group first.';
  }
}
