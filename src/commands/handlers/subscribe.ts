import { describeSchedule } from '../../subscriptions/schedule.js';
import { parseScheduleArguments } from '../arguments.js';
import { COMMAND_USAGE } from '../catalog.js';
import type { CommandHandler } from '../handler.js';
import { done, refused } from '../replies.js';
import { currentSubscription, draftSubscription, saveSubscription } from '../subscription-access.js';

/**
 * Starts (or restarts) the target's briefing, with the times given or the configured default.
 * Subscribing again changes the times and reactivates a subscription that delivery stopped.
 */
export const subscribe: CommandHandler = async (input) => {
  const { context, request } = input;
  if (context.cannotPostReason) return refused(`Herald cannot post in ${context.targetLabel}: ${context.cannotPostReason}`);
  const existing = await currentSubscription(input);
  const base = existing ?? draftSubscription(input);
  const schedule = parseScheduleArguments(request, request.args, base.schedule, COMMAND_USAGE.subscribe.example) ?? base.schedule;
  const subscription = { ...base, schedule, active: true, inactiveReason: undefined };
  await saveSubscription(input, subscription);
  const verb = !existing ? 'Subscribed' : existing.active ? 'Updated' : 'Resumed';
  return done(`${verb}: ${context.targetLabel} gets its briefing at ${describeSchedule(schedule)}.\nTry /preview to see it now.`);
};

/** Stops the target's briefing and forgets its settings. */
export const unsubscribe: CommandHandler = async (input) => {
  const existing = await currentSubscription(input);
  if (!existing) return done(`${input.context.targetLabel} was not subscribed; nothing to stop.`);
  await input.services.subscriptions.remove(existing.id);
  await input.services.scheduling.subscriptionRemoved(existing.id);
  return done(`Unsubscribed: no more briefings in ${input.context.targetLabel}. /subscribe starts them again.`);
};
