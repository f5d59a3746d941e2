/**
 * Runs a pressed button or a chosen menu option: the platform-neutral twin of the command
 * runner. The adapter passes the control's action and who pressed it where; the answer is the
 * screen that replaces the message and, at times, a short notice for the presser alone.
 */
import { messagesIn } from '../i18n/index.js';
import { ArgumentProblem } from './arguments.js';
import { commandExample } from './catalog.js';
import { parseAction } from './controls.js';
import type { ControlSpec } from './control-spec.js';
import type { HandlerInput } from './handler.js';
import { feedControls } from './handlers/feeds.js';
import { scheduleControls } from './handlers/schedule.js';
import { settingsControls } from './handlers/settings.js';
import { unsubscribeControls } from './handlers/subscribe.js';
import type { CommandServices } from './services.js';
import { currentSubscription, replyLanguageFor, speakingContext } from './subscription-access.js';
import type { CommandContext, CommandName, CommandReply } from './types.js';

/**
 * What pressing did. `screen` replaces the message (absent: leave it as it is); `notice` is a
 * short answer for the presser alone. `changed` is false when the press was refused or stale.
 */
export interface ControlReply {
  screen?: CommandReply;
  notice?: string;
  changed: boolean;
}

export type RunControl = (action: string, context: CommandContext) => Promise<ControlReply>;

const CONTROLS: Record<string, ControlSpec & { command: CommandName }> = Object.fromEntries(
  [
    ['settings', settingsControls],
    ['schedule', scheduleControls],
    ['feeds', feedControls],
    ['unsubscribe', unsubscribeControls],
  ].flatMap(([command, specs]) => Object.entries(specs as Record<string, ControlSpec>).map(([name, spec]) => [name, { ...spec, command: command as CommandName }])),
);

export function createControlRunner(services: CommandServices): RunControl {
  return async (action, context) => {
    const language = await replyLanguageFor(services, context);
    const t = messagesIn(language);
    const { name, value } = parseAction(action);
    const spec = Object.hasOwn(CONTROLS, name) ? CONTROLS[name] : undefined;
    if (!spec) return { notice: t.outdatedButton, changed: false };
    if (spec.who === 'managers' && !context.canManage && !context.isOwner) return { notice: t.onlyAdminsButton, changed: false };
    const input: HandlerInput = { request: { name: spec.command, args: [], options: {} }, context: speakingContext(context, t), services, now: services.now?.() ?? new Date(), t, language };
    const subscription = await currentSubscription(input);
    if (!subscription && spec.needsSubscription !== false) {
      const stale = t.staleButton(input.context.targetLabel);
      return { screen: { text: stale, ok: false, language, controls: [] }, notice: stale, changed: false };
    }
    try {
      const { notice, ...screen } = spec.needsSubscription === false ? await spec.run(input, subscription, value) : await spec.run(input, subscription!, value);
      return { screen: { ...screen, language: screen.language ?? language, controls: screen.controls ?? [] }, ...(notice !== undefined ? { notice } : {}), changed: screen.ok };
    } catch (error) {
      // A value no typed command would take: only a forged or outdated button sends one.
      if (error instanceof ArgumentProblem) return { notice: `${error.say(t)} ${t.exampleLine(commandExample(error.example, context.platform))}`, changed: false };
      throw error;
    }
  };
}
