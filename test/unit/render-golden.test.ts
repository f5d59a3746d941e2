import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderParts } from '../../src/render/index.js';
import { FIXTURE_BRIEFINGS, readFixtureBriefing, UPDATE_GOLDEN } from '../fixtures/briefing/briefings.js';

const GOLDEN_DIR = join(import.meta.dirname, '..', 'fixtures', 'golden');

/** Compares with the stored golden file, or rewrites it under UPDATE_GOLDEN=1. */
function expectGolden(file: string, actual: string) {
  const path = join(GOLDEN_DIR, file);
  if (UPDATE_GOLDEN) writeFileSync(path, actual);
  if (!existsSync(path)) throw new Error(`golden file ${file} is missing: run with UPDATE_GOLDEN=1 and review the diff`);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

const asJson = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

describe('renderer goldens', () => {
  for (const name of FIXTURE_BRIEFINGS) {
    const briefing = readFixtureBriefing(name);

    it(`${name}: Telegram HTML parts`, () => {
      expectGolden(`${name}.telegram.json`, asJson(renderParts(briefing, 'telegram')));
    });

    it(`${name}: Discord embeds and content parts`, () => {
      expectGolden(`${name}.discord-embeds.json`, asJson(renderParts(briefing, 'discord')));
      expectGolden(`${name}.discord-content.json`, asJson(renderParts(briefing, 'discord', { discordStyle: 'content' })));
    });

    it(`${name}: plain text`, () => {
      expectGolden(`${name}.txt`, renderParts(briefing, 'text').map((part) => part.text).join('\n\n'));
    });
  }

  it('long briefings really are split', () => {
    const long = readFixtureBriefing('en-long');
    expect(renderParts(long, 'telegram').length).toBeGreaterThan(1);
    expect(renderParts(long, 'discord').length).toBeGreaterThan(1);
    expect(renderParts(long, 'discord', { discordStyle: 'content' }).length).toBeGreaterThan(1);
  });
});
