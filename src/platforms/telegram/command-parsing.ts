import { COMMAND_DESCRIPTIONS } from '../../commands/catalog.js';
import type { CommandName } from '../../commands/types.js';
import { allCatalogues } from '../../i18n/index.js';

/** A Telegram command message, split into what the command core needs. */
export interface TelegramCommand {
  name: CommandName;
  /** A chat named before the arguments, to manage it from a private chat: "@channel" or "-100123". */
  targetChat?: string;
  args: string[];
  options: Record<string, string>;
}

/** Telegram's /start opens every bot; for Herald it is the help. */
const ALIASES: Record<string, CommandName> = { start: 'help' };

/** @username (5–32 characters) or a numeric group/channel id. */
const CHAT_REFERENCE = /^(@[A-Za-z][A-Za-z0-9_]{3,31}|-\d+)$/;

function commandName(word: string): CommandName | undefined {
  const lower = word.toLowerCase();
  if (Object.hasOwn(ALIASES, lower)) return ALIASES[lower];
  return Object.hasOwn(COMMAND_DESCRIPTIONS, lower) ? (lower as CommandName) : undefined;
}

/**
 * A message answering one of Herald's questions (the bare /addfeed's, asked in any language) by
 * replying to it: that command with the message's words. Undefined for any other message.
 */
export function parsePromptAnswer(text: string, question: { fromBot: boolean; text?: string } | undefined): TelegramCommand | undefined {
  if (!question?.fromBot || question.text === undefined) return undefined;
  const asked = allCatalogues().some(([, t]) => t.addFeedPrompt === question.text);
  const words = text.split(/\s+/).filter((word) => word !== '');
  return asked && words.length > 0 ? { name: 'addfeed', args: words, options: {} } : undefined;
}

/**
 * Parses "/name[@bot] [target] words… key=value…". Returns undefined for messages that are not
 * commands, for commands addressed to another bot (`/help@otherbot`), and for unknown commands in
 * a group (they may be another bot's). An unknown command in a private chat, or one addressed
 * to Herald by name, becomes `help NAME`, which says there is no such command.
 * In a private chat a leading chat reference names the chat to manage.
 */
export function parseTelegramCommand(text: string, botUsername: string, inPrivateChat: boolean): TelegramCommand | undefined {
  const match = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return undefined;
  const addressedToUs = match[2] !== undefined && match[2].toLowerCase() === botUsername.toLowerCase();
  if (match[2] !== undefined && !addressedToUs) return undefined;
  const name = commandName(match[1]!);
  if (name === undefined) return inPrivateChat || addressedToUs ? { name: 'help', args: [match[1]!], options: {} } : undefined;
  const words = (match[3] ?? '').split(/\s+/).filter((word) => word !== '');
  const targetChat = inPrivateChat && words[0] !== undefined && CHAT_REFERENCE.test(words[0]) ? words.shift() : undefined;
  const args: string[] = [];
  const options: Record<string, string> = {};
  for (const word of words) {
    const option = /^([A-Za-z][A-Za-z_]*)=(.*)$/.exec(word);
    if (option) options[option[1]!.toLowerCase()] = option[2]!;
    else args.push(word);
  }
  return { name, ...(targetChat !== undefined ? { targetChat } : {}), args, options };
}
