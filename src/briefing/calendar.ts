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
