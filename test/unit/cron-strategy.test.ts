/**
 * The compose queue's remembered cron strategy answers exactly as BullMQ's own, whatever order
 * the times come in: a remembered next run is only reused for times before it.
 */
import { defaultRepeatStrategy } from 'bullmq';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rememberedCronStrategy } from '../../src/queue/compose-jobs.js';

const DAY = 86_400_000;
const start = Date.parse('2026-03-27T00:00:00Z');

describe('the remembered cron strategy', () => {
  it('gives the next run BullMQ would, across zones and daylight-saving changes', () => {
    const entry = fc.record({
      pattern: fc.constantFrom('30 7 * * *', '0 18 * * 1-5', '0 9 * * 0,6', '45 6 * * *'),
      tz: fc.constantFrom('UTC', 'Europe/Berlin', 'America/St_Johns', 'Asia/Tokyo'),
    });
    const query = fc.record({ entry, millis: fc.integer({ min: start, max: start + 5 * DAY }) });
    fc.assert(
      fc.property(fc.array(query, { minLength: 1, maxLength: 60 }), (queries) => {
        const remembered = rememberedCronStrategy();
        for (const { entry: opts, millis } of queries) expect(remembered(millis, opts)).toBe(defaultRepeatStrategy(millis, opts));
      }),
    );
  });
});
