/**
 * The name a reader sees beside a story: the outlet, as people call it. Feed titles often
 * carry a tagline or a section ("The Moscow Times - News, Business, Culture & Multimedia from
 * Russia", "Blog – InfluxData"), and a feed without a title still has a web address.
 */
import { domainToUnicode } from 'node:url';

/** What separates an outlet's name from a tagline or section in a feed title. */
const TITLE_SEPARATOR = /\s+(?:[-–—|»>·•]|::)\s+|:\s+/u;

/** A part after the name that reads as a tagline: a list ("News, Business & Culture") or a phrase of four words or more. */
function isTagline(text: string): boolean {
  return /[,&]/.test(text) || text.split(/\s+/).length >= 4;
}

/** Lower-case letters and digits only, accents dropped: "Rondônia News" → "rondonianews". */
function squash(text: string): string {
  return text.normalize('NFKD').toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}

/** Whether a part of a title names the site: all its words are in the host ("Google News" in news.google.com). */
function namesHost(part: string, squashedHost: string): boolean {
  const whole = squash(part);
  if (whole.length >= 3 && squashedHost.includes(whole)) return true;
  const words = part.split(/\s+/).map(squash).filter((word) => word.length >= 2 && word !== 'the');
  return words.length > 0 && words.every((word) => squashedHost.includes(word));
}

/**
 * A feed title as a source name: the part that names the site's host when one does, else the
 * first part when a tagline or a trail of sections follows it ("HuffPost Canada - Athena2 -
 * All Posts"), else the title as it is ("BBC News - World").
 */
export function sourceNameFromTitle(title: string, siteUrl: string | undefined): string {
  const parts = title.split(TITLE_SEPARATOR).map((part) => part.trim()).filter(Boolean);
  if (parts.length < 2) return title;
  const host = hostOf(siteUrl);
  const named = host === undefined ? undefined : parts.find((part) => namesHost(part, squash(host)));
  if (named) return named;
  return parts.length > 2 || isTagline(parts.slice(1).join(' ')) ? parts[0]! : title;
}

/** A site's host name as people read it: Unicode rather than punycode, without "www.". */
export function hostLabel(url: string | undefined): string | undefined {
  const host = hostOf(url);
  return host === undefined ? undefined : domainToUnicode(host).replace(/^www\./, '') || undefined;
}

function hostOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const { protocol, hostname } = new URL(url);
    return (protocol === 'http:' || protocol === 'https:') && hostname ? hostname : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An aggregator's item title without the outlet it already credits: Google News writes
 * "Fed raises rates again - Reuters" with `<source>Reuters</source>`.
 */
export function withoutCreditedOutlet(title: string, outlet: string): string {
  for (const separator of [' - ', ' – ', ' — ', ' | ']) {
    if (title.endsWith(`${separator}${outlet}`) && title.length > separator.length + outlet.length) return title.slice(0, -(separator.length + outlet.length));
  }
  return title;
}
