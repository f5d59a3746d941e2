import type { Schedule, Subscription } from '../../subscriptions/model.js';
import { ArgumentProblem, parseScheduleArguments, parseTimeList, parseTimeZone } from '../arguments.js';
import { COMMAND_USAGE } from '../catalog.js';
import { button, type ControlRow } from '../controls.js';
import type { ControlSpec } from '../control-spec.js';
import type { CommandHandler, HandlerInput } from '../handler.js';
import { done } from '../replies.js';
import { describeScheduleIn } from '../schedule-words.js';
import { currentSubscription, notSubscribed, saveSubscription } from '../subscription-access.js';
import { citiesOf, cityName, timeZoneRegions } from '../time-zones.js';
import type { CommandReply } from '../types.js';

const EXAMPLE = COMMAND_USAGE.schedule.example;

/** The times most briefings go out at, offered first. */
const COMMON_TIMES = ['06:00', '07:00', '07:30', '08:00', '09:00', '12:00', '18:00', '21:00'];
const MINUTES = Array.from({ length: 12 }, (_, index) => String(index * 5).padStart(2, '0'));
const HOURS = Array.from({ length: 24 }, (_, hour) => String(hour).padStart(2, '0'));

/** The schedule screen: the times, then common times to pick, another hour and minute, and the zone. */
function scheduleScreen(input: HandlerInput, subscription: Subscription, headline: string): CommandReply {
  const { t } = input;
  const { schedule } = subscription;
  const single = schedule.weekdays.length === 1 && !schedule.weekends ? schedule.weekdays[0] : undefined;
  const controls: ControlRow[] = [
    [{ kind: 'choice', placeholder: t.pickTime, action: 'sc.at', options: COMMON_TIMES.map((time) => ({ label: time, value: time, selected: time === single })) }],
    [button(t.otherTimeButton, 'sc.h'), button(t.timeZoneButton(schedule.timezone), 'sc.r')],
  ];
  return done(`${headline}\n${t.scheduleHint}`, { controls });
}

async function saveSchedule(input: HandlerInput, subscription: Subscription, schedule: Schedule): Promise<CommandReply> {
  const changed = { ...subscription, schedule };
  await saveSubscription(input, changed);
  return scheduleScreen(input, changed, input.t.scheduleChanged(input.context.targetLabel, describeScheduleIn(input.t, schedule)));
}

/** Shows the briefing times with buttons to change them, or changes them as typed (times, weekday/weekend times, time zone). */
export const schedule: CommandHandler = async (input) => {
  const existing = await currentSubscription(input);
  if (!existing) return notSubscribed(input);
  const changed = parseScheduleArguments(input.request, input.request.args, existing.schedule, EXAMPLE);
  if (!changed) return scheduleScreen(input, existing, input.t.scheduleIs(input.context.targetLabel, describeScheduleIn(input.t, existing.schedule)));
  await saveSubscription(input, { ...existing, schedule: changed });
  return done(input.t.scheduleChanged(input.context.targetLabel, describeScheduleIn(input.t, changed)));
};

const back = (input: HandlerInput, action: string): ControlRow => [button(input.t.backButton, action)];

/**
 * The buttons of the schedule screen. Action names are short because Telegram's callback data
 * holds 64 bytes: sc (the screen), sc.at=HH:MM (one daily time), sc.h[=HH] (hour, then
 * minute), sc.r[=Region[.page]] (region, then city), sc.tz=Zone.
 */
export const scheduleControls: Record<string, ControlSpec> = {
  sc: { who: 'managers', run: async (input, subscription) => scheduleScreen(input, subscription, input.t.scheduleIs(input.context.targetLabel, describeScheduleIn(input.t, subscription.schedule))) },
  'sc.at': {
    who: 'managers',
    run: async (input, subscription, value) => {
      const [time] = parseTimeList(value ?? '', EXAMPLE);
      return saveSchedule(input, subscription, { weekdays: [time!], timezone: subscription.schedule.timezone });
    },
  },
  'sc.h': {
    who: 'managers',
    run: async (input, _subscription, value) => {
      const { t } = input;
      if (value === undefined) {
        return done(t.pickHour, { controls: [[{ kind: 'choice', placeholder: t.pickHour, action: 'sc.h', options: HOURS.map((hour) => ({ label: `${hour}:00`, value: hour })) }], back(input, 'sc')] });
      }
      if (!HOURS.includes(value)) throw new ArgumentProblem((m) => m.notATime(value), EXAMPLE);
      const times = MINUTES.map((minute) => `${value}:${minute}`);
      return done(t.pickMinute(value), { controls: [[{ kind: 'choice', placeholder: t.pickMinute(value), action: 'sc.at', options: times.map((time) => ({ label: time, value: time })) }], back(input, 'sc.h')] });
    },
  },
  'sc.r': {
    who: 'managers',
    run: async (input, subscription, value) => {
      const { t } = input;
      if (value === undefined) {
        const regions = timeZoneRegions();
        return done(t.pickRegion, {
          controls: [[{ kind: 'choice', placeholder: t.pickRegion, action: 'sc.r', options: regions.map((region) => ({ label: region, value: region })) }], [button('UTC', 'sc.tz=UTC'), button(t.backButton, 'sc')]],
        });
      }
      const [region, pageText] = value.split('.');
      const { zones, page, pages } = citiesOf(region!, Number(pageText ?? 1));
      if (zones.length === 0) throw new ArgumentProblem((m) => m.notATimeZone(region!), EXAMPLE);
      const nav: ControlRow = [
        ...(page > 1 ? [button(t.previousButton, `sc.r=${region}.${page - 1}`)] : []),
        ...(page < pages ? [button(t.nextButton, `sc.r=${region}.${page + 1}`)] : []),
        button(t.backButton, 'sc.r'),
      ];
      const options = zones.map((zone) => ({ label: cityName(zone), value: zone, selected: zone === subscription.schedule.timezone }));
      return done(t.pickCity(region!, page, pages), { controls: [[{ kind: 'choice', placeholder: t.pickCity(region!, page, pages), action: 'sc.tz', options }], nav] });
    },
  },
  'sc.tz': {
    who: 'managers',
    run: async (input, subscription, value) => saveSchedule(input, subscription, { ...subscription.schedule, timezone: parseTimeZone(value ?? '', EXAMPLE) }),
  },
};
