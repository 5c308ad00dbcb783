import { describe, expect, it } from 'vitest';
import { ManualClock, SystemClock } from './clock.js';

describe('SystemClock', () => {
  it('tells the real time', () => {
    const before = Date.now();
    const now = new SystemClock().now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});

describe('ManualClock', () => {
  it('starts at 2000-01-01 by default, or where told', () => {
    expect(new ManualClock().now().toISOString()).toBe('2000-01-01T00:00:00.000Z');
    expect(new ManualClock('2030-01-01T00:00:00Z').now().toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(new ManualClock(0).now().getTime()).toBe(0);
    expect(new ManualClock(new Date(5)).now().getTime()).toBe(5);
  });

  it('moves only when advanced or set', () => {
    const clock = new ManualClock(1000);
    expect(clock.now().getTime()).toBe(1000);
    expect(clock.now().getTime()).toBe(1000);
    expect(clock.advance(500).getTime()).toBe(1500);
    expect(clock.now().getTime()).toBe(1500);
    clock.set(10);
    expect(clock.now().getTime()).toBe(10);
    clock.set('1970-01-01T00:00:01Z');
    expect(clock.now().getTime()).toBe(1000);
  });

  it('hands out copies that callers may change', () => {
    const clock = new ManualClock(0);
    clock.now().setTime(99);
    expect(clock.now().getTime()).toBe(0);
  });

  it('refuses invalid times and negative or non-finite advances', () => {
    expect(() => new ManualClock('not a date')).toThrowError(
      expect.objectContaining({ code: 'ERR_CORE_INVALID_ARGUMENT' }),
    );
    expect(() => new ManualClock(Number.NaN)).toThrow();
    const clock = new ManualClock(0);
    expect(() => clock.set(new Date(Number.NaN))).toThrow();
    expect(() => clock.advance(-1)).toThrowError(/non-negative/);
    expect(() => clock.advance(Number.POSITIVE_INFINITY)).toThrow();
    expect(() => clock.advance(9e15)).toThrow();
    expect(clock.now().getTime()).toBe(0);
  });
});
