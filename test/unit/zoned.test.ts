import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { endOfLocalDay, instantAt, isIsoDate, isoInZone, localDate } from '../../src/time/zoned.js';

describe('zoned time', () => {
  it('reads local dates in a zone', () => {
    const instant = new Date('2025-03-10T20:30:00Z');
    expect(localDate(instant, 'Asia/Tokyo')).toBe('2025-03-11');
    expect(localDate(instant, 'America/New_York')).toBe('2025-03-10');
  });

  it('finds the instant of a local wall-clock time, across DST', () => {
    expect(instantAt('2025-01-15', '07:30', 'Europe/Berlin').toISOString()).toBe('2025-01-15T06:30:00.000Z');
    expect(instantAt('2025-07-15', '07:30', 'Europe/Berlin').toISOString()).toBe('2025-07-15T05:30:00.000Z');
    // Spring forward: 02:30 does not exist in Berlin on 2025-03-30; it is read as 03:30 CEST.
    expect(instantAt('2025-03-30', '02:30', 'Europe/Berlin').toISOString()).toBe('2025-03-30T01:30:00.000Z');
    // Fall back: 02:30 happens twice on 2025-10-26; the earlier one is taken.
    expect(instantAt('2025-10-26', '02:30', 'Europe/Berlin').toISOString()).toBe('2025-10-26T00:30:00.000Z');
  });

  it('writes an instant as ISO 8601 on the zone\'s wall clock with its offset', () => {
    expect(isoInZone(new Date('2025-03-10T22:30:00Z'), 'Asia/Tokyo')).toBe('2025-03-11T07:30:00+09:00');
    expect(isoInZone(new Date('2025-07-15T05:30:00Z'), 'Europe/Berlin')).toBe('2025-07-15T07:30:00+02:00');
    expect(isoInZone(new Date('2025-01-15T12:00:00Z'), 'America/St_Johns')).toBe('2025-01-15T08:30:00-03:30');
    expect(isoInZone(new Date('2025-01-15T07:30:00Z'), 'UTC')).toBe('2025-01-15T07:30:00+00:00');
    expect(Date.parse(isoInZone(new Date('2025-10-26T00:30:00Z'), 'Europe/Berlin'))).toBe(Date.parse('2025-10-26T00:30:00Z'));
  });

  it('ends a local day one millisecond before the next local midnight', () => {
    expect(endOfLocalDay('2025-03-11', 'Asia/Tokyo').toISOString()).toBe('2025-03-11T14:59:59.999Z');
    expect(endOfLocalDay('2025-03-30', 'Europe/Berlin').toISOString()).toBe('2025-03-30T21:59:59.999Z');
  });

  it('round-trips every whole-minute instant through its local date and time', () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Australia/Lord_Howe', 'Asia/Kolkata'];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 66_000_000 }), fc.constantFrom(...zones), (minutes, zone) => {
        const instant = new Date(minutes * 60_000);
        const time = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(instant);
        const back = instantAt(localDate(instant, zone), time, zone);
        // In a fold the earlier instant is chosen, so `back` is never later than the original.
        expect(localDate(back, zone)).toBe(localDate(instant, zone));
        expect(back.getTime()).toBeLessThanOrEqual(instant.getTime());
      }),
    );
  });

  it('validates calendar dates', () => {
    expect(isIsoDate('2025-02-28')).toBe(true);
    expect(isIsoDate('2025-02-30')).toBe(false);
    expect(isIsoDate('25-02-28')).toBe(false);
  });
});
