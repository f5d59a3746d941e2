/**
 * The time zone picker's data: IANA zones grouped by region ("Asia") with their cities
 * ("Tokyo"), from the zones this Node knows (Intl.supportedValuesOf), in pages that fit one
 * menu.
 */

/** Cities on one page of the picker: 8 rows of 3 on Telegram, one select menu on Discord. */
export const CITIES_PER_PAGE = 24;

function allZones(): string[] {
  return Intl.supportedValuesOf('timeZone');
}

/** Regions with at least one city, alphabetical: Africa, America, Asia, … */
export function timeZoneRegions(): string[] {
  return [...new Set(allZones().filter((zone) => zone.includes('/')).map((zone) => zone.split('/')[0]!))].sort();
}

/** "America/Argentina/Buenos_Aires" → "Argentina/Buenos Aires". */
export function cityName(zone: string): string {
  return zone.slice(zone.indexOf('/') + 1).replace(/_/g, ' ');
}

/** One page of a region's zones; `page` is clamped into range. */
export function citiesOf(region: string, page: number): { zones: string[]; page: number; pages: number } {
  const zones = allZones().filter((zone) => zone.startsWith(`${region}/`));
  const pages = Math.max(1, Math.ceil(zones.length / CITIES_PER_PAGE));
  const current = Math.min(Math.max(1, page), pages);
  return { zones: zones.slice((current - 1) * CITIES_PER_PAGE, current * CITIES_PER_PAGE), page: current, pages };
}

/**
 * Zones matching what a member typed, for Discord's autocomplete: a city or zone name
 * containing the text (spaces and underscores alike), cities starting with it first.
 */
export function matchingZones(typed: string, limit: number): string[] {
  const wanted = typed.trim().toLowerCase().replace(/[\s_]+/g, ' ');
  if (wanted === '') return ['UTC', 'Asia/Tokyo', 'Europe/Berlin', 'Europe/London', 'America/New_York', 'America/Los_Angeles'].slice(0, limit);
  const candidates = allZones().map((zone) => ({ zone, text: zone.toLowerCase().replace(/_/g, ' '), city: cityName(zone).toLowerCase() }));
  const starts = candidates.filter(({ city }) => city.startsWith(wanted) || city.split('/').some((part) => part.startsWith(wanted)));
  const contains = candidates.filter(({ text }) => text.includes(wanted));
  return [...new Set([...starts, ...contains].map(({ zone }) => zone))].slice(0, limit);
}
