/** The calendar date at `now` in `timeZone`, as YYYY-MM-DD. */
export function localDate(now: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)!.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** The date at `now` in `timeZone`, written out the way `locale` writes a full date. */
export function longDate(now: Date, timeZone: string, locale: string): string {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'full' });
  } catch {
    // A locale Intl does not accept still gets a readable date rather than no briefing.
    format = new Intl.DateTimeFormat('en', { timeZone, dateStyle: 'full' });
  }
  return format.format(now);
}
