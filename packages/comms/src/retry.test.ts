import { describe, expect, it, vi } from 'vitest';
import { CommsError } from './errors.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, resolveRetryPolicy, retry, sleep } from './retry.js';

describe('backoffDelay', () => {
  it('grows exponentially up to the cap, with the jitter fraction random', () => {
    const p = { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0 };
    expect([1, 2, 3, 4, 5, 10].map((a) => backoffDelay(a, p))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(3, { ...p, jitter: 1 }, () => 0)).toBe(0);
    expect(backoffDelay(3, { ...p, jitter: 1 }, () => 0.5)).toBe(200);
    expect(backoffDelay(3, { ...p, jitter: 0.5 }, () => 0)).toBe(200);
    expect(backoffDelay(3, { ...p, jitter: 0.5 }, () => 0.999)).toBe(400);
  });

  it('checks policies', () => {
    expect(resolveRetryPolicy()).toEqual(DEFAULT_RETRY_POLICY);
    expect(resolveRetryPolicy({ attempts: undefined }).attempts).toBe(5);
    for (const bad of [{ attempts: 0 }, { attempts: 1.5 }, { factor: 0.5 }, { jitter: 2 }, { initialDelayMs: -1 }]) {
      expect(() => resolveRetryPolicy(bad)).toThrow(CommsError);
    }
  });
});

describe('retry', () => {
  it('retries transient faults with backoff and returns the first success', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await retry(
      async (attempt) => {
        calls++;
        if (attempt < 3) throw new CommsError('ERR_COMMS_UNAVAILABLE', 'down');
        return 'ok';
      },
      { attempts: 5, initialDelayMs: 1, jitter: 0 },
      { onRetry: (_e, _a, d) => delays.push(d) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(delays).toEqual([1, 2]);
  });

  it('does not retry permanent faults, and gives up after the attempts', async () => {
    let calls = 0;
    const permanent = retry(async () => {
      calls++;
      throw new CommsError('ERR_COMMS_REJECTED', 'no');
    });
    await expect(permanent).rejects.toMatchObject({ code: 'ERR_COMMS_REJECTED' });
    expect(calls).toBe(1);
    calls = 0;
    const transient = retry(
      async () => {
        calls++;
        throw new CommsError('ERR_COMMS_TIMEOUT', 'slow');
      },
      { attempts: 3, initialDelayMs: 0 },
    );
    await expect(transient).rejects.toMatchObject({ code: 'ERR_COMMS_TIMEOUT' });
    expect(calls).toBe(3);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const run = retry(
      async () => {
        throw new CommsError('ERR_COMMS_UNAVAILABLE', 'down');
      },
      { attempts: 100, initialDelayMs: 1000 },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(reason), 10);
    await expect(run).rejects.toBe(reason);
    await expect(sleep(10, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('waits between attempts (fake timers)', async () => {
    vi.useFakeTimers();
    try {
      let calls = 0;
      const run = retry(
        async () => {
          calls++;
          if (calls < 3) throw new CommsError('ERR_COMMS_UNAVAILABLE', 'down');
          return calls;
        },
        { initialDelayMs: 1000, jitter: 0 },
      );
      await vi.advanceTimersByTimeAsync(999);
      expect(calls).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(calls).toBe(2);
      await vi.advanceTimersByTimeAsync(2000);
      await expect(run).resolves.toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
