/**
 * The command core's controls as Discord message components, and back: a button is a button, a
 * choice a select menu. A component's custom id is its action, followed by "|channel id" when
 * the screen is about another channel than the one it is shown in (the `channel` option).
 */
import { type APIActionRowComponent, type APIComponentInMessageActionRow, ButtonStyle, ComponentType } from 'discord.js';
import type { ButtonControl, ControlRow } from '../../commands/controls.js';

/** Discord's limits: custom ids of 100 characters, button labels of 80, option labels of 100, placeholders of 150. */
const MAX_CUSTOM_ID = 100;
const MAX_LABEL = 80;
const MAX_OPTION_LABEL = 100;
const MAX_PLACEHOLDER = 150;

const STYLES: Record<NonNullable<ButtonControl['style']> | 'none', ButtonStyle> = {
  primary: ButtonStyle.Primary,
  success: ButtonStyle.Success,
  danger: ButtonStyle.Danger,
  none: ButtonStyle.Secondary,
};

const clip = (text: string, limit: number) => (text.length <= limit ? text : `${text.slice(0, limit - 1)}…`);

export function customId(action: string, targetChannelId: string | undefined): string {
  const id = targetChannelId === undefined ? action : `${action}|${targetChannelId}`;
  if (id.length > MAX_CUSTOM_ID) throw new Error(`custom id "${id}" is longer than Discord's ${MAX_CUSTOM_ID} characters`);
  return id;
}

/** A component's custom id as its action and the channel it names (if any). */
export function parseCustomId(id: string): { action: string; targetChannelId?: string } {
  const split = id.lastIndexOf('|');
  return split < 0 ? { action: id } : { action: id.slice(0, split), targetChannelId: id.slice(split + 1) };
}

/** Action rows for a screen's controls: buttons in a row, a choice as a select menu in a row of its own. */
export function messageComponents(rows: ControlRow[] | undefined, targetChannelId?: string): APIActionRowComponent<APIComponentInMessageActionRow>[] {
  return (rows ?? []).flatMap((row) => {
    const buttons = row.filter((control): control is ButtonControl => control.kind === 'button');
    const selects = row.flatMap((control) => (control.kind === 'choice' ? [control] : []));
    const menus = selects.map((choice) => ({
      type: ComponentType.ActionRow as const,
      components: [
        {
          type: ComponentType.StringSelect as const,
          custom_id: customId(choice.action, targetChannelId),
          placeholder: clip(choice.placeholder, MAX_PLACEHOLDER),
          options: choice.options.map((option) => ({ label: clip(option.label, MAX_OPTION_LABEL), value: option.value, default: option.selected === true })),
        },
      ],
    }));
    const buttonRow = buttons.length === 0 ? [] : [{
      type: ComponentType.ActionRow as const,
      components: buttons.map((button) => ({
        type: ComponentType.Button as const,
        style: STYLES[button.style ?? 'none'] as ButtonStyle.Primary,
        label: clip(button.label, MAX_LABEL),
        custom_id: customId(button.action, targetChannelId),
      })),
    }];
    return [...menus, ...buttonRow];
  });
}
