/**
 * Calendar arithmetic in an IANA time zone using only Intl: no time-zone database to ship.
 */

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** One formatter per zone: making one takes ~1 ms, most of a localParts call (20 at every start, more per briefing). */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function localParts(instant: Date, timeZone: string): LocalParts {
  const formatter = formatterFor(timeZone);
  const parts = Object.fromEntries(formatter.formatToParts(instant).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** The local calendar date of an instant, as YYYY-MM-DD. */
export function localDate(instant: Date, timeZone: string): string {
  const { year, month, day } = localParts(instant, timeZone);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Offset of the zone from UTC at an instant, in milliseconds (east positive). */
function offsetMs(instant: Date, timeZone: string): number {
  const p = localParts(instant, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * The instant at which the wall clock in `timeZone` shows the given local time. In a DST gap
 * the time is read with the offset from before the gap (so 02:30 on a spring-forward night
 * becomes 03:30); in a fold the earlier instant is taken.
 */
export function instantAt(date: string, time: string, timeZone: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const before = offsetMs(new Date(wall - 86_400_000), timeZone);
  const candidates = [wall - before, wall - offsetMs(new Date(wall - before), timeZone)];
  const exact = candidates.filter((t) => {
    const p = localParts(new Date(t), timeZone);
    return p.hour === hour && p.minute === minute && p.day === day;
  });
  return new Date(exact.length > 0 ? Math.min(...exact) : wall - before);
}

/** The last millisecond of a local calendar date. */
export function endOfLocalDay(date: string, timeZone: string): Date {
  const next = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return new Date(instantAt(next, '00:00', timeZone).getTime() - 1);
}

/** Whether `value` is a real calendar date written YYYY-MM-DD (2025-02-30 is not). */
export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

/** An instant as ISO 8601 on the zone's wall clock, with its offset: 2025-03-11T07:30:00+09:00. */
export function isoInZone(instant: Date, timeZone: string): string {
  const p = localParts(instant, timeZone);
  const offsetMinutes = Math.round(offsetMs(instant, timeZone) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const two = (n: number) => String(n).padStart(2, '0');
  const offset = `${sign}${two(Math.floor(Math.abs(offsetMinutes) / 60))}:${two(Math.abs(offsetMinutes) % 60)}`;
  return `${localDate(instant, timeZone)}T${two(p.hour)}:${two(p.minute)}:${two(p.second)}${offset}`;
}
