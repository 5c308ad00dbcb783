import { CoreError } from './errors.js';

/**
 * The source of the current time. Everything in semper that stamps a time (events, ids, signing time,
 * deadlines) asks a `Clock` given to it, never `Date.now()` directly, so that tests can drive time with
 * a {@link ManualClock}. Resolve it through the `CLOCK` token.
 *
 * @example
 * ```ts
 * import { type Clock, SystemClock } from '@semper/core';
 * function stamp(clock: Clock): string {
 *   return clock.now().toISOString();
 * }
 * stamp(new SystemClock());
 * ```
 */
export interface Clock {
  /** The current time, as a new `Date` the caller may keep or change. */
  now(): Date;
}

/**
 * The real time of the machine.
 *
 * @example
 * ```ts
 * import { SystemClock } from '@semper/core';
 * const clock = new SystemClock();
 * clock.now(); // the current time
 * ```
 */
export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
}

function toMillis(time: Date | number | string, what: string): number {
  const ms = time instanceof Date ? time.getTime() : typeof time === 'string' ? Date.parse(time) : time;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
    throw new CoreError('ERR_CORE_INVALID_ARGUMENT', `${what} is not a valid time`);
  }
  return ms;
}

/**
 * A clock that moves only when told to: for tests and simulations. Starts at the given time
 * (default: 2000-01-01T00:00:00.000Z), moves with {@link ManualClock.advance} (forward only) and
 * jumps with {@link ManualClock.set} (either way).
 *
 * @example
 * ```ts
 * import { ManualClock } from '@semper/core';
 * const clock = new ManualClock('2030-01-01T00:00:00Z');
 * clock.advance(1500);
 * clock.now().toISOString(); // '2030-01-01T00:00:01.500Z'
 * ```
 */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | number | string = Date.UTC(2000, 0, 1)) {
    this.current = toMillis(start, 'start');
  }

  now(): Date {
    return new Date(this.current);
  }

  /**
   * Jumps to `time` (a `Date`, epoch milliseconds or an ISO 8601 string), forward or backward.
   *
   * @example
   * ```ts
   * import { ManualClock } from '@semper/core';
   * const clock = new ManualClock();
   * clock.set('2031-06-01T12:00:00Z');
   * ```
   */
  set(time: Date | number | string): void {
    this.current = toMillis(time, 'time');
  }

  /**
   * Moves forward by `ms` milliseconds (a non-negative finite number) and returns the new time.
   *
   * @example
   * ```ts
   * import { ManualClock } from '@semper/core';
   * const clock = new ManualClock(0);
   * clock.advance(60_000).toISOString(); // '1970-01-01T00:01:00.000Z'
   * ```
   */
  advance(ms: number): Date {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'advance takes a non-negative number of milliseconds');
    }
    this.current = toMillis(this.current + ms, 'time');
    return this.now();
  }
}
