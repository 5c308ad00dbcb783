import { PaymentError, PaymentProtocolError, PaymentTimeoutError } from './errors.js';

interface Waiter {
  readonly resolve: (body: Uint8Array) => void;
  readonly reject: (err: unknown) => void;
}

/** Most messages buffered per step before the other party is considered abusive. */
const MAX_QUEUED = 64;

/**
 * One transaction's inbound messages at one party, per step, in arrival order; `next(step)` awaits the
 * next one. @internal
 */
export class PaymentSession {
  readonly transactionId: string;
  readonly remoteAddress: string;
  remoteParty: string;
  readonly #queues = new Map<string, Uint8Array[]>();
  readonly #waiters = new Map<string, Waiter[]>();
  readonly #seen = new Set<string>();
  #failure: unknown;

  constructor(transactionId: string, remoteAddress: string, remoteParty: string) {
    this.transactionId = transactionId;
    this.remoteAddress = remoteAddress;
    this.remoteParty = remoteParty;
  }

  /** Whether the session was aborted. */
  get aborted(): boolean {
    return this.#failure !== undefined;
  }

  /** Records a message id; false when it was seen before (a redelivery). */
  firstSighting(messageId: string): boolean {
    if (this.#seen.has(messageId)) return false;
    this.#seen.add(messageId);
    return true;
  }

  deliver(step: string, body: Uint8Array): void {
    if (this.#failure !== undefined) return;
    const waiters = this.#waiters.get(step);
    const waiter = waiters?.shift();
    if (waiter !== undefined) {
      waiter.resolve(body);
      return;
    }
    const queue = this.#queues.get(step) ?? [];
    if (queue.length >= MAX_QUEUED) {
      this.abort(new PaymentProtocolError(step, `more than ${MAX_QUEUED} unread messages`));
      return;
    }
    queue.push(body);
    this.#queues.set(step, queue);
  }

  next(step: string, timeoutMs: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const queued = this.#queues.get(step)?.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<Uint8Array>((resolve, reject) => {
      const list = this.#waiters.get(step) ?? [];
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const i = list.indexOf(waiter);
        if (i >= 0) list.splice(i, 1);
      };
      const waiter: Waiter = {
        resolve: (body) => {
          done();
          resolve(body);
        },
        reject: (err) => {
          done();
          reject(err);
        },
      };
      const onAbort = () => waiter.reject(abortError(signal));
      const timer = setTimeout(() => waiter.reject(new PaymentTimeoutError(displayStep(step), timeoutMs)), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      list.push(waiter);
      this.#waiters.set(step, list);
    });
  }

  abort(err: unknown): void {
    if (this.#failure !== undefined) return;
    this.#failure = err;
    for (const list of this.#waiters.values()) for (const w of [...list]) w.reject(err);
    this.#waiters.clear();
    this.#queues.clear();
  }
}

function displayStep(step: string): string {
  return step.startsWith('m.') ? step.slice(2) : step;
}

/** @internal */
export function abortError(signal: AbortSignal | undefined): PaymentError {
  return new PaymentError('ERR_PAYMENTS_ABORTED', 'the payment operation was aborted', {
    cause: signal?.reason,
  });
}
