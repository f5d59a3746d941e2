import type { Messages } from '../i18n/index.js';
import type { Schedule } from '../subscriptions/model.js';

/** "07:30 and 18:00 (Europe/Berlin); weekends 09:00", in the reply's language. */
export function describeScheduleIn(t: Messages, schedule: Schedule): string {
  const weekends = schedule.weekends && schedule.weekends.join(',') !== schedule.weekdays.join(',') ? schedule.weekends : undefined;
  return t.describeSchedule(schedule.weekdays, weekends, schedule.timezone);
}
