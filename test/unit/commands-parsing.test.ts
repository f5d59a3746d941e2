import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArgumentProblem, parseInterval, parseKeyword, parseScheduleArguments, parseTimeList, parseTimeZone } from '../../src/commands/arguments.js';
import { COMMAND_DESCRIPTIONS, COMMAND_USAGE, changesSomething } from '../../src/commands/catalog.js';
import type { CommandRequest } from '../../src/commands/types.js';
import { discoverFeeds, looksLikeHtml } from '../../src/feeds/discover.js';
import { parseTelegramCommand } from '../../src/platforms/telegram/command-parsing.js';
import { replyMessages } from '../../src/platforms/telegram/reply.js';
import { parseTelegramHtml } from '../emulators/telegram-html-parse.js';

const request = (options: CommandRequest['options'] = {}): CommandRequest => ({ name: 'schedule', args: [], options });
const BASE = { weekdays: ['07:30'], timezone: 'UTC' };

function problemOf(run: () => unknown): ArgumentProblem {
  try {
    run();
  } catch (error) {
    if (error instanceof ArgumentProblem) return error;
    throw error;
  }
  throw new Error('no ArgumentProblem thrown');
}

describe('command arguments', () => {
  it('reads times of day, pads the hour, sorts and drops repeats', () => {
    expect(parseTimeList('18:00,7:30,18:00', 'x')).toEqual(['07:30', '18:00']);
    for (const bad of ['24:00', '7.30', '07:60', 'noon', '']) expect(problemOf(() => parseTimeList(bad, 'schedule 07:30')).example).toBe('schedule 07:30');
  });

  it('accepts every HH:MM of the day and nothing with a minute over 59', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 99 }), (hour, minute) => {
        const text = `${hour}:${String(minute).padStart(2, '0')}`;
        if (minute < 60) expect(parseTimeList(text, 'x')).toEqual([`${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`]);
        else expect(() => parseTimeList(text, 'x')).toThrow(ArgumentProblem);
      }),
    );
  });

  it('canonicalizes IANA zones and explains a wrong one', () => {
    expect(parseTimeZone('europe/berlin', 'x')).toBe('Europe/Berlin');
    expect(problemOf(() => parseTimeZone('Mars/Olympus', 'x')).message).toMatch(/"Mars\/Olympus" is not an IANA time zone/);
    expect(() => parseTimeZone('+05:00', 'x')).toThrow(ArgumentProblem);
  });

  it('builds schedules from words and options, changing only what was given', () => {
    expect(parseScheduleArguments(request(), [], BASE, 'x')).toBeUndefined();
    expect(parseScheduleArguments(request(), ['06:00,18:00', 'Asia/Tokyo'], BASE, 'x')).toEqual({ weekdays: ['06:00', '18:00'], timezone: 'Asia/Tokyo' });
    expect(parseScheduleArguments(request(), ['America/New_York'], { ...BASE, weekends: ['09:00'] }, 'x')).toEqual({ weekdays: ['07:30'], weekends: ['09:00'], timezone: 'America/New_York' });
    expect(parseScheduleArguments(request({ weekdays: '07:30', weekends: '09:00', tz: 'Europe/Berlin' }), [], BASE, 'x')).toEqual({ weekdays: ['07:30'], weekends: ['09:00'], timezone: 'Europe/Berlin' });
    expect(parseScheduleArguments(request(), ['08:00'], { ...BASE, weekends: ['09:00'] }, 'x')).toEqual({ weekdays: ['08:00'], timezone: 'UTC' });
    expect(problemOf(() => parseScheduleArguments(request({ weekdays: '07:30' }), ['08:00'], BASE, 'x')).message).toMatch(/not both/);
    expect(problemOf(() => parseScheduleArguments(request(), ['08:00', 'UTC', 'extra'], BASE, 'x')).message).toBe('Did not understand "extra".');
  });

  it('reads poll intervals in minutes or hours within 1 min to 1 day', () => {
    expect([parseInterval('30', 'x'), parseInterval('45m', 'x'), parseInterval('2h', 'x')]).toEqual([30, 45, 120]);
    for (const bad of ['0', '1441', '-5', 'fast', '1.5']) expect(() => parseInterval(bad, 'x')).toThrow(ArgumentProblem);
  });

  it('takes plain keywords and phrases, refuses pattern syntax and empty ones', () => {
    expect(parseKeyword('  central   bank ', 'x')).toBe('central bank');
    expect(parseKeyword('crypto*', 'x')).toBe('crypto*');
    expect(problemOf(() => parseKeyword('(foo|bar)', 'x')).message).toMatch(/plain words/);
    expect(problemOf(() => parseKeyword('---', 'x')).message).toMatch(/no letter or digit/);
    expect(() => parseKeyword('', 'x')).toThrow(ArgumentProblem);
  });
});

describe('command catalogue', () => {
  it('describes every command within Telegram and Discord limits, with an example naming the command', () => {
    for (const [name, description] of Object.entries(COMMAND_DESCRIPTIONS)) {
      expect(description.length).toBeGreaterThanOrEqual(3);
      expect(description.length).toBeLessThanOrEqual(100);
      expect(COMMAND_USAGE[name as keyof typeof COMMAND_USAGE].example.split(' ')[0]).toBe(name);
    }
  });

  it('tells showing from changing', () => {
    expect(changesSomething('feeds', ['x'], {})).toBe(false);
    expect(changesSomething('schedule', [], {})).toBe(false);
    expect(changesSomething('schedule', ['07:00'], {})).toBe(true);
    expect(changesSomething('settings', [], { bullets: 5 })).toBe(true);
    expect(changesSomething('mute', ['list'], {})).toBe(false);
    expect(changesSomething('mute', ['add', 'x'], {})).toBe(true);
    expect(changesSomething('unsubscribe', [], {})).toBe(true);
  });
});

describe('Telegram command parsing', () => {
  it('splits words and key=value options, keeps URLs whole', () => {
    expect(parseTelegramCommand('/addfeed https://example.com/a?b=c World interval=30', 'herald_bot', false)).toEqual({
      name: 'addfeed',
      args: ['https://example.com/a?b=c', 'World'],
      options: { interval: '30' },
    });
  });

  it('answers only its own commands and maps /start to help', () => {
    expect(parseTelegramCommand('/status@Herald_Bot', 'herald_bot', false)?.name).toBe('status');
    expect(parseTelegramCommand('/status@other_bot', 'herald_bot', false)).toBeUndefined();
    expect(parseTelegramCommand('/frobnicate', 'herald_bot', false)).toBeUndefined();
    expect(parseTelegramCommand('/frobnicate', 'herald_bot', true)).toEqual({ name: 'help', args: ['frobnicate'], options: {} });
    expect(parseTelegramCommand('/frobnicate@herald_bot', 'herald_bot', false)).toEqual({ name: 'help', args: ['frobnicate'], options: {} });
    expect(parseTelegramCommand('hello /status', 'herald_bot', false)).toBeUndefined();
    expect(parseTelegramCommand('/start', 'herald_bot', false)?.name).toBe('help');
  });

  it('takes a leading @channel or chat id as the target only where targets are allowed', () => {
    expect(parseTelegramCommand('/subscribe @mychannel 07:30 Europe/Berlin', 'herald_bot', true)).toMatchObject({ targetChat: '@mychannel', args: ['07:30', 'Europe/Berlin'] });
    expect(parseTelegramCommand('/status -1001234567', 'herald_bot', true)).toMatchObject({ targetChat: '-1001234567', args: [] });
    expect(parseTelegramCommand('/subscribe @mychannel', 'herald_bot', false)).toMatchObject({ args: ['@mychannel'] });
    expect(parseTelegramCommand('/subscribe 07:30', 'herald_bot', true)?.targetChat).toBeUndefined();
  });
});

describe('feed discovery', () => {
  const page = `<!DOCTYPE html><html><head><base href="https://news.example/sub/">
    <link rel="stylesheet" href="/style.css">
    <link rel="alternate" type="application/rss+xml" title="All &amp; everything" href="feed.xml">
    <link rel="Alternate" type="application/atom+xml; charset=utf-8" href="https://news.example/atom">
    <link rel="alternate" type="text/html" hreflang="de" href="/de/">
    <link rel="alternate" type="application/rss+xml" href="feed.xml">
    <link rel="alternate" type="application/feed+json" href="javascript:alert(1)">
    </head><body><a href="/other.rss">not advertised</a></body></html>`;

  it('finds advertised feeds in order, resolved against <base>, once each, http(s) only', () => {
    expect(discoverFeeds(page, 'https://news.example/')).toEqual([
      { url: 'https://news.example/sub/feed.xml', type: 'application/rss+xml', title: 'All & everything' },
      { url: 'https://news.example/atom', type: 'application/atom+xml' },
    ]);
  });

  it('finds nothing in a page without alternate feed links', () => {
    expect(discoverFeeds('<html><head><link rel="icon" href="/x.png"></head></html>', 'https://a.example/')).toEqual([]);
  });

  it('tells pages from feeds by content type or doctype', () => {
    const bytes = (text: string) => new TextEncoder().encode(text);
    expect(looksLikeHtml('text/html; charset=utf-8', bytes('<rss/>'))).toBe(true);
    expect(looksLikeHtml(undefined, bytes('  <!doctype html><html>'))).toBe(true);
    expect(looksLikeHtml('application/rss+xml', bytes('<?xml version="1.0"?><rss/>'))).toBe(false);
  });
});

describe('Telegram replies', () => {
  it('escapes text so Telegram shows it exactly, and splits long replies between lines under 4096', () => {
    // Telegram trims every message, so lines are generated as a reply's lines are: trimmed, not blank.
    const line = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }).map((s) => s.replace(/\s+/g, ' ').trim()).filter((s) => s !== '');
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 60 }), (lines) => {
        const text = lines.join('\n');
        const messages = replyMessages(text);
        const shown = messages.map((html) => parseTelegramHtml(html).text);
        for (const visible of shown) expect(visible.length).toBeLessThanOrEqual(4096);
        expect(shown.join('\n')).toBe(text);
      }),
      { numRuns: 60 },
    );
    expect(replyMessages('a <b> & "c"')).toEqual(['a &lt;b&gt; &amp; "c"']);
    expect(replyMessages(Array.from({ length: 200 }, (_, i) => `• line ${i} ${'x'.repeat(60)}`).join('\n')).length).toBe(4);
  });
});
