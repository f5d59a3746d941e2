/**
 * Buttons and menus, platform-neutral. A screen is a CommandReply whose `controls` say what can
 * be pressed; each control carries an action ("settings.bullets=8"). The Telegram adapter turns
 * them into an inline keyboard (callback data), the Discord adapter into message components
 * (custom ids); pressing one comes back to `runControl` (control-runner.ts) as that action.
 */

/** A button; pressing it runs `action`. */
export interface ButtonControl {
  kind: 'button';
  label: string;
  action: string;
  style?: 'primary' | 'danger' | 'success';
}

/**
 * A choice among values: a select menu on Discord, a grid of buttons on Telegram. Choosing runs
 * `action=value`. At most 25 options (Discord's limit).
 */
export interface ChoiceControl {
  kind: 'choice';
  placeholder: string;
  action: string;
  options: Array<{ label: string; value: string; selected?: boolean }>;
}

export type Control = ButtonControl | ChoiceControl;

/** One row under the message; a choice stands alone in its row. */
export type ControlRow = Control[];

/** The most options one choice offers (a Discord select menu's limit). */
export const MAX_CHOICE_OPTIONS = 25;

export const button = (label: string, action: string, style?: ButtonControl['style']): ButtonControl => ({ kind: 'button', label, action, ...(style ? { style } : {}) });

/** An action as pressed: its name and, for choices and pickers, the value after "=". */
export interface PressedAction {
  name: string;
  value?: string;
}

export function parseAction(action: string): PressedAction {
  const split = action.indexOf('=');
  return split < 0 ? { name: action } : { name: action.slice(0, split), value: action.slice(split + 1) };
}

/** The action a choice's option runs. */
export function choiceAction(control: ChoiceControl, value: string): string {
  return `${control.action}=${value}`;
}
