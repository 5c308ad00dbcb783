import { CommsError, isTransientError } from './errors.js';

/**
 * Exponential backoff with jitter: attempt `n` (1-based) waits up to
 * `min(maxDelayMs, initialDelayMs · factor^(n-1))`, of which the fraction `jitter` is random
 * (`jitter: 1` is "full jitter", `0` no jitter), so that many senders retrying after one outage spread out.
 *
 * @example
 * ```ts
 * import type { RetryPolicy } from '@semper/comms';
 * const policy: RetryPolicy = { attempts: 6, initialDelayMs: 250, maxDelayMs: 10_000, factor: 2, jitter: 0.5 };
 * ```
 */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 5; 1 = no retry). */
  readonly attempts?: number;
  /** The base delay before the second attempt, in ms (default 200). */
  readonly initialDelayMs?: number;
  /** The longest delay, in ms (default 10 000). */
  readonly maxDelayMs?: number;
  /** Growth per attempt (default 2). */
  readonly factor?: number;
  /** The random fraction of each delay, 0 to 1 (default 0.5). */
  readonly jitter?: number;
}

/**
 * The defaults of {@link RetryPolicy}.
 *
 * @example
 * ```ts
 * import { DEFAULT_RETRY_POLICY } from '@semper/comms';
 * DEFAULT_RETRY_POLICY.attempts; // 5
 * ```
 */
export const DEFAULT_RETRY_POLICY: Required<RetryPolicy> = Object.freeze({
  attempts: 5,
  initialDelayMs: 200,
  maxDelayMs: 10_000,
  factor: 2,
  jitter: 0.5,
});

/**
 * A policy with defaults filled in and every field checked. Throws `ERR_COMMS_INVALID_ARGUMENT`.
 *
 * @example
 * ```ts
 * import { resolveRetryPolicy } from '@semper/comms';
 * resolveRetryPolicy({ attempts: 3 }).initialDelayMs; // 200
 * ```
 */
export function resolveRetryPolicy(policy: RetryPolicy = {}): Required<RetryPolicy> {
  const p = { ...DEFAULT_RETRY_POLICY, ...stripUndefined(policy) };
  const ok =
    (Number.isSafeInteger(p.attempts) || p.attempts === Number.POSITIVE_INFINITY) &&
    p.attempts >= 1 &&
    Number.isFinite(p.initialDelayMs) &&
    p.initialDelayMs >= 0 &&
    Number.isFinite(p.maxDelayMs) &&
    p.maxDelayMs >= 0 &&
    Number.isFinite(p.factor) &&
    p.factor >= 1 &&
    Number.isFinite(p.jitter) &&
    p.jitter >= 0 &&
    p.jitter <= 1;
  if (!ok) throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'invalid retry policy');
  return Object.freeze(p);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The delay before attempt `attempt + 1` after `attempt` failed (attempt is 1-based), per the policy;
 * `random` gives a number in [0, 1) (default `Math.random`: jitter needs no cryptographic quality).
 *
 * @example
 * ```ts
 * import { backoffDelay } from '@semper/comms';
 * backoffDelay(3, { initialDelayMs: 100, jitter: 0 }); // 400
 * ```
 */
export function backoffDelay(attempt: number, policy: RetryPolicy = {}, random: () => number = Math.random): number {
  const p = resolveRetryPolicy(policy);
  const exponential = p.initialDelayMs * p.factor ** Math.max(0, attempt - 1);
  const capped = Math.min(p.maxDelayMs, exponential);
  return Math.round(capped * (1 - p.jitter) + capped * p.jitter * random());
}

/**
 * Options of {@link retry}.
 *
 * @example
 * ```ts
 * import type { RetryOptions } from '@semper/comms';
 * const options: RetryOptions = { onRetry: (err, attempt, delayMs) => console.warn(attempt, delayMs) };
 * ```
 */
export interface RetryOptions {
  /** Stops retrying (the Promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
  /** Which errors are worth another attempt (default {@link isTransientError}). */
  readonly isRetryable?: (err: unknown) => boolean;
  /** Told before each wait. */
  readonly onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** A number in [0, 1) for the jitter (default `Math.random`). */
  readonly random?: () => number;
}

/**
 * Runs `operation` until it succeeds, a non-retryable error is thrown, or the policy's attempts are used
 * up (the last error is thrown). `operation` gets the attempt number (1-based). Use it only for
 * idempotent operations, such as re-sending a message with the same id.
 *
 * @example
 * ```ts
 * import { retry } from '@semper/comms';
 * const receipt = await retry(() => transport.send(message), { attempts: 6, initialDelayMs: 500 });
 * ```
 */
export async function retry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy = {},
  options: RetryOptions = {},
): Promise<T> {
  const p = resolveRetryPolicy(policy);
  const isRetryable = options.isRetryable ?? isTransientError;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await operation(attempt);
    } catch (err) {
      if (attempt >= p.attempts || !isRetryable(err) || options.signal?.aborted) throw err;
      const delay = backoffDelay(attempt, p, options.random);
      options.onRetry?.(err, attempt, delay);
      await sleep(delay, options.signal);
    }
  }
}

/**
 * Resolves after `ms` milliseconds; rejects with the signal's reason when it aborts first.
 *
 * @example
 * ```ts
 * import { sleep } from '@semper/comms';
 * await sleep(100);
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
