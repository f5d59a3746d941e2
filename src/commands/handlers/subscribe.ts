import { ArgumentProblem, parseScheduleArguments } from '../arguments.js';
import { COMMAND_USAGE } from '../catalog.js';
import { button } from '../controls.js';
import type { CommandHandler, HandlerInput } from '../handler.js';
import { done, refused } from '../replies.js';
import { describeScheduleIn } from '../schedule-words.js';
import { currentSubscription, draftSubscription, saveSubscription, speakingFor } from '../subscription-access.js';
import type { ControlSpec } from '../control-spec.js';
import type { CommandReply } from '../types.js';

/**
 * Starts (or restarts) the target's briefing, with the times given or the configured default.
 * Subscribing again changes the times and reactivates a subscription that delivery stopped.
 */
export const subscribe: CommandHandler = async (input) => {
  const { context, request, t } = input;
  if (context.cannotPostReason) return refused(t.cannotPostIn(context.targetLabel, context.cannotPostReason));
  const existing = await currentSubscription(input);
  const base = existing ?? draftSubscription(input);
  const schedule = parseScheduleArguments(request, request.args, base.schedule, COMMAND_USAGE.subscribe.example) ?? base.schedule;
  const subscription = { ...base, schedule, active: true, inactiveReason: undefined };
  await saveSubscription(input, subscription);
  const verb = !existing ? 'new' : existing.active ? 'updated' : 'resumed';
  const speaking = speakingFor(input, subscription);
  return done(speaking.t.subscribed(verb, speaking.context.targetLabel, describeScheduleIn(speaking.t, schedule)), {
    language: speaking.language,
    controls: [[button(speaking.t.scheduleButton, 'sc'), button(speaking.t.settingsButton, 'st')]],
  });
};

/** Stops the target's briefing and forgets its settings. */
export async function stopBriefings(input: HandlerInput): Promise<CommandReply> {
  const existing = await currentSubscription(input);
  if (!existing) return done(input.t.wasNotSubscribed(input.context.targetLabel));
  await input.services.subscriptions.remove(existing.id);
  await input.services.scheduling.subscriptionRemoved(existing.id);
  return done(input.t.unsubscribed(input.context.targetLabel));
}

/**
 * Asks before stopping the target's briefing: buttons to confirm or cancel. Typed with `now`
 * (or `yes`), it stops at once, for scripts and for anyone who would rather type.
 */
export const unsubscribe: CommandHandler = async (input) => {
  const { t, context, request } = input;
  const [word, ...rest] = request.args.map((arg) => arg.toLowerCase());
  if (word !== undefined && (rest.length > 0 || (word !== 'now' && word !== 'yes'))) {
    throw new ArgumentProblem((m) => m.didNotUnderstand(request.args.join(' ')), COMMAND_USAGE.unsubscribe.example);
  }
  if (word !== undefined || request.options.confirm === true) return stopBriefings(input);
  if (!(await currentSubscription(input))) return done(t.wasNotSubscribed(context.targetLabel));
  return done(t.confirmUnsubscribe(context.targetLabel), {
    controls: [[button(t.confirmUnsubscribeButton, 'un.yes', 'danger'), button(t.cancelButton, 'un.no')]],
  });
};

/** The buttons of the unsubscribe question: un.yes stops the briefings, un.no keeps them. */
export const unsubscribeControls: Record<string, ControlSpec> = {
  'un.yes': { who: 'managers', run: (input) => stopBriefings(input) },
  'un.no': { who: 'managers', run: async (input) => done(input.t.keptSubscription(input.context.targetLabel)) },
};
