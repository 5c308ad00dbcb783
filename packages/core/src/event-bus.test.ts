import { describe, expect, expectTypeOf, it } from 'vitest';
import { ManualClock } from './clock.js';
import { EventBus, ofType } from './event-bus.js';
import { recordEvents } from './testing.js';

type OrderEvent =
  | { type: 'order.placed'; at: Date; orderId: string }
  | { type: 'order.cancelled'; at: Date; orderId: string; reason: string }
  | { type: 'order.confirmed'; at: Date; orderId: string };

describe('EventBus', () => {
  it('publishes events in order, stamped by the clock', () => {
    const clock = new ManualClock('2030-01-01T00:00:00Z');
    const bus = new EventBus<OrderEvent>(clock);
    const seen = recordEvents(bus.events$);
    bus.emit({ type: 'order.placed', orderId: 'o1' });
    clock.advance(1000);
    const cancelled = bus.emit({ type: 'order.cancelled', orderId: 'o1', reason: 'changed my mind' });
    expect(seen.values).toEqual([
      { type: 'order.placed', orderId: 'o1', at: new Date('2030-01-01T00:00:00Z') },
      { type: 'order.cancelled', orderId: 'o1', reason: 'changed my mind', at: new Date('2030-01-01T00:00:01Z') },
    ]);
    expect(cancelled).toBe(seen.values[1]);
    expect(Object.isFrozen(cancelled)).toBe(true);
  });

  it('keeps an explicit at', () => {
    const bus = new EventBus<OrderEvent>(new ManualClock(0));
    const at = new Date('2031-05-05T00:00:00Z');
    expect(bus.emit({ type: 'order.placed', orderId: 'o', at }).at).toBe(at);
  });

  it('is hot: a late subscriber sees only later events', () => {
    const bus = new EventBus<OrderEvent>(new ManualClock());
    bus.emit({ type: 'order.placed', orderId: 'early' });
    const seen = recordEvents(bus.events$);
    bus.emit({ type: 'order.placed', orderId: 'late' });
    expect(seen.values.map((e) => e.orderId)).toEqual(['late']);
  });

  it('filters and narrows by type with ofType (method and operator)', () => {
    const bus = new EventBus<OrderEvent>(new ManualClock());
    const cancelled = recordEvents(bus.ofType('order.cancelled'));
    const two = recordEvents(bus.events$.pipe(ofType('order.placed', 'order.confirmed')));
    bus.emit({ type: 'order.placed', orderId: 'a' });
    bus.emit({ type: 'order.cancelled', orderId: 'a', reason: 'r' });
    bus.emit({ type: 'order.confirmed', orderId: 'b' });
    expect(cancelled.values.map((e) => e.reason)).toEqual(['r']);
    expect(two.values.map((e) => `${e.type}:${e.orderId}`)).toEqual(['order.placed:a', 'order.confirmed:b']);
    expectTypeOf(cancelled.values[0]!).toEqualTypeOf<Extract<OrderEvent, { type: 'order.cancelled' }>>();
    expectTypeOf(two.values[0]!.type).toEqualTypeOf<'order.placed' | 'order.confirmed'>();
  });

  it("a subscriber's error does not reach the emitter nor stop other subscribers", async () => {
    const bus = new EventBus<OrderEvent>(new ManualClock());
    const errors: unknown[] = [];
    const { config } = await import('rxjs');
    const previous = config.onUnhandledError;
    config.onUnhandledError = (err) => errors.push(err);
    try {
      bus.events$.subscribe(() => {
        throw new Error('observer bug');
      });
      const seen = recordEvents(bus.events$);
      expect(() => bus.emit({ type: 'order.placed', orderId: 'x' })).not.toThrow();
      expect(seen.values).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(errors).toHaveLength(1);
    } finally {
      config.onUnhandledError = previous;
    }
  });

  it('completes, after which emit throws', () => {
    const bus = new EventBus<OrderEvent>(new ManualClock());
    const seen = recordEvents(bus.events$);
    bus.complete();
    expect(seen.completed()).toBe(true);
    expect(() => bus.emit({ type: 'order.placed', orderId: 'x' })).toThrowError(/completed/);
  });

  it('refuses malformed events', () => {
    const bus = new EventBus(new ManualClock());
    expect(() => bus.emit(null as never)).toThrowError(expect.objectContaining({ code: 'ERR_CORE_INVALID_ARGUMENT' }));
    expect(() => bus.emit({ type: 42 } as never)).toThrowError(/string type/);
    expect(() => bus.emit({ type: 'x', at: 'yesterday' } as never)).toThrowError(/valid Date/);
    expect(() => bus.emit({ type: 'x', at: new Date(Number.NaN) })).toThrowError(/valid Date/);
  });

  it('unsubscribing stops delivery', () => {
    const bus = new EventBus<OrderEvent>(new ManualClock());
    const seen = recordEvents(bus.events$);
    bus.emit({ type: 'order.placed', orderId: '1' });
    seen.stop();
    bus.emit({ type: 'order.placed', orderId: '2' });
    expect(seen.values).toHaveLength(1);
  });
});
