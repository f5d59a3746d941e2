/**
 * The command core's controls as Telegram inline keyboards, and back: a button's callback data
 * is its action, followed by "|chat id" when the screen is about another chat than the one it
 * is shown in (a channel managed from a private chat).
 */
import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import { choiceAction, type ControlRow } from '../../commands/controls.js';

/** Telegram's limit on callback data. */
const MAX_CALLBACK_DATA_BYTES = 64;

/** Buttons per row for a choice: more when the labels are short ("07:30"), fewer when long ("Argentina/Buenos Aires"). */
function columnsFor(labels: string[]): number {
  const longest = Math.max(...labels.map((label) => label.length));
  if (longest <= 6) return 4;
  return longest <= 14 ? 3 : 2;
}

/**
 * `buttons` in as few rows as `columns` a row allow, the rows as even as can be (the fuller ones
 * first): ten languages three to a row make 3/3/2/2, not 3/3/3 and one left alone below.
 */
function evenRows<T>(buttons: T[], columns: number): T[][] {
  const rows = Math.ceil(buttons.length / columns);
  const fuller = buttons.length % rows;
  const base = Math.floor(buttons.length / rows);
  let start = 0;
  return Array.from({ length: rows }, (_, row) => {
    const size = base + (row < fuller ? 1 : 0);
    start += size;
    return buttons.slice(start - size, start);
  });
}

/** A button's callback data: the action, and the chat it is about when that is not the chat it is shown in. */
export function callbackData(action: string, targetChatId: string | undefined): string {
  const data = targetChatId === undefined ? action : `${action}|${targetChatId}`;
  if (Buffer.byteLength(data) > MAX_CALLBACK_DATA_BYTES) throw new Error(`callback data "${data}" is longer than Telegram's ${MAX_CALLBACK_DATA_BYTES} bytes`);
  return data;
}

/** What a pressed button's callback data says: the action, and the chat named in it (if any). */
export function parseCallbackData(data: string): { action: string; targetChatId?: string } {
  const split = data.lastIndexOf('|');
  if (split < 0) return { action: data };
  return { action: data.slice(0, split), targetChatId: data.slice(split + 1) };
}

/**
 * The inline keyboard for a screen's controls: a button each for buttons, a grid for a choice
 * (the selected option ticked). Undefined when there are none, so the message gets no markup.
 */
export function inlineKeyboard(rows: ControlRow[] | undefined, targetChatId?: string): InlineKeyboardMarkup | undefined {
  if (rows === undefined) return undefined;
  const keyboard: InlineKeyboardButton[][] = [];
  for (const row of rows) {
    const buttons: InlineKeyboardButton[] = [];
    for (const control of row) {
      if (control.kind === 'button') {
        buttons.push({ text: control.label, callback_data: callbackData(control.action, targetChatId) });
        continue;
      }
      const choices = control.options.map((option) => ({ text: option.selected ? `✓ ${option.label}` : option.label, callback_data: callbackData(choiceAction(control, option.value), targetChatId) }));
      const columns = columnsFor(control.options.map((option) => option.label));
      keyboard.push(...evenRows(choices, columns));
    }
    if (buttons.length > 0) keyboard.push(buttons);
  }
  return { inline_keyboard: keyboard };
}
