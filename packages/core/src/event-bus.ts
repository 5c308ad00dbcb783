import { filter, type Observable, type OperatorFunction, Subject } from 'rxjs';
import type { Clock } from './clock.js';
import { CoreError } from './errors.js';

/**
 * The shape every semper event has: a `type` (the discriminant, conventionally `'<block>.<what>'`) and
 * the time `at` which it happened. Concrete events add their own fields.
 *
 * @example
 * ```ts
 * import type { SemperEvent } from '@semper/core';
 * type PaymentEvent =
 *   | { type: 'payment.started'; at: Date; paymentId: string }
 *   | { type: 'payment.completed'; at: Date; paymentId: string; receipt: string };
 * const e: SemperEvent = { type: 'payment.started', at: new Date() };
 * ```
 */
export interface SemperEvent<T extends string = string> {
  readonly type: T;
  readonly at: Date;
}

/**
 * The members of the event union `E` whose `type` is `T`.
 *
 * @example
 * ```ts
 * import type { EventOfType } from '@semper/core';
 * type E = { type: 'a'; at: Date; n: number } | { type: 'b'; at: Date };
 * type A = EventOfType<E, 'a'>; // { type: 'a'; at: Date; n: number }
 * ```
 */
export type EventOfType<E extends SemperEvent, T extends E['type']> = Extract<E, { type: T }>;

/**
 * What {@link EventBus.emit} takes: an event of the union `E`, with `at` optional (the bus's clock
 * stamps it when absent).
 *
 * @example
 * ```ts
 * import type { EventInput } from '@semper/core';
 * type E = { type: 'a'; at: Date; n: number };
 * const input: EventInput<E> = { type: 'a', n: 1 };
 * ```
 */
export type EventInput<E extends SemperEvent> = E extends SemperEvent ? Omit<E, 'at'> & { readonly at?: Date } : never;

/**
 * An rxjs operator keeping only the events whose `type` is one of `types`, narrowing the union.
 *
 * @example
 * ```ts
 * import { EventBus, ofType, SystemClock } from '@semper/core';
 * type E = { type: 'a'; at: Date; n: number } | { type: 'b'; at: Date };
 * const bus = new EventBus<E>(new SystemClock());
 * bus.events$.pipe(ofType('a')).subscribe((e) => console.log(e.n));
 * ```
 */
export function ofType<E extends SemperEvent, T extends E['type']>(
  ...types: readonly [T, ...T[]]
): OperatorFunction<E, EventOfType<E, T>> {
  const wanted: ReadonlySet<string> = new Set(types);
  return filter((event: E): event is EventOfType<E, T> => wanted.has(event.type));
}

/**
 * A party's typed event stream: whatever changes state publishes an event here, and apps, logs and the
 * protocol trace viewer subscribe to {@link EventBus.events$}. `E` is a discriminated union on `type`.
 *
 * The stream is hot and keeps nothing: a subscriber sees the events emitted after it subscribed. An
 * error thrown by a subscriber does not reach the emitter (rxjs reports it asynchronously), so
 * observers cannot break the code that emits. After {@link EventBus.complete}, `emit` throws.
 *
 * @example
 * ```ts
 * import { EventBus, ManualClock } from '@semper/core';
 * type OrderEvent =
 *   | { type: 'order.placed'; at: Date; orderId: string }
 *   | { type: 'order.cancelled'; at: Date; orderId: string; reason: string };
 * const bus = new EventBus<OrderEvent>(new ManualClock());
 * bus.ofType('order.cancelled').subscribe((e) => console.log(e.reason));
 * bus.emit({ type: 'order.cancelled', orderId: 'order_1', reason: 'changed my mind' });
 * ```
 */
export class EventBus<E extends SemperEvent = SemperEvent> {
  /** Every event emitted on this bus, in order. */
  readonly events$: Observable<E>;
  private readonly subject: Subject<E> = new Subject<E>();
  private readonly clock: Clock;
  private completed = false;

  constructor(clock: Clock) {
    this.clock = clock;
    this.events$ = this.subject.asObservable();
  }

  /**
   * Publishes an event, stamping `at` from the clock unless given, and returns the event as published
   * (frozen).
   *
   * @example
   * ```ts
   * import { EventBus, SystemClock } from '@semper/core';
   * const bus = new EventBus<{ type: 'ping'; at: Date }>(new SystemClock());
   * const published = bus.emit({ type: 'ping' });
   * published.at; // now
   * ```
   */
  emit(event: EventInput<E>): E {
    if (this.completed) throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'the event bus is completed');
    const input = event as { readonly type?: unknown; readonly at?: unknown };
    if (typeof input !== 'object' || input === null || typeof input.type !== 'string') {
      throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'an event is an object with a string type');
    }
    if (input.at !== undefined && !(input.at instanceof Date && Number.isFinite(input.at.getTime()))) {
      throw new CoreError('ERR_CORE_INVALID_ARGUMENT', "an event's at is a valid Date");
    }
    const published = Object.freeze({ ...input, at: input.at ?? this.clock.now() }) as unknown as E;
    this.subject.next(published);
    return published;
  }

  /**
   * The events whose `type` is one of `types`, typed as those members of the union.
   *
   * @example
   * ```ts
   * import { EventBus, SystemClock } from '@semper/core';
   * type E = { type: 'a'; at: Date; n: number } | { type: 'b'; at: Date };
   * const bus = new EventBus<E>(new SystemClock());
   * bus.ofType('a').subscribe((e) => e.n);
   * ```
   */
  ofType<T extends E['type']>(...types: readonly [T, ...T[]]): Observable<EventOfType<E, T>> {
    return this.events$.pipe(ofType<E, T>(...types));
  }

  /**
   * Ends the stream: subscribers get `complete`, later `emit` calls throw.
   *
   * @example
   * ```ts
   * import { EventBus, SystemClock } from '@semper/core';
   * const bus = new EventBus(new SystemClock());
   * bus.complete();
   * ```
   */
  complete(): void {
    this.completed = true;
    this.subject.complete();
  }
}
