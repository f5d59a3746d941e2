import type { Schedule } from './model.js';

/** One cron entry of a schedule: minute hour * * days, evaluated by BullMQ in the schedule's time zone. */
export interface CronEntry {
  /** Suffix that keeps job scheduler ids unique per entry. */
  key: string;
  pattern: string;
  timezone: string;
}

function cronFor(time: string, days: string): string {
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  return `${minute} ${hour} * * ${days}`;
}

/**
 * Cron entries for a schedule. The time zone is handed to BullMQ's cron parser, which computes
 * each next run on the local wall clock, so a daylight-saving change neither skips nor doubles a
 * briefing.
 */
export function cronEntries(schedule: Schedule): CronEntry[] {
  const weekdays = [...new Set(schedule.weekdays)].sort();
  const weekends = [...new Set(schedule.weekends ?? schedule.weekdays)].sort();
  const sameEveryDay = weekdays.length === weekends.length && weekdays.every((t, i) => t === weekends[i]);
  if (sameEveryDay) return weekdays.map((time) => ({ key: `daily-${time.replace(':', '')}`, pattern: cronFor(time, '*'), timezone: schedule.timezone }));
  return [
    ...weekdays.map((time) => ({ key: `wd-${time.replace(':', '')}`, pattern: cronFor(time, '1-5'), timezone: schedule.timezone })),
    ...weekends.map((time) => ({ key: `we-${time.replace(':', '')}`, pattern: cronFor(time, '0,6'), timezone: schedule.timezone })),
  ];
}
