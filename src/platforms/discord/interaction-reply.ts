/**
 * Turns the command core's reply into interaction responses: escaped text in messages of at
 * most 2000 characters, the export file attached to the first, then the preview's rendered
 * parts as follow-ups. Nothing a reply says can ping anyone.
 */
import { type ChatInputCommandInteraction, type InteractionReplyOptions, type MessageComponentInteraction, MessageFlags } from 'discord.js';
import type { ControlReply } from '../../commands/control-runner.js';
import type { CommandReply } from '../../commands/types.js';
import { DISCORD_LIMITS, escapeDiscordMarkdown } from '../../render/discord.js';
import { renderParts, type RenderOptions } from '../../render/index.js';
import { messageComponents } from './components.js';
import { slashCommandFor } from './slash-commands.js';

const NO_MENTIONS = { parse: [] };

const WEB_ADDRESS = /https?:\/\/[^\s<>]+/g;

/**
 * Plain reply text as Discord markdown: markdown and mentions escaped, web addresses left intact
 * (a backslash inside one would break the link) and wrapped in <…> so a feed list does not
 * unfold into a column of link previews.
 */
export function replyMarkdown(text: string): string {
  let markdown = '';
  let last = 0;
  for (const match of text.matchAll(WEB_ADDRESS)) {
    markdown += `${escapeDiscordMarkdown(text.slice(last, match.index))}<${match[0]}>`;
    last = match.index + match[0].length;
  }
  return markdown + escapeDiscordMarkdown(text.slice(last));
}

/**
 * The core names commands the way Telegram writes them ("Try /preview"); on Discord they are
 * subcommands of /herald. Only a slash after a space or at a line start is a command, never one
 * inside a web address.
 */
export function withDiscordCommandNames(text: string): string {
  return text.replace(/(^|\s)\/([a-z]+)\b/gm, (whole, before: string, name: string) => {
    const slash = slashCommandFor(name);
    return slash ? `${before}${slash}` : whole;
  });
}

/** Backslashes in a row just before `end`. */
function backslashesBefore(text: string, end: number): number {
  let count = 0;
  while (text[end - 1 - count] === '\\') count += 1;
  return count;
}

/**
 * Cuts one over-long line into pieces of at most `limit` code units, never inside a surrogate
 * pair nor between an escaping backslash and the character it escapes.
 */
function cutLine(line: string, limit: number): string[] {
  const pieces: string[] = [];
  let rest = line;
  while (rest.length > limit) {
    let end = limit;
    if (/[\uD800-\uDBFF]/.test(rest[end - 1]!)) end -= 1;
    if (backslashesBefore(rest, end) % 2 === 1) end -= 1;
    pieces.push(rest.slice(0, end));
    rest = rest.slice(end);
  }
  return [...pieces, rest];
}

/**
 * Splits markdown into messages of at most `limit` code units, at line ends where possible; a
 * line longer than a message is cut into messages of its own. Blank messages are left out, since
 * Discord refuses them.
 */
export function splitMessages(markdown: string, limit: number = DISCORD_LIMITS.content): string[] {
  const messages: string[] = [];
  let current: string | undefined;
  for (const line of markdown.split('\n')) {
    const pieces = cutLine(line, limit);
    const last = pieces.pop()!;
    if (current !== undefined && pieces.length === 0 && current.length + 1 + last.length <= limit) {
      current = `${current}\n${last}`;
      continue;
    }
    if (current !== undefined) messages.push(current);
    messages.push(...pieces);
    current = last;
  }
  if (current !== undefined) messages.push(current);
  return messages.filter((message) => message.trim() !== '');
}

/** One message of a reply; its visibility is decided when it is sent. */
export type ReplyMessage = Pick<InteractionReplyOptions, 'content' | 'embeds' | 'files' | 'allowedMentions' | 'components'>;

/** A reply's text as Discord markdown messages. */
function textMessages(text: string): string[] {
  return splitMessages(replyMarkdown(withDiscordCommandNames(text)));
}

/**
 * Every message a reply becomes, in order; the first is the interaction's own response. The
 * screen's buttons and menus go under the last text message; `targetChannelId` goes into them
 * when the reply is about another channel than the one it is shown in.
 */
export function replyMessages(reply: CommandReply, render: RenderOptions, targetChannelId?: string): ReplyMessage[] {
  const texts = textMessages(reply.text);
  const messages: ReplyMessage[] = texts.map((content) => ({ content, allowedMentions: NO_MENTIONS }));
  if (reply.controls && reply.controls.length > 0) messages[messages.length - 1] = { ...messages.at(-1), components: messageComponents(reply.controls, targetChannelId) };
  if (reply.file) {
    const { content, name } = reply.file;
    messages[0] = { ...messages[0], files: [{ attachment: Buffer.from(content), name }] };
  }
  const parts = reply.preview ? renderParts(reply.preview, 'discord', render) : [];
  for (const { content, embeds } of parts) messages.push({ content, embeds, allowedMentions: NO_MENTIONS });
  return messages;
}

/**
 * Sends a command's reply: the first message as the interaction's response (an edit of the
 * "thinking…" placeholder when the bot deferred, which also fixed its visibility), the rest as
 * follow-ups with the same visibility. Private replies and refusals are ephemeral.
 */
export async function sendCommandReply(interaction: ChatInputCommandInteraction, reply: CommandReply, render: RenderOptions = {}, targetChannelId?: string): Promise<void> {
  // A refusal or a mistake concerns only the member who made it, whatever the core says.
  const ephemeral = interaction.deferred ? (interaction.ephemeral ?? false) : reply.private === true || !reply.ok;
  const flags = ephemeral ? MessageFlags.Ephemeral : undefined;
  const [first, ...rest] = replyMessages(reply, render, targetChannelId);
  if (interaction.deferred) await interaction.editReply(first!);
  else await interaction.reply({ ...first, flags });
  for (const message of rest) await interaction.followUp({ ...message, flags });
}

/**
 * Answers a click on a component: the message it is on becomes the new screen; a notice the
 * screen does not already say goes to the member alone. A refused click (no screen) changes
 * nothing and is answered privately.
 */
export async function answerComponent(interaction: MessageComponentInteraction, outcome: ControlReply, targetChannelId?: string): Promise<void> {
  const { screen, notice } = outcome;
  if (!screen) {
    await interaction.reply({ content: replyMarkdown(notice ?? ''), flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
    return;
  }
  const [content] = textMessages(screen.text);
  await interaction.update({ content: content ?? '', components: messageComponents(screen.controls, targetChannelId), allowedMentions: NO_MENTIONS });
  if (notice !== undefined && !screen.text.includes(notice)) {
    await interaction.followUp({ content: replyMarkdown(withDiscordCommandNames(notice)), flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
  }
}
