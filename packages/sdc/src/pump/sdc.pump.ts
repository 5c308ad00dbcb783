import {
  backoffDelay,
  CommsError,
  type HandlerResult,
  isTransientError,
  type ReceivedMessage,
  type Receiver,
  type ReceiveOptions,
  type RejectionReport,
  type RetryPolicy,
  resolveRetryPolicy,
  type Transport,
  type TransportState,
} from '@semper/comms';
import { type Clock, SystemClock } from '@semper/core';
import { BehaviorSubject, type Observable, type Subscription } from 'rxjs';
import { SdcPumpError } from './errors.js';
import { SDC_SMIME_CONTENT_TYPE } from '../format/index.js';
import type { SdcIncoming, SdcMailbox, SdcOutgoing } from './mailbox.js';

/** The default pause between two runs of the pump: 60 s. */
export const DEFAULT_PUMP_INTERVAL_MS = 60_000;

/**
 * Options of {@link SdcPump}.
 *
 * @example
 * ```ts
 * import type { SdcPumpOptions } from '@semper/sdc';
 * const options: SdcPumpOptions = { mailbox, transport, intervalMs: 30_000, backoff: { initialDelayMs: 2000 } };
 * ```
 */
export interface SdcPumpOptions {
  /** The local outbox and inbox. */
  readonly mailbox: SdcMailbox;
  /** The transport (or a `TransportRouter` over several) the containers travel by. */
  readonly transport: Transport;
  /** The pause between two runs, in ms (default {@link DEFAULT_PUMP_INTERVAL_MS}). */
  readonly intervalMs?: number;
  /** Outbox entries taken per look at the outbox (default 100); a run looks until the outbox is empty. */
  readonly batchSize?: number;
  /**
   * The pause after a failed run (the transport or the mailbox is down), instead of `intervalMs`: exponential
   * with jitter, per consecutive failure (default 1 s doubling, at most `intervalMs` · 10, half of it random).
   */
  readonly backoff?: Omit<RetryPolicy, 'attempts'>;
  /** Whether to take containers in from the transport (default `true`); `false` only sends. */
  readonly receive?: boolean;
  /**
   * When the transport cannot start receiving for a transient reason (`ERR_COMMS_UNAVAILABLE`, a timeout: the
   * mail server is not up yet), keep trying with the backoff while the outbox is served (default `true`);
   * `false`: `start()` rejects. A permanent fault (a bad login) always rejects.
   */
  readonly retryReceiveStart?: boolean;
  /** Passed to `transport.receive` (`concurrency` 1 by default: containers handed in in arrival order). */
  readonly receiveOptions?: Pick<ReceiveOptions, 'concurrency' | 'redelivery' | 'drainTimeoutMs'>;
  /**
   * After a container was taken in, run again this soon (ms; default 100), since taking it in may have put
   * answers (a receipt, an import response) in the outbox. `false`: wait for the interval.
   */
  readonly runAfterIntake?: number | false;
  /** Closes the transport when the pump stops (default `false`: the transport is the caller's). */
  readonly closeTransport?: boolean;
  /** Stamps the status (default the system clock). */
  readonly clock?: Clock;
  /** A number in [0, 1) for the backoff's jitter (default `Math.random`). */
  readonly random?: () => number;
}

/**
 * The pump's state: `idle` (created), `running` (a run in progress), `waiting` (until `nextRunAt`),
 * `backoff` (after a failed run, until `nextRunAt`), `stopped` (the last value; `status$` completes).
 *
 * @example
 * ```ts
 * import type { SdcPumpState } from '@semper/sdc';
 * const healthy = (s: SdcPumpState) => s !== 'backoff';
 * ```
 */
export type SdcPumpState = 'idle' | 'running' | 'waiting' | 'backoff' | 'stopped';

/**
 * What one run sent.
 *
 * @example
 * ```ts
 * import type { SdcPumpRun } from '@semper/sdc';
 * const ok = (r: SdcPumpRun) => r.error === undefined && r.failed === 0;
 * ```
 */
export interface SdcPumpRun {
  /** When the run started. */
  readonly startedAt: Date;
  /** When it ended. */
  readonly endedAt: Date;
  /** Containers durably accepted by the transport and marked sent. */
  readonly sent: number;
  /** Containers that can never be sent (marked failed in the mailbox). */
  readonly failed: number;
  /** The fault that ended the run early (the transport or the mailbox), if any: the pump backs off. */
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * One value of {@link SdcPump.status$}: the status line's content.
 *
 * @example
 * ```ts
 * import { formatPumpStatus, type SdcPumpStatus } from '@semper/sdc';
 * pump.status$.subscribe((s: SdcPumpStatus) => console.error(formatPumpStatus(s)));
 * ```
 */
export interface SdcPumpStatus {
  readonly state: SdcPumpState;
  /** The transport's address. */
  readonly address: string;
  /** The transport's own state (its `status$`). */
  readonly transport: TransportState;
  /** When this status was set. */
  readonly at: Date;
  /** The last run, once there was one. */
  readonly lastRun?: SdcPumpRun;
  /** Containers sent since the pump started. */
  readonly sent: number;
  /** Containers taken in (stored) since the pump started. */
  readonly received: number;
  /** Containers delivered again and recognised as duplicates (acknowledged, not stored twice). */
  readonly duplicates: number;
  /** Containers refused by the intake or moved aside by the transport. */
  readonly rejected: number;
  /** Failures since the pump started: failed runs, containers that could not be sent, failed intakes. */
  readonly failures: number;
  /** Failed runs in a row (0 after a good run): what the backoff grows with. */
  readonly consecutiveFailures: number;
  /** When the next run is due (`waiting`, `backoff`). */
  readonly nextRunAt?: Date;
  /** The last fault (a run's, an intake's), its code and message. */
  readonly lastError?: { readonly code: string; readonly message: string };
}

function faultOf(err: unknown): { code: string; message: string } {
  if (err !== null && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown };
    return {
      code: typeof e.code === 'string' ? e.code : 'ERR_UNKNOWN',
      message: typeof e.message === 'string' ? e.message : String(err),
    };
  }
  return { code: 'ERR_UNKNOWN', message: String(err) };
}

/** Send failures that concern this container only: it is marked failed, the run goes on with the next. */
const PERMANENT_SEND_CODES = new Set([
  'ERR_COMMS_INVALID_MESSAGE',
  'ERR_COMMS_TOO_LARGE',
  'ERR_COMMS_INVALID_ADDRESS',
  'ERR_COMMS_UNSUPPORTED_ADDRESS',
  'ERR_COMMS_REJECTED',
]);

function isPermanentSendFailure(err: unknown): boolean {
  return (err instanceof CommsError && PERMANENT_SEND_CODES.has(err.code)) || err instanceof SdcPumpError;
}

function time(d: Date | undefined): string {
  return d === undefined ? '-' : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The status line of a pump, for logs and the CLI:
 * `sdc pump mailto:hub@example.org [waiting, transport polling] last run 2026-12-01T23:40:01Z: sent 3, failed 0; total sent 12, received 7, duplicates 0, rejected 0, failures 0; next run 2026-12-01T23:41:01Z`.
 *
 * @example
 * ```ts
 * import { formatPumpStatus } from '@semper/sdc';
 * pump.status$.subscribe((s) => process.stderr.write(`${formatPumpStatus(s)}\n`));
 * ```
 */
export function formatPumpStatus(s: SdcPumpStatus): string {
  const run =
    s.lastRun === undefined
      ? 'no run yet'
      : `last run ${time(s.lastRun.startedAt)}: sent ${s.lastRun.sent}, failed ${s.lastRun.failed}${
          s.lastRun.error === undefined ? '' : `, ${s.lastRun.error.code}: ${s.lastRun.error.message}`
        }`;
  const next = s.nextRunAt === undefined ? '' : `; next run ${time(s.nextRunAt)}`;
  return (
    `sdc pump ${s.address} [${s.state}, transport ${s.transport}] ${run}; total sent ${s.sent}, received ${s.received}, ` +
    `duplicates ${s.duplicates}, rejected ${s.rejected}, failures ${s.failures}${next}`
  );
}

function checkPositiveInt(name: string, value: number | undefined, fallback: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1 || v > max) {
    throw new SdcPumpError('ERR_SDC_PUMP_INVALID_ARGUMENT', `${name} is an integer from 1 to ${max}`);
  }
  return v;
}

function checkEntry(entry: SdcOutgoing): void {
  if (
    entry === null ||
    typeof entry !== 'object' ||
    typeof entry.id !== 'string' ||
    typeof entry.to !== 'string' ||
    !(entry.body instanceof Uint8Array)
  ) {
    throw new SdcPumpError('ERR_SDC_PUMP_BAD_ENTRY', 'an outbox entry needs an id, an address and a body');
  }
}

/**
 * The pump ("mailer"): moves Secure Data Containers between a party's local outbox/inbox ({@link SdcMailbox})
 * and a `@semper/comms` transport.
 *
 * - **Out**: every `intervalMs` (default 60 s) a run takes the pending outbox entries, oldest first, sends
 *   each (the container id as message id) and marks it sent only once the transport durably accepted it. A
 *   crash between the two sends it again on the next run, with the same id: never lost, and absorbed by the
 *   receiver's exactly-once intake. A container the transport can never carry (too large, an address no
 *   transport serves, refused for good) is marked failed and the run goes on; a transport or mailbox fault
 *   ends the run and the next one comes after an exponential backoff with jitter.
 * - **In**: the transport's receiver hands each container to `mailbox.deliver`; the container is
 *   acknowledged on the transport (gone from the medium) only after the mailbox committed it; a thrown
 *   fault leaves it on the medium, to be delivered again. A rejection moves it aside on the transport.
 * - **Status**: `status$` (current value first): last run, totals sent / received / failures, next run;
 *   {@link formatPumpStatus} prints it as one line.
 * - **Stop**: `stop()` waits for the run in progress, stops the receiver (handlers drain, nothing
 *   unacknowledged is lost) and completes `status$`.
 *
 * @example
 * ```ts
 * import { openFolderTransport } from '@semper/comms';
 * import { formatPumpStatus, SdcPump } from '@semper/sdc';
 * const transport = await openFolderTransport({ path: '/var/lib/semper/agency-0042' });
 * const pump = new SdcPump({ mailbox, transport, intervalMs: 30_000 });
 * pump.status$.subscribe((s) => console.error(formatPumpStatus(s)));
 * await pump.start();
 * // …
 * await pump.stop();
 * ```
 */
export class SdcPump {
  /** The pump's status, current value first; completes once stopped. */
  readonly status$: Observable<SdcPumpStatus>;
  readonly #mailbox: SdcMailbox;
  readonly #transport: Transport;
  readonly #intervalMs: number;
  readonly #batchSize: number;
  readonly #backoff: Required<RetryPolicy>;
  readonly #receive: boolean;
  readonly #receiveOptions: SdcPumpOptions['receiveOptions'];
  readonly #runAfterIntake: number | false;
  readonly #closeTransport: boolean;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #status: BehaviorSubject<SdcPumpStatus>;
  readonly #subscriptions: Subscription[] = [];
  #receiver: Receiver | undefined;
  readonly #retryReceiveStart: boolean;
  #receiveTimer: NodeJS.Timeout | undefined;
  #receiveFailures = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<SdcPumpRun> | undefined;
  #again = false;
  #started = false;
  #stopped = false;
  #lastIntakeAt = 0;
  readonly #intakes = new Set<Promise<unknown>>();

  constructor(options: SdcPumpOptions) {
    if (options === null || typeof options !== 'object' || !options.mailbox || !options.transport) {
      throw new SdcPumpError('ERR_SDC_PUMP_INVALID_ARGUMENT', 'a pump needs a mailbox and a transport');
    }
    this.#mailbox = options.mailbox;
    this.#transport = options.transport;
    this.#intervalMs = checkPositiveInt('intervalMs', options.intervalMs, DEFAULT_PUMP_INTERVAL_MS, 2 ** 31 - 1);
    this.#batchSize = checkPositiveInt('batchSize', options.batchSize, 100, 10_000);
    try {
      this.#backoff = resolveRetryPolicy({
        initialDelayMs: Math.min(1000, this.#intervalMs),
        maxDelayMs: Math.min(2 ** 31 - 1, this.#intervalMs * 10),
        factor: 2,
        jitter: 0.5,
        ...options.backoff,
        attempts: Number.POSITIVE_INFINITY,
      });
    } catch (err) {
      throw new SdcPumpError('ERR_SDC_PUMP_INVALID_ARGUMENT', 'invalid backoff policy', { cause: err });
    }
    const after = options.runAfterIntake ?? 100;
    if (after !== false && (!Number.isSafeInteger(after) || after < 0)) {
      throw new SdcPumpError('ERR_SDC_PUMP_INVALID_ARGUMENT', 'runAfterIntake is a number of ms or false');
    }
    this.#runAfterIntake = after;
    this.#receive = options.receive ?? true;
    this.#retryReceiveStart = options.retryReceiveStart ?? true;
    this.#receiveOptions = options.receiveOptions;
    this.#closeTransport = options.closeTransport ?? false;
    this.#clock = options.clock ?? new SystemClock();
    this.#random = options.random ?? Math.random;
    this.#status = new BehaviorSubject<SdcPumpStatus>({
      state: 'idle',
      address: this.#transport.address,
      transport: 'idle',
      at: this.#clock.now(),
      sent: 0,
      received: 0,
      duplicates: 0,
      rejected: 0,
      failures: 0,
      consecutiveFailures: 0,
    });
    this.status$ = this.#status.asObservable();
  }

  /** The current status (the last value of `status$`). */
  get status(): SdcPumpStatus {
    return this.#status.getValue();
  }

  /** When the last container was taken in (ms since the epoch, by the pump's clock), 0 before any. */
  get lastIntakeAt(): number {
    return this.#lastIntakeAt;
  }

  /**
   * Starts the pump: opens the transport, starts receiving (unless `receive: false`) and runs at once,
   * then every `intervalMs`. Rejects if the transport cannot start receiving (a bad login: see its `status$`).
   */
  async start(): Promise<void> {
    if (this.#stopped) throw new SdcPumpError('ERR_SDC_PUMP_STOPPED', 'the pump was stopped');
    if (this.#started) return;
    this.#started = true;
    this.#subscriptions.push(
      this.#transport.status$.subscribe((t) => {
        if (this.#status.getValue().transport !== t.state) this.#update({ transport: t.state });
      }),
      this.#transport.rejected$.subscribe((r: RejectionReport) => {
        // What the intake rejected is counted where it is returned; the rest (too large, malformed) here.
        if (r.reason !== 'rejected-by-handler') this.#update({ rejected: this.status.rejected + 1 });
      }),
    );
    await this.#transport.open();
    if (this.#receive) await this.#startReceiver(true);
    this.#schedule(0);
  }

  async #startReceiver(first: boolean): Promise<void> {
    if (this.#stopped) return;
    try {
      this.#receiver = await this.#transport.receive((m) => this.#intake(m), {
        concurrency: 1,
        ...this.#receiveOptions,
      });
      this.#receiveFailures = 0;
      if (this.#stopped) await this.#receiver.close(); // stopped while it was starting
    } catch (err) {
      if (!this.#retryReceiveStart || !isTransientError(err)) {
        if (first) throw err;
        this.#update({ failures: this.status.failures + 1, lastError: faultOf(err) });
        return; // a permanent fault after a transient one: reported, no more tries
      }
      this.#receiveFailures++;
      this.#update({ failures: this.status.failures + 1, lastError: faultOf(err) });
      const delay = backoffDelay(this.#receiveFailures, this.#backoff, this.#random);
      this.#receiveTimer = setTimeout(() => {
        this.#receiveTimer = undefined;
        void this.#startReceiver(false);
      }, delay);
    }
  }

  /** Whether the receiver runs (false while a transient fault keeps it from starting). */
  get receiving(): boolean {
    return this.#receiver?.active ?? false;
  }

  /** Runs as soon as possible (after the run in progress, if one is). */
  wake(): void {
    if (this.#stopped || !this.#started) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#schedule(0);
  }

  /**
   * One run now, outside the schedule (or the run in progress, if one is): sends what is pending until the
   * outbox is empty or a fault ends the run. Works without `start()` (send-only).
   */
  runOnce(): Promise<SdcPumpRun> {
    if (this.#stopped) return Promise.reject(new SdcPumpError('ERR_SDC_PUMP_STOPPED', 'the pump was stopped'));
    if (this.#running) return this.#running;
    const run = this.#run().finally(() => {
      this.#running = undefined;
    });
    this.#running = run;
    return run;
  }

  /**
   * Waits until the intake has been quiet for `quietMs` (no container taken in, none being taken in) and
   * no run is in progress: what `--once` uses to know the medium was drained.
   */
  async settle(quietMs: number, timeoutMs = 10 * 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let quietSince = Date.now();
    while (!this.#stopped) {
      if (this.#intakes.size > 0 || this.#running) quietSince = Date.now();
      if (Date.now() - quietSince >= quietMs) return;
      if (Date.now() > deadline) return;
      await new Promise((r) => setTimeout(r, Math.min(50, quietMs)));
    }
  }

  /**
   * Stops: no new runs, waits for the run in progress, stops the receiver (running intakes finish; what
   * is not acknowledged stays on the medium), closes the transport if `closeTransport`, completes
   * `status$`. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    clearTimeout(this.#receiveTimer);
    this.#receiveTimer = undefined;
    await this.#running?.catch(() => undefined);
    await this.#receiver?.close();
    if (this.#closeTransport) await this.#transport.close();
    for (const s of this.#subscriptions) s.unsubscribe();
    this.#status.next({ ...this.#status.getValue(), state: 'stopped', at: this.#clock.now(), nextRunAt: undefined });
    this.#status.complete();
  }

  #update(patch: Partial<SdcPumpStatus>, at: Date = this.#clock.now()): void {
    if (this.#status.closed) return;
    const next = { ...this.#status.getValue(), ...patch, at };
    this.#status.next(next);
  }

  #schedule(delayMs: number, state: 'waiting' | 'backoff' = 'waiting'): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    // One reading of the clock: `nextRunAt - at` is exactly the delay, even when the millisecond turns in between.
    const at = this.#clock.now();
    this.#update({ state, nextRunAt: new Date(at.getTime() + delayMs) }, at);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.runOnce().catch(() => undefined);
    }, delayMs);
  }

  async #run(): Promise<SdcPumpRun> {
    const startedAt = this.#clock.now();
    this.#update({ state: 'running', nextRunAt: undefined });
    let sent = 0;
    let failed = 0;
    let error: { code: string; message: string } | undefined;
    try {
      if (this.#mailbox.process) await this.#mailbox.process();
      // Ids handled in this run: a mailbox that keeps a failed entry pending does not make the run loop.
      const seen = new Set<string>();
      for (;;) {
        const batch = (await this.#mailbox.pending(this.#batchSize)).filter((e) => !seen.has(e?.id));
        if (batch.length === 0) break;
        for (const entry of batch) {
          if (this.#stopped) break;
          seen.add(entry?.id);
          try {
            checkEntry(entry);
            if (!this.#transport.canSend(entry.to)) {
              throw new SdcPumpError(
                'ERR_SDC_PUMP_BAD_ENTRY',
                `no transport sends to ${JSON.stringify(entry.to.slice(0, 200))}`,
              );
            }
            const receipt = await this.#transport.send({
              id: entry.id,
              from: this.#transport.address,
              to: entry.to,
              contentType: entry.contentType ?? SDC_SMIME_CONTENT_TYPE,
              body: entry.body,
              ...(entry.headers === undefined ? {} : { headers: { ...entry.headers } }),
            });
            await this.#mailbox.markSent(entry.id, receipt);
            sent++;
            this.#update({ sent: this.status.sent + 1 });
          } catch (err) {
            if (!isPermanentSendFailure(err) || typeof entry?.id !== 'string') throw err;
            const fault = faultOf(err);
            await this.#mailbox.markFailed(entry.id, fault);
            failed++;
            this.#update({ failures: this.status.failures + 1, lastError: fault });
          }
        }
        if (this.#stopped) break;
      }
    } catch (err) {
      error = faultOf(err);
    }
    const run: SdcPumpRun = { startedAt, endedAt: this.#clock.now(), sent, failed, ...(error ? { error } : {}) };
    const s = this.status;
    if (error) {
      const consecutiveFailures = s.consecutiveFailures + 1;
      this.#update({ lastRun: run, failures: s.failures + 1, consecutiveFailures, lastError: error });
      this.#schedule(backoffDelay(consecutiveFailures, this.#backoff, this.#random), 'backoff');
    } else {
      this.#update({ lastRun: run, consecutiveFailures: 0 });
      if (this.#started) {
        if (this.#again) {
          this.#again = false;
          this.#schedule(0);
        } else this.#schedule(this.#intervalMs);
      } else this.#update({ state: 'idle' });
    }
    return run;
  }

  #intake(m: ReceivedMessage): Promise<HandlerResult | undefined> {
    const work = this.#intakeNow(m);
    this.#intakes.add(work);
    return work.finally(() => this.#intakes.delete(work));
  }

  async #intakeNow(m: ReceivedMessage): Promise<HandlerResult | undefined> {
    const incoming: SdcIncoming = {
      id: m.id,
      from: m.from,
      to: m.to,
      contentType: m.contentType,
      body: new Uint8Array(m.body),
      headers: { ...m.headers },
      receivedAt: m.receivedAt,
      via: m.via,
    };
    let result: Awaited<ReturnType<SdcMailbox['deliver']>>;
    try {
      result = await this.#mailbox.deliver(incoming);
    } catch (err) {
      // Not acknowledged: the transport keeps it and delivers it again.
      this.#update({ failures: this.status.failures + 1, lastError: faultOf(err) });
      throw err;
    }
    this.#lastIntakeAt = this.#clock.now().getTime();
    const s = this.status;
    if (result.outcome === 'rejected') {
      this.#update({ rejected: s.rejected + 1 });
      return { outcome: 'rejected', reason: result.reason };
    }
    if (result.outcome === 'duplicate') this.#update({ duplicates: s.duplicates + 1 });
    else this.#update({ received: s.received + 1 });
    if (this.#runAfterIntake !== false && this.#started && !this.#stopped) {
      const due = this.#clock.now().getTime() + this.#runAfterIntake;
      const next = this.status.nextRunAt?.getTime();
      if (this.#running) this.#again = true;
      else if (this.status.state !== 'backoff' && (next === undefined || next > due))
        this.#schedule(this.#runAfterIntake);
    }
    return undefined;
  }
}

/**
 * Options of {@link runPumpOnce}.
 *
 * @example
 * ```ts
 * import type { RunPumpOnceOptions } from '@semper/sdc';
 * const options: RunPumpOnceOptions = { mailbox, transport, settleMs: 2000 };
 * ```
 */
export interface RunPumpOnceOptions extends Omit<SdcPumpOptions, 'intervalMs'> {
  /**
   * How long the intake must have been quiet before the pass ends, in ms (default 2000): keep it above
   * the transport's own poll interval, so that the medium was looked at at least once.
   */
  readonly settleMs?: number;
  /** The longest the pass may take, in ms (default 10 min). */
  readonly timeoutMs?: number;
  /** Told every status of the pump (a status line). */
  readonly onStatus?: (status: SdcPumpStatus) => void;
}

/**
 * One pass of the pump (`semper sdc pump --once`): sends what is pending, takes in what is waiting on the
 * medium until the intake has been quiet for `settleMs`, sends the answers that produced (receipts, import
 * responses), stops. Resolves with the final status (state `stopped`). The transport stays open unless
 * `closeTransport`.
 *
 * @example
 * ```ts
 * import { formatPumpStatus, runPumpOnce } from '@semper/sdc';
 * const status = await runPumpOnce({ mailbox, transport, settleMs: 1000 });
 * console.log(formatPumpStatus(status));
 * ```
 */
export async function runPumpOnce(options: RunPumpOnceOptions): Promise<SdcPumpStatus> {
  const settleMs = options.settleMs ?? 2000;
  if (!Number.isSafeInteger(settleMs) || settleMs < 0) {
    throw new SdcPumpError('ERR_SDC_PUMP_INVALID_ARGUMENT', 'settleMs is a number of ms');
  }
  const pump = new SdcPump({ retryReceiveStart: false, ...options, intervalMs: 2 ** 31 - 1 });
  const subscription = options.onStatus ? pump.status$.subscribe(options.onStatus) : undefined;
  try {
    await pump.start();
    await pump.runOnce();
    await pump.settle(settleMs, options.timeoutMs);
    await pump.runOnce();
  } finally {
    await pump.stop();
    subscription?.unsubscribe();
  }
  return pump.status;
}
