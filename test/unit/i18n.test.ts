import { describe, expect, it } from 'vitest';
import { COMMAND_USAGE } from '../../src/commands/catalog.js';
import { en } from '../../src/i18n/en.js';
import { allCatalogues, chooseReplyLanguage, nativeLanguageName, replyLanguageOf } from '../../src/i18n/index.js';

/** Every key of a catalogue with the kind of its value: "slash.url: string", "subscribed: function/3". */
function shape(value: unknown, path = ''): string[] {
  if (typeof value === 'function') return [`${path}: function/${value.length}`];
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([key, inner]) => shape(inner, path ? `${path}.${key}` : key));
  return [`${path}: ${typeof value}`];
}

/** One argument that serves every parameter type well enough to call each message once: as text "07:30", as a list ["07:30"]. */
const ANY_ARGUMENT = ['07:30'];

function texts(value: unknown, path = ''): Array<[string, string]> {
  if (typeof value === 'function') {
    const args = Array.from({ length: value.length }, () => ANY_ARGUMENT);
    return [[path, String((value as (...a: unknown[]) => unknown)(...args))]];
  }
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([key, inner]) => texts(inner, path ? `${path}.${key}` : key));
  return [[path, String(value)]];
}

describe('message catalogue', () => {
  const english = shape(en).sort();

  it.each(allCatalogues().filter(([language]) => language !== 'en'))('%s has every key English has, with the same parameters, and no other', (_language, catalogue) => {
    expect(shape(catalogue).sort()).toEqual(english);
  });

  it('German addresses no one, neither du nor Sie: instructions in the infinitive ("… angeben")', () => {
    const german = allCatalogues().find(([language]) => language === 'de')![1];
    for (const [key, text] of texts(german)) {
      expect(text, key).not.toMatch(/\b(?:[Dd]u|[Dd]ich|[Dd]ir|[Dd]ein\w*|[Ee]uch|Ihnen)\b|[^.!?:\s]\s+Sie\b/);
      // The informal imperatives the catalogue had ("Schick mir …", "Bitte einen von ihnen, …").
      expect(text, key).not.toMatch(/(?:^|[.!?:]\s+)(?:Schick|Sende|Gib|Schreib|Tipp|Wähl|Drück|Bitte (?:einen|eine|den|die))\b/);
    }
  });

  it('speaks English and Japanese at least', () => {
    expect(allCatalogues().map(([language]) => language)).toEqual(expect.arrayContaining(['en', 'ja']));
  });

  it.each(allCatalogues())('%s: no message is empty, and command descriptions fit Telegram (256) and slash texts Discord (100)', (_language, catalogue) => {
    for (const [key, text] of texts(catalogue)) expect(text.trim(), key).not.toBe('');
    for (const name of Object.keys(COMMAND_USAGE) as Array<keyof typeof COMMAND_USAGE>) expect(catalogue.commands[name].length).toBeLessThanOrEqual(256);
    for (const [key, text] of Object.entries(catalogue.slash)) expect(text.length, key).toBeLessThanOrEqual(100);
  });

  it.each(allCatalogues())('%s: a command named in a message has a space or a line start before it, so Discord can rewrite it', (_language, catalogue) => {
    for (const [key, text] of texts(catalogue)) {
      for (const match of text.matchAll(/\/(help|subscribe|unsubscribe|feeds|preview|status|retry|settings|schedule)\b/g)) {
        const before = text[match.index - 1];
        if (before !== undefined) expect(/[\s/]/.test(before) || text.slice(0, match.index).endsWith('/'), `${key}: "${text}"`).toBe(true);
      }
    }
  });
});

describe('reply language', () => {
  it('takes the chat setting first, then the app language, then English', () => {
    expect(chooseReplyLanguage('ja', 'en-US')).toBe('ja');
    expect(chooseReplyLanguage('fr', 'ja')).toBe('ja');
    expect(chooseReplyLanguage(undefined, 'ja-JP')).toBe('ja');
    expect(chooseReplyLanguage(undefined, 'pt-BR')).toBe('en');
    expect(replyLanguageOf('EN_gb')).toBe('en');
  });

  it('names languages in their own words', () => {
    expect(nativeLanguageName('ja')).toBe('日本語');
    expect(nativeLanguageName('de')).toBe('Deutsch');
  });
});
