import { describeSchedule } from '../../subscriptions/schedule.js';
import { parseScheduleArguments } from '../arguments.js';
import { COMMAND_USAGE } from '../catalog.js';
import type { CommandHandler } from '../handler.js';
import { done } from '../replies.js';
import { currentSubscription, notSubscribed, saveSubscription } from '../subscription-access.js';

/** Shows the briefing times, or changes them (times, weekday/weekend times, time zone). */
export const schedule: CommandHandler = async (input) => {
  const existing = await currentSubscription(input);
  if (!existing) return notSubscribed(input);
  const changed = parseScheduleArguments(input.request, input.request.args, existing.schedule, COMMAND_USAGE.schedule.example);
  if (!changed) return done(`${input.context.targetLabel} gets its briefing at ${describeSchedule(existing.schedule)}.`);
  await saveSubscription(input, { ...existing, schedule: changed });
  return done(`Schedule changed: ${input.context.targetLabel} gets its briefing at ${describeSchedule(changed)}.`);
};
