import type { EvidenceArchive } from '@semper/archive';
import { EVIDENCE_ARCHIVE } from '@semper/archive';
import type { Channel, HandlerResult, ReceivedMessage } from '@semper/comms';
import { CHANNEL } from '@semper/comms';
import {
  CLOCK,
  type Clock,
  EVENT_BUS,
  EventBus,
  type EventInput,
  MODULE_POLICY,
  Money,
  type ModulePolicy,
  negotiate,
  newId,
  POLICY_CONTEXT,
  PREFERENCES,
  type PolicyContext,
  type Preferences,
  SemperError,
  ServiceManager,
} from '@semper/core';
import { UnsupportedOperationError } from '@semper/core/spi';
import {
  type Certificate,
  type ChainValidator,
  commonNameOf,
  type Identity,
  inspectSignedData,
  signData,
  verifySignedData,
} from '@semper/crypto';
import { STORE, type Store, migrate, type Queryable } from '@semper/store';
import { TRUSTED_IO, type TrustedIo } from '@semper/trusted-io';
import { inject, injectable, injectAll } from 'tsyringe';
import type { AbstractPaymentModule } from './abstract-payment-module.js';
import {
  AmountExceedsAuthorizedError,
  PaymentError,
  PaymentModuleFaultError,
  PaymentProtocolError,
  PaymentTimeoutError,
  RefundExceedsCapturedError,
} from './errors.js';
import { PAYMENTS_MIGRATIONS } from './migrations.js';
import {
  checkIdempotencyKey,
  claimIdempotencyKey,
  completeIdempotencyKey,
  insertRecord,
  listRecords,
  logOperation,
  type OperationEntry,
  orphanedIdempotencyKeys,
  type RecordChange,
  readOperations,
  readRecord,
  releaseIdempotencyKey,
  type StoredRecord,
  sha256,
  stableJson,
  updateRecord,
} from './payment.records.js';
import type {
  CaptureResult,
  IncomingPaymentRequest,
  PaymentEvent,
  PaymentResult,
  RecoveryReport,
  RedeemResult,
  RefundResult,
  VoidResult,
} from './payment.results.js';
import { abortError, PaymentSession } from './payment.session.js';
import {
  decodeWire,
  encodeWire,
  MAX_NEGOTIATION_BYTES,
  MODULE_CONTENT_TYPE,
  MODULE_STEP,
  NEGOTIATION_CONTENT_TYPE,
  PARTY_HEADER,
  PARTY_ID,
  PAYMENT_HEADER,
  PAYMENT_REQUEST_ECONTENT_TYPE,
  refuseSchema,
  requestSchema,
  STEP_ABORT,
  STEP_HEADER,
  STEP_REFUSE,
  STEP_REQUEST,
  STEP_SELECT,
  SIGNED_REQUEST_CONTENT_TYPE,
  selectSchema,
  TRANSACTION_ID,
  TX_HEADER,
  type WireRequest,
  type WireSelect,
} from './payment.wire.js';
import { PAYMENT_MANAGER_OPTIONS, PAYMENT_MODULE } from './tokens.js';
import type {
  EvidenceDirection,
  JsonValue,
  PaymentHookContext,
  PaymentMode,
  PaymentModuleDescriptor,
  PaymentOperation,
  PaymentPeer,
  PaymentRecord,
  PaymentRole,
  Purse,
  RecoveryOutcome,
  TransactionState,
} from './types.js';

/**
 * A payment module of any purse type, as the manager holds them.
 *
 * @example
 * ```ts
 * import type { AnyPaymentModule } from '@semper/payments';
 * const ids = (modules: readonly AnyPaymentModule[]) => modules.map((m) => m.id);
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: modules of any purse type
export type AnyPaymentModule = AbstractPaymentModule<any>;
type AnyModule = AnyPaymentModule;

/**
 * Options of a {@link PaymentManager} besides its collaborators.
 *
 * - `party`: this party's id, as the other party and the purses know it;
 * - `purses`: the party's purses (one per module at most); more with `attachPurse`;
 * - `stepTimeoutMs`: how long a module waits for the other side's next message (default 30 000);
 * - `negotiationTimeoutMs`: how long a payee waits for the payer's choice, and `pay` for a request
 *   (default 60 000);
 * - `maxMessageBytes`: the largest module message accepted (default 256 KiB);
 * - `attachChannel`: whether `start()` installs the manager as the channel's message handler
 *   (default true; false when the application routes messages to `handleMessage` itself);
 * - `maxPendingRequests`: requests kept for `pay` at most (default 1000);
 * - `identity`: the party's signing identity; a payee that has one signs each payment request (CMS
 *   SignedData over the request, its certificate chain included), so the payer can see who asks;
 * - `trust`: at the payer, the trust anchors (a `TrustStore`) or an RFC 5280 validator
 *   (`@semper/certificates`) that a payee's certificate must chain to; a signed request whose signature,
 *   chain or party id does not check is refused before it reaches `pay`;
 * - `requireSignedRequests`: refuse unsigned requests (default true when `trust` is given, else false);
 *   an unsigned request, or a signed one a payer without `trust` cannot check, is shown to the user as
 *   "not verified";
 * - `partyOf`: the party id a certificate names (default the first CN of its subject, else the subject).
 *
 * @example
 * ```ts
 * import type { PaymentManagerOptions } from '@semper/payments';
 * const options: PaymentManagerOptions = { party: 'alice', stepTimeoutMs: 10_000 };
 * ```
 */
export interface PaymentManagerOptions {
  readonly party: string;
  readonly purses?: readonly Purse[];
  readonly stepTimeoutMs?: number;
  readonly negotiationTimeoutMs?: number;
  readonly maxMessageBytes?: number;
  readonly attachChannel?: boolean;
  readonly maxPendingRequests?: number;
  readonly identity?: Identity;
  readonly trust?: ChainValidator;
  readonly requireSignedRequests?: boolean;
  readonly partyOf?: (certificate: Certificate) => string;
}

/**
 * What the payee asks for (`requestPayment`).
 *
 * - `to`: the payer's comms address;
 * - `modules`: the module ids the payee accepts (default every module it holds a purse for that
 *   policy allows, in the payee's preference order);
 * - `transactionId`: default a new `pay_…` id;
 * - `timeoutMs`: how long to wait for the payer's choice (default the manager's).
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * import type { PaymentRequestInput } from '@semper/payments';
 * const input: PaymentRequestInput = {
 *   to: 'mem:alice', amount: Money.parse('12.50', 'EUR'), idempotencyKey: 'order-42', reference: 'order 42',
 * };
 * ```
 */
export interface PaymentRequestInput {
  readonly to: string;
  readonly amount: Money;
  readonly idempotencyKey: string;
  readonly mode?: PaymentMode;
  readonly modules?: readonly string[];
  readonly reference?: string;
  readonly transactionId?: string;
  readonly timeoutMs?: number;
  readonly context?: PolicyContext;
  readonly signal?: AbortSignal;
}

/**
 * What the payer gives `pay`: which request to answer (by `transactionId`, or the next one `from` an
 * address, or simply the next one), an idempotency key, and optionally the modules it is willing to use.
 *
 * @example
 * ```ts
 * import type { PayInput } from '@semper/payments';
 * const input: PayInput = { transactionId: 'pay_01J…', idempotencyKey: 'pay-order-42' };
 * ```
 */
export interface PayInput {
  readonly idempotencyKey: string;
  readonly transactionId?: string;
  readonly from?: string;
  readonly modules?: readonly string[];
  readonly timeoutMs?: number;
  readonly context?: PolicyContext;
  readonly signal?: AbortSignal;
}

/**
 * An operation on an existing transaction: its idempotency key and, for capture and refund, the amount
 * (default: everything that remains authorized / refundable).
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * import type { OperationInput } from '@semper/payments';
 * const input: OperationInput = { idempotencyKey: 'refund-42-1', amount: Money.parse('2.00', 'EUR') };
 * ```
 */
export interface OperationInput {
  readonly idempotencyKey: string;
  readonly amount?: Money;
  readonly signal?: AbortSignal;
}

interface Incoming {
  readonly request: WireRequest;
  readonly bytes: Uint8Array;
  /** Set when the request was signed and the signature, the chain and the party id checked. */
  readonly payeeChain?: readonly Certificate[];
  readonly from: string;
  readonly receivedAt: Date;
  /** Process time of arrival (timers are real even when the clock is not). */
  readonly arrivedAtMs: number;
  claimed: boolean;
}

interface InboxWaiter {
  readonly match: (i: Incoming) => boolean;
  readonly resolve: (i: Incoming) => void;
}

const DEFAULT_STEP_TIMEOUT = 30_000;
const DEFAULT_NEGOTIATION_TIMEOUT = 60_000;
const DEFAULT_MAX_MESSAGE = 256 * 1024;

function bad(message: string): PaymentError {
  return new PaymentError('ERR_PAYMENTS_INVALID_ARGUMENT', message);
}

function positiveInt(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) throw bad(`${what} is a positive integer`);
  return value;
}

function codeOf(err: unknown): string | undefined {
  return err instanceof SemperError ? err.code : undefined;
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

function unb64(text: unknown): Uint8Array | undefined {
  return typeof text === 'string' ? new Uint8Array(Buffer.from(text, 'base64')) : undefined;
}

function moneyOf(json: unknown): Money | undefined {
  return json === undefined || json === null ? undefined : Money.fromJSON(json);
}

/** The default party id of a certificate: its first CN, else its whole subject. */
function defaultPartyOf(certificate: Certificate): string {
  return commonNameOf(certificate.subjectDer) ?? certificate.subject;
}

const FINAL_FOR_PAYMENT: ReadonlySet<string> = new Set(['captured', 'authorized', 'declined', 'cancelled', 'failed']);

/**
 * The payments block's manager (SEMPER's payment manager): one interface to every payment system.
 * A payee asks for a payment (`requestPayment`), the payer answers it (`pay`); the two managers
 * negotiate the module over the party's comms channel, then run the module's payer and payee sides
 * against each other, and each keeps the transaction's record (`@semper/store`) and every message as
 * evidence (`@semper/archive`).
 *
 * - **Negotiation**: the payee states amount, currency, mode and the modules it accepts; the payer
 *   picks by the intersection with the modules it holds purses for, its policy (`ModulePolicy`: forbidden
 *   modules, jurisdictions, capabilities) and preferences, and asks trusted-io (`choose`) when more than
 *   one remains; then confirms the amount and the payee through trusted-io (`confirm`) before any value
 *   moves. No common module, no choice, or no confirmation is a `cancelled` result at both sides.
 * - **Records**: written (state `pending`, the operation pending) before a module is called, updated in
 *   one database transaction with the outcome and the idempotency key's result; captures never exceed
 *   what was authorized, refunds never what was captured: checked under a row lock, and by CHECK
 *   constraints.
 * - **Idempotency**: every operation takes a key; the same key with the same request gives the first
 *   result, with another request `ERR_PAYMENTS_IDEMPOTENCY_CONFLICT`.
 * - **Results and faults**: declines and cancellations are returned; a module's fault is thrown as
 *   `PaymentModuleFaultError` (`ERR_PAYMENTS_MODULE_FAULT`) with the module's error as `cause`, and the
 *   transaction stays pending until recovery settles it.
 * - **Recovery**: `start()` finds every pending transaction and asks its module (`onRecover`).
 * - **Events** on `events$` and the party's `EventBus`.
 *
 * @example
 * ```ts
 * import 'reflect-metadata';
 * import { Money, ModulePolicy, Preferences, SystemClock, EventBus } from '@semper/core';
 * import { Channel, createMemoryTransport, MemoryBroker } from '@semper/comms';
 * import { openArchive } from '@semper/archive';
 * import { openStore } from '@semper/store';
 * import { PolicyTrustedIo } from '@semper/trusted-io';
 * import { createPaymentManager } from '@semper/payments';
 *
 * declare const payerModule: import('@semper/payments/spi').AbstractPaymentModule;
 * declare const payeeModule: import('@semper/payments/spi').AbstractPaymentModule;
 * const broker = new MemoryBroker();
 * async function party(name: string, module: typeof payerModule) {
 *   const store = await openStore('pglite:memory');
 *   return createPaymentManager({
 *     party: name,
 *     modules: [module],
 *     purses: [await module.openPurse(name, {})],
 *     store,
 *     archive: await openArchive({ store, name }),
 *     channel: new Channel(createMemoryTransport({ broker, name })),
 *     trustedIo: new PolicyTrustedIo({ rules: [{ name: 'all', effect: 'approve', kinds: ['payment'] }] }),
 *   });
 * }
 * const alice = await party('alice', payerModule);
 * const shop = await party('shop', payeeModule);
 * await Promise.all([alice.start(), shop.start()]);
 * const [received, paid] = await Promise.all([
 *   shop.requestPayment({ to: 'mem:alice', amount: Money.parse('9.90', 'EUR'), idempotencyKey: 'order-1' }),
 *   alice.pay({ from: 'mem:shop', idempotencyKey: 'pay-order-1' }),
 * ]);
 * console.log(received.status, paid.status); // captured captured
 * ```
 */
@injectable()
export class PaymentManager extends ServiceManager<AnyModule> {
  /** This party's id. */
  readonly party: string;
  /** The block's events (also published on the party's `EventBus`, if one is given). */
  readonly events$: EventBus<PaymentEvent>['events$'];

  readonly #clock: Clock;
  readonly #bus: EventBus | undefined;
  readonly #store: Store;
  readonly #archive: EvidenceArchive;
  readonly #trustedIo: TrustedIo;
  readonly #channel: Channel;
  readonly #options: PaymentManagerOptions;
  readonly #stepTimeoutMs: number;
  readonly #negotiationTimeoutMs: number;
  readonly #maxMessageBytes: number;
  readonly #maxPending: number;
  readonly #identity: Identity | undefined;
  readonly #trust: ChainValidator | undefined;
  readonly #requireSigned: boolean;
  readonly #partyOf: (certificate: Certificate) => string;
  readonly #modules = new Map<string, AnyModule>();
  readonly #purses = new Map<string, Purse>();
  readonly #sessions = new Map<string, PaymentSession>();
  readonly #inbox = new Map<string, Incoming>();
  readonly #inboxWaiters: InboxWaiter[] = [];
  readonly #inflight = new Map<string, { digest: string; promise: Promise<unknown> }>();
  readonly #events: EventBus<PaymentEvent>;
  readonly #closer = new AbortController();
  #started: Promise<RecoveryReport> | undefined;
  #migrated: Promise<unknown> | undefined;
  #closed = false;

  constructor(
    @injectAll(PAYMENT_MODULE, { isOptional: true }) modules: AnyModule[],
    @inject(MODULE_POLICY) policy: ModulePolicy,
    @inject(PREFERENCES) preferences: Preferences,
    @inject(POLICY_CONTEXT) context: PolicyContext,
    @inject(CLOCK) clock: Clock,
    @inject(EVENT_BUS) bus: EventBus | undefined,
    @inject(STORE) store: Store,
    @inject(EVIDENCE_ARCHIVE) archive: EvidenceArchive,
    @inject(TRUSTED_IO) trustedIo: TrustedIo,
    @inject(CHANNEL) channel: Channel,
    @inject(PAYMENT_MANAGER_OPTIONS) options: PaymentManagerOptions,
  ) {
    super(modules ?? [], { block: 'payments', policy, preferences, context });
    if (typeof options !== 'object' || options === null) throw bad('PaymentManager needs options');
    if (typeof options.party !== 'string' || !PARTY_ID.test(options.party)) {
      throw bad('options.party is a party id: 1 to 256 printable characters without spaces');
    }
    for (const [name, value] of Object.entries({ store, archive, trustedIo, channel, clock })) {
      if (typeof value !== 'object' || value === null) throw bad(`PaymentManager needs a ${name}`);
    }
    this.party = options.party;
    this.#clock = clock;
    this.#bus = bus;
    this.#store = store;
    this.#archive = archive;
    this.#trustedIo = trustedIo;
    this.#channel = channel;
    this.#options = options;
    this.#stepTimeoutMs = positiveInt(options.stepTimeoutMs, DEFAULT_STEP_TIMEOUT, 'stepTimeoutMs');
    this.#negotiationTimeoutMs = positiveInt(
      options.negotiationTimeoutMs,
      DEFAULT_NEGOTIATION_TIMEOUT,
      'negotiationTimeoutMs',
    );
    this.#maxMessageBytes = positiveInt(options.maxMessageBytes, DEFAULT_MAX_MESSAGE, 'maxMessageBytes');
    this.#maxPending = positiveInt(options.maxPendingRequests, 1000, 'maxPendingRequests');
    if (options.trust !== undefined && typeof options.trust?.buildChain !== 'function') {
      throw bad('options.trust is a TrustStore or a chain validator');
    }
    if (options.partyOf !== undefined && typeof options.partyOf !== 'function') {
      throw bad('options.partyOf is a function of a certificate');
    }
    this.#trust = options.trust;
    this.#requireSigned = options.requireSignedRequests ?? options.trust !== undefined;
    if (this.#requireSigned && this.#trust === undefined) {
      throw bad('requireSignedRequests needs options.trust to check the signatures with');
    }
    this.#partyOf = options.partyOf ?? defaultPartyOf;
    if (options.identity !== undefined) {
      const id = options.identity;
      if (typeof id !== 'object' || id === null || typeof id.certificate?.subjectDer !== 'object') {
        throw bad('options.identity is an Identity (private key and certificate)');
      }
      const named = this.#partyOf(id.certificate);
      if (named !== options.party) {
        throw bad(
          `the identity's certificate names party ${JSON.stringify(named)}, not ${JSON.stringify(options.party)}`,
        );
      }
    }
    this.#identity = options.identity;
    for (const m of modules ?? []) {
      if (
        typeof (m as Partial<AnyModule>).pay !== 'function' ||
        typeof (m as Partial<AnyModule>).recover !== 'function'
      ) {
        throw bad(`module '${m.descriptor.id}' is not an AbstractPaymentModule`);
      }
      this.#modules.set(m.descriptor.id, m);
    }
    for (const purse of options.purses ?? []) this.attachPurse(purse);
    this.#events = new EventBus<PaymentEvent>(clock);
    this.events$ = this.#events.events$;
  }

  // ---------------------------------------------------------------------------------------------
  // Purses, records, lifecycle

  /**
   * Gives the manager the party's purse for a module (replacing an earlier one).
   *
   * @example
   * ```ts
   * declare const payments: import('@semper/payments').PaymentManager;
   * declare const module: import('@semper/payments/spi').AbstractPaymentModule;
   * payments.attachPurse(await module.openPurse(payments.party, { account: 'ACC-1' }));
   * ```
   */
  attachPurse(purse: Purse): void {
    if (typeof purse !== 'object' || purse === null) throw bad('a purse is an object');
    if (!this.#modules.has(purse.moduleId)) {
      throw new PaymentError(
        'ERR_PAYMENTS_PURSE_MISMATCH',
        `no module '${String(purse.moduleId).slice(0, 64)}' for this purse`,
      );
    }
    if (purse.owner !== this.party) {
      throw new PaymentError('ERR_PAYMENTS_PURSE_MISMATCH', `the purse is not party '${this.party}''s`);
    }
    this.#purses.set(purse.moduleId, purse);
  }

  /**
   * The party's purse for `moduleId`, if attached.
   *
   * @example
   * ```ts
   * declare const payments: import('@semper/payments').PaymentManager;
   * const balance = await payments.purse('payment-sim')?.balance?.();
   * ```
   */
  purse(moduleId: string): Purse | undefined {
    return this.#purses.get(moduleId);
  }

  /**
   * Applies the migrations, starts receiving on the channel (unless `attachChannel: false`) and
   * recovers every pending transaction (see {@link PaymentManager.recoverPending}). Idempotent.
   *
   * @example
   * ```ts
   * declare const payments: import('@semper/payments').PaymentManager;
   * const report = await payments.start();
   * console.log(report.recovered.length, report.stillPending.length);
   * ```
   */
  start(): Promise<RecoveryReport> {
    if (this.#closed) return Promise.reject(new PaymentError('ERR_PAYMENTS_INVALID_STATE', 'the manager is closed'));
    this.#started ??= (async () => {
      await this.#ready();
      if (this.#options.attachChannel !== false) {
        await this.#channel.start({ onMessage: (m) => this.handleMessage(m) });
      }
      return this.recoverPending();
    })();
    return this.#started;
  }

  /**
   * Stops: aborts running payment sessions (their modules see `ERR_PAYMENTS_ABORTED` or a timeout) and
   * refuses new operations. The channel, store and archive belong to the caller and stay open.
   *
   * @example
   * ```ts
   * declare const payments: import('@semper/payments').PaymentManager;
   * await payments.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closer.abort(new PaymentError('ERR_PAYMENTS_ABORTED', 'the payment manager closed'));
    for (const s of this.#sessions.values())
      s.abort(new PaymentError('ERR_PAYMENTS_ABORTED', 'the payment manager closed'));
    this.#sessions.clear();
    this.#events.complete();
  }

  /**
   * The record of a transaction at this party.
   *
   * @example
   * ```ts
   * declare const payments: import('@semper/payments').PaymentManager;
   * const record = await payments.transaction('pay_01J…');
   * console.log(record?.state, record?.captured.toString());
   * ```
   */
  async transaction(transactionId: string): Promise<PaymentRecord | undefined> {
    await this.#ready();
    if (typeof transactionId !== 'string' || !TRANSACTION_ID.test(transactionId)) return undefined;
    return readRecord(this.#store, this.party, transactionId);
  }

  /**
   * This party's transaction records (oldest first), optionally only those with a pending operation.
   *
   * @example
   * ```ts
   * declare const payments: import('@semper/payments').PaymentManager;
   * const pending = await payments.transactions({ pendingOnly: true });
   * ```
   */
  async transactions(
    filter: { readonly pendingOnly?: boolean; readonly limit?: number } = {},
  ): Promise<PaymentRecord[]> {
    await this.#ready();
    return listRecords(this.#store, this.party, filter);
  }

  /**
   * A transaction's history: every operation with its outcome.
   *
   * @example
   * ```ts
   * declare const payments: import('@semper/payments').PaymentManager;
   * for (const e of await payments.history('pay_01J…')) console.log(e.seq, e.operation, e.status);
   * ```
   */
  async history(transactionId: string): Promise<OperationEntry[]> {
    const record = await this.transaction(transactionId);
    if (record === undefined) return [];
    return readOperations(this.#store, this.party, transactionId, record.amount.currency);
  }

  /**
   * The payment requests waiting for `pay`.
   *
   * @example
   * ```ts
   * declare const payments: import('@semper/payments').PaymentManager;
   * for (const r of payments.pendingRequests()) console.log(r.payee, r.amount.toString());
   * ```
   */
  pendingRequests(): IncomingPaymentRequest[] {
    this.#dropStaleRequests();
    return [...this.#inbox.values()].filter((i) => !i.claimed).map((i) => this.#describeIncoming(i));
  }

  /**
   * Forgets requests older than the negotiation timeout: their payee has stopped waiting for an answer,
   * so paying them would only start a protocol nobody finishes.
   */
  #dropStaleRequests(): void {
    const oldest = Date.now() - this.#negotiationTimeoutMs;
    for (const [id, i] of this.#inbox) {
      if (!i.claimed && i.arrivedAtMs < oldest) {
        this.#inbox.delete(id);
        this.#sessions.delete(id);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Payee: request a payment

  /**
   * At the payee: asks the payer at `to` for `amount`, waits for its choice of module, runs the
   * module's payee side against the payer's, and returns the outcome. Declines and cancellations are
   * returned; a module's fault is thrown (`ERR_PAYMENTS_MODULE_FAULT`, the module's error as `cause`),
   * the transaction then waits for recovery. No answer from the payer within the timeout throws
   * `ERR_PAYMENTS_TIMEOUT` (nothing was recorded: the key may be used again).
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * declare const shop: import('@semper/payments').PaymentManager;
   * const result = await shop.requestPayment({ to: 'mem:alice', amount: Money.parse('9.90', 'EUR'), idempotencyKey: 'order-1' });
   * if (result.status === 'captured') console.log('paid', result.transactionId);
   * ```
   */
  async requestPayment(input: PaymentRequestInput): Promise<PaymentResult> {
    this.#checkOpen();
    if (typeof input !== 'object' || input === null) throw bad('requestPayment takes an input object');
    const key = checkIdempotencyKey(input.idempotencyKey);
    if (typeof input.to !== 'string' || input.to.length === 0 || input.to.length > 2048) throw bad('to is an address');
    if (!Money.isMoney(input.amount) || !input.amount.isPositive()) throw bad('amount is positive Money');
    const mode = input.mode ?? 'sale';
    if (mode !== 'sale' && mode !== 'authorize') throw bad("mode is 'sale' or 'authorize'");
    if (input.reference !== undefined && (typeof input.reference !== 'string' || input.reference.length > 200)) {
      throw bad('reference is at most 200 characters');
    }
    if (input.transactionId !== undefined && !TRANSACTION_ID.test(input.transactionId)) {
      throw bad('transactionId is 1 to 100 letters, digits, _ . : -');
    }
    if (
      input.modules !== undefined &&
      (!Array.isArray(input.modules) || !input.modules.every((m) => typeof m === 'string'))
    ) {
      throw bad('modules is a list of module ids');
    }
    const transactionId = input.transactionId ?? newId('pay');
    const payload = {
      operation: 'receive',
      to: input.to,
      amount: input.amount,
      mode,
      modules: input.modules,
      reference: input.reference,
      transactionId: input.transactionId,
    };
    return this.#idempotent(
      key,
      'receive',
      payload,
      transactionId,
      (result) => this.#decodePaymentResult(result),
      () => this.#receive(input, key, transactionId, mode),
    );
  }

  async #receive(
    input: PaymentRequestInput,
    key: string,
    transactionId: string,
    mode: PaymentMode,
  ): Promise<PaymentResult> {
    await this.start();
    const context = input.context ?? this.context;
    const currency = input.amount.currency;
    const preferred = this.preferences?.preferredModules(this.block) ?? [];
    const acceptable = this.available(context)
      .filter((d) => this.#purses.has(d.id))
      .filter((d) => input.modules === undefined || input.modules.includes(d.id))
      .filter((d) => this.#payment(d).currencies.includes(currency))
      .filter((d) => mode === 'sale' || this.#payment(d).twoPhase)
      .sort((a, b) => rank(preferred, a.id) - rank(preferred, b.id));
    if (acceptable.length === 0) {
      return { status: 'cancelled', transactionId, reason: 'no-acceptable-module' };
    }
    const request: WireRequest = {
      v: 1,
      transactionId,
      payee: this.party,
      amount: { amount: input.amount.amount.toString(), currency },
      mode,
      ...(input.reference === undefined ? {} : { reference: input.reference }),
      modules: acceptable.map((d) => ({ id: d.id, version: d.version, capabilities: this.#flatCapabilities(d) })),
    };
    const session = new PaymentSession(transactionId, input.to, '');
    if (this.#sessions.has(transactionId) || (await readRecord(this.#store, this.party, transactionId)) !== undefined) {
      throw new PaymentError('ERR_PAYMENTS_INVALID_STATE', `a transaction '${transactionId}' exists already`);
    }
    this.#sessions.set(transactionId, session);
    try {
      const signal = this.#signal(input.signal);
      try {
        await this.#sendRequest(session, request);
      } catch (err) {
        // The payer's side refused the request on arrival, and the transport says so (HTTP): a refusal.
        if (codeOf(err) !== 'ERR_COMMS_REJECTED') throw err;
        const message = err instanceof Error ? err.message.slice(0, 500) : undefined;
        return { status: 'cancelled', transactionId, reason: 'request-not-accepted', ...(message ? { message } : {}) };
      }
      const timeoutMs = positiveInt(input.timeoutMs, this.#negotiationTimeoutMs, 'timeoutMs');
      const answer = await Promise.race([
        session.next(STEP_SELECT, timeoutMs, signal).then((bytes) => ({ kind: 'select' as const, bytes })),
        session.next(STEP_REFUSE, timeoutMs, signal).then((bytes) => ({ kind: 'refuse' as const, bytes })),
      ]);
      if (answer.kind === 'refuse') {
        const refusal = decodeWire(refuseSchema, answer.bytes, STEP_REFUSE);
        return { status: 'cancelled', transactionId, reason: refusal.reason };
      }
      const select = decodeWire(selectSchema, answer.bytes, STEP_SELECT);
      if (select.transactionId !== transactionId) throw new PaymentProtocolError(STEP_SELECT, 'another transaction');
      const offered = acceptable.find((d) => d.id === select.module.id && d.version === select.module.version);
      if (offered === undefined) throw new PaymentProtocolError(STEP_SELECT, 'a module that was not offered');
      session.remoteParty = select.payer;
      const module = this.get(offered.id, context);
      const purse = this.#purses.get(offered.id) as Purse;
      this.#emit({
        type: 'payments.module-selected',
        transactionId,
        role: 'payee',
        moduleId: offered.id,
        decidedBy: 'payer',
      });
      await this.#store.transaction(async (tx) => {
        await insertRecord(tx, this.party, {
          id: transactionId,
          moduleId: offered.id,
          role: 'payee',
          mode,
          amount: input.amount,
          payer: select.payer,
          payee: this.party,
          peerAddress: input.to,
          ...(input.reference === undefined ? {} : { reference: input.reference }),
          pendingOperation: 'receive',
          pendingKey: key,
          at: this.#clock.now(),
        });
        await setKeyTransaction(tx, this.party, key, transactionId);
      });
      const hook = this.#hookContext(transactionId, key, offered.id, signal);
      let outcome: Awaited<ReturnType<AnyModule['receive']>>;
      try {
        outcome = await module.receive({
          ...hook,
          role: 'payee',
          amount: input.amount,
          mode,
          payer: select.payer,
          payee: this.party,
          purse,
          peer: this.#peer(session, offered.id, signal),
          ...(input.reference === undefined ? {} : { reference: input.reference }),
        });
      } catch (err) {
        throw await this.#fault(session, transactionId, 'payee', offered.id, 'receive', err);
      }
      return this.#finishPayment(transactionId, key, offered, outcome, 'receive');
    } finally {
      this.#sessions.delete(transactionId);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Payer: answer a request

  /**
   * At the payer: takes a payee's request (the one with `transactionId`, the next one `from` an
   * address, or the next one; waiting for it up to the timeout), negotiates the module (intersection,
   * policy, preferences, trusted-io `choose` when several remain), asks trusted-io to `confirm` the
   * amount and the payee, then runs the module's payer side. Returns the outcome; a refusal at any step
   * is `cancelled` (and the payee is told); a module's fault is thrown with the module's error as
   * `cause`.
   *
   * @example
   * ```ts
   * declare const alice: import('@semper/payments').PaymentManager;
   * const result = await alice.pay({ from: 'mem:shop', idempotencyKey: 'pay-order-1' });
   * console.log(result.status);
   * ```
   */
  async pay(input: PayInput): Promise<PaymentResult> {
    this.#checkOpen();
    if (typeof input !== 'object' || input === null) throw bad('pay takes an input object');
    const key = checkIdempotencyKey(input.idempotencyKey);
    if (input.transactionId !== undefined && !TRANSACTION_ID.test(input.transactionId)) throw bad('bad transactionId');
    if (input.from !== undefined && (typeof input.from !== 'string' || input.from.length > 2048)) throw bad('bad from');
    if (
      input.modules !== undefined &&
      (!Array.isArray(input.modules) || !input.modules.every((m) => typeof m === 'string'))
    ) {
      throw bad('modules is a list of module ids');
    }
    const payload = { operation: 'pay', transactionId: input.transactionId, from: input.from, modules: input.modules };
    return this.#idempotent(
      key,
      'pay',
      payload,
      input.transactionId,
      (r) => this.#decodePaymentResult(r),
      () => this.#pay(input, key),
    );
  }

  /**
   * At the payer: refuses a waiting request (the payee's `requestPayment` returns `cancelled` with
   * `reason`).
   *
   * @example
   * ```ts
   * declare const alice: import('@semper/payments').PaymentManager;
   * await alice.refuseRequest('pay_01J…', 'not-now');
   * ```
   */
  async refuseRequest(transactionId: string, reason = 'refused'): Promise<boolean> {
    const incoming = this.#inbox.get(transactionId);
    const session = this.#sessions.get(transactionId);
    if (incoming === undefined || incoming.claimed || session === undefined) return false;
    incoming.claimed = true;
    this.#inbox.delete(transactionId);
    await this.#sendNegotiation(session, STEP_REFUSE, { v: 1, transactionId, reason: reason.slice(0, 200) });
    this.#sessions.delete(transactionId);
    return true;
  }

  async #pay(input: PayInput, key: string): Promise<PaymentResult> {
    await this.start();
    const signal = this.#signal(input.signal);
    const timeoutMs = positiveInt(input.timeoutMs, this.#negotiationTimeoutMs, 'timeoutMs');
    const incoming = await this.#takeRequest(
      (i) =>
        (input.transactionId === undefined || i.request.transactionId === input.transactionId) &&
        (input.from === undefined || i.from === input.from),
      timeoutMs,
      signal,
    );
    const request = incoming.request;
    const transactionId = request.transactionId;
    const session = this.#sessions.get(transactionId);
    if (session === undefined) throw new PaymentError('ERR_PAYMENTS_INVALID_STATE', 'the request was dropped');
    this.#inbox.delete(transactionId);
    try {
      await setKeyTransaction(this.#store, this.party, key, transactionId);
      const amount = Money.fromJSON(request.amount);
      const context = input.context ?? this.context;
      const refuse = async (
        reason: string,
        extra: { moduleId?: string; message?: string } = {},
      ): Promise<PaymentResult> => {
        await this.#sendNegotiation(session, STEP_REFUSE, { v: 1, transactionId, reason });
        return { status: 'cancelled', transactionId, reason, ...extra };
      };
      const local = this.descriptors()
        .filter((d) => this.#purses.has(d.id))
        .filter((d) => input.modules === undefined || input.modules.includes(d.id))
        .filter((d) => request.mode === 'sale' || this.#payment(d).twoPhase);
      const requirements = { currencies: amount.currency, ...(request.mode === 'authorize' ? { twoPhase: true } : {}) };
      const negotiation = negotiate(
        { modules: local, requirements },
        { modules: request.modules, requirements },
        {
          policy: this.policy,
          context,
          preferences: this.preferences?.preferredModules(this.block) ?? [],
          undecided: 'choice',
        },
      );
      let chosen: PaymentModuleDescriptor;
      let decidedBy: string;
      if (negotiation.outcome === 'none') {
        const why = negotiation.reasons.map((r) => `${r.module}: ${r.reason}`).join('; ');
        return refuse('no-acceptable-module', { message: why.slice(0, 1000) });
      } else if (negotiation.outcome === 'choice') {
        const choice = await this.#trustedIo.choose({
          purpose: 'payment module',
          block: this.block,
          options: negotiation.candidates.map((d) => ({
            id: d.id,
            label: d.id,
            detail: `${this.#payment(d).model}, ${this.#purses.get(d.id)?.label ?? 'purse'}`,
          })),
        });
        if (!choice.chosen) return refuse('module-not-chosen', { message: choice.reason });
        const picked = negotiation.candidates.find((d) => d.id === choice.id);
        if (picked === undefined) return refuse('module-not-chosen', { message: 'trusted-io chose no candidate' });
        chosen = picked;
        decidedBy = `trusted-io:${choice.by}`;
      } else {
        chosen = negotiation.module;
        decidedBy = negotiation.decidedBy;
      }
      this.#emit({ type: 'payments.module-selected', transactionId, role: 'payer', moduleId: chosen.id, decidedBy });
      const confirmation = await this.#trustedIo.confirm({
        kind: 'payment',
        title: `Pay ${request.payee}`.slice(0, 200),
        fields: [
          { label: 'Payee', value: request.payee },
          {
            label: 'Payee certificate',
            value:
              incoming.payeeChain === undefined
                ? 'NOT VERIFIED: the request is not signed by a certificate this party trusts'
                : `${incoming.payeeChain[0]?.subject} (issued by ${incoming.payeeChain[0]?.issuer})`,
          },
          { label: 'Amount', value: amount },
          { label: 'Payment', value: request.mode === 'authorize' ? 'authorization' : 'sale' },
          { label: 'Module', value: chosen.id },
          { label: 'Transaction', value: transactionId },
          ...(request.reference === undefined ? [] : [{ label: 'Reference', value: request.reference }]),
        ],
        amount,
        payee: request.payee,
        ...(incoming.payeeChain === undefined
          ? {}
          : { payeeRoot: `sha256:${sha256((incoming.payeeChain.at(-1) as Certificate).der)}` }),
        digest: sha256(incoming.bytes),
      });
      if (!confirmation.approved) {
        return refuse('not-confirmed', {
          moduleId: chosen.id,
          message: `${confirmation.code}: ${confirmation.reason}`,
        });
      }
      const module = this.get(chosen.id, context);
      const purse = this.#purses.get(chosen.id) as Purse;
      await this.#store.transaction(async (tx) => {
        await insertRecord(tx, this.party, {
          id: transactionId,
          moduleId: chosen.id,
          role: 'payer',
          mode: request.mode,
          amount,
          payer: this.party,
          payee: request.payee,
          peerAddress: incoming.from,
          ...(request.reference === undefined ? {} : { reference: request.reference }),
          pendingOperation: 'pay',
          pendingKey: key,
          at: this.#clock.now(),
        });
      });
      const select: WireSelect = {
        v: 1,
        transactionId,
        payer: this.party,
        module: { id: chosen.id, version: chosen.version },
      };
      const hook = this.#hookContext(transactionId, key, chosen.id, signal);
      let outcome: Awaited<ReturnType<AnyModule['pay']>>;
      try {
        await this.#sendNegotiation(session, STEP_SELECT, select);
        outcome = await module.pay({
          ...hook,
          role: 'payer',
          amount,
          mode: request.mode,
          payer: this.party,
          payee: request.payee,
          purse,
          peer: this.#peer(session, chosen.id, signal),
          ...(request.reference === undefined ? {} : { reference: request.reference }),
        });
      } catch (err) {
        throw await this.#fault(session, transactionId, 'payer', chosen.id, 'pay', err);
      }
      return this.#finishPayment(transactionId, key, chosen, outcome, 'pay');
    } finally {
      this.#sessions.delete(transactionId);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Payee: capture, void, refund

  /**
   * At the payee: captures an authorization (`amount` default: all of it; what is not captured is
   * released). More than was authorized throws `ERR_PAYMENTS_AMOUNT_EXCEEDS_AUTHORIZED`; an expired
   * authorization is returned as declined (`authorization-expired`) and the record becomes `expired`.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * declare const shop: import('@semper/payments').PaymentManager;
   * const r = await shop.capture('pay_01J…', { idempotencyKey: 'capture-1', amount: Money.parse('5.00', 'EUR') });
   * ```
   */
  async capture(transactionId: string, input: OperationInput): Promise<CaptureResult> {
    return this.#operation('capture', transactionId, input, async (record, module, purse, hook, amount) => {
      const outcome = await module.capture({ ...hook, record, purse, amount: amount as Money });
      return outcome.status === 'captured'
        ? {
            status: 'captured',
            change: { state: 'captured', captured: record.captured.add(outcome.amount) },
            amount: outcome.amount,
            extras: outcome,
          }
        : {
            status: 'declined',
            change: outcome.reason === 'authorization-expired' ? { state: 'expired' } : {},
            extras: outcome,
          };
    }) as Promise<CaptureResult>;
  }

  /**
   * At the payee: releases an authorization.
   *
   * @example
   * ```ts
   * declare const shop: import('@semper/payments').PaymentManager;
   * const r = await shop.void('pay_01J…', { idempotencyKey: 'void-1' });
   * console.log(r.status); // voided
   * ```
   */
  async void(transactionId: string, input: OperationInput): Promise<VoidResult> {
    return this.#operation('void', transactionId, input, async (record, module, purse, hook) => {
      const outcome = await module.voidAuthorization({ ...hook, record, purse });
      return outcome.status === 'voided'
        ? { status: 'voided', change: { state: 'voided' }, extras: outcome }
        : { status: 'declined', change: {}, extras: outcome };
    }) as Promise<VoidResult>;
  }

  /**
   * At the payee: refunds (part of) a captured payment (`amount` default: all that remains). More than
   * captured − refunded throws `ERR_PAYMENTS_REFUND_EXCEEDS_CAPTURED`. `payerToken`, when the module
   * makes one, is for the payer's `redeemRefund`.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * declare const shop: import('@semper/payments').PaymentManager;
   * const r = await shop.refund('pay_01J…', { idempotencyKey: 'refund-1', amount: Money.parse('2.00', 'EUR') });
   * ```
   */
  async refund(transactionId: string, input: OperationInput): Promise<RefundResult> {
    return this.#operation('refund', transactionId, input, async (record, module, purse, hook, amount) => {
      const outcome = await module.refund({ ...hook, record, purse, amount: amount as Money });
      if (outcome.status !== 'refunded') return { status: 'declined', change: {}, extras: outcome };
      const refunded = record.refunded.add(outcome.amount);
      return {
        status: 'refunded',
        change: { refunded, ...(refunded.equals(record.captured) ? { state: 'refunded' as const } : {}) },
        amount: outcome.amount,
        extras: outcome,
        ...(outcome.payerToken === undefined ? {} : { payerToken: outcome.payerToken }),
      };
    }) as Promise<RefundResult>;
  }

  /**
   * At the payer: takes in what a payee's refund produced (its `payerToken`), e.g. fresh coins.
   *
   * @example
   * ```ts
   * declare const alice: import('@semper/payments').PaymentManager;
   * declare const token: Uint8Array;
   * const r = await alice.redeemRefund('pay_01J…', { idempotencyKey: 'redeem-1', token });
   * ```
   */
  async redeemRefund(
    transactionId: string,
    input: { readonly idempotencyKey: string; readonly token: Uint8Array; readonly signal?: AbortSignal },
  ): Promise<RedeemResult> {
    this.#checkOpen();
    const key = checkIdempotencyKey(input?.idempotencyKey);
    if (!(input.token instanceof Uint8Array)) throw bad('token is bytes');
    const token = new Uint8Array(input.token);
    await this.start();
    const payload = { operation: 'redeem', transactionId, token: sha256(token) };
    return this.#idempotent(
      key,
      'redeem',
      payload,
      transactionId,
      (r) => this.#decodeOperationResult(r, transactionId),
      async () => {
        const record = await this.#require(transactionId);
        if (record.role !== 'payer')
          throw new PaymentError('ERR_PAYMENTS_INVALID_STATE', 'redeemRefund is for the payer');
        const module = this.#module(record.moduleId);
        const purse = this.#requirePurse(record.moduleId);
        const hook = this.#hookContext(transactionId, key, record.moduleId, this.#signal(input.signal));
        let outcome: Awaited<ReturnType<AnyModule['redeemRefund']>>;
        try {
          outcome = await module.redeemRefund({ ...hook, record, purse, token });
        } catch (err) {
          if (err instanceof PaymentError || err instanceof UnsupportedOperationError) throw err;
          this.#emit({
            type: 'payments.fault',
            transactionId,
            role: 'payer',
            moduleId: record.moduleId,
            operation: 'redeem',
            ...codeField(err),
          });
          throw new PaymentModuleFaultError(record.moduleId, 'redeemRefund', err);
        }
        return this.#store.transaction(async (tx) => {
          const now = this.#clock.now();
          const current = (await readRecord(tx, this.party, transactionId, true)) as StoredRecord;
          if (outcome.status === 'redeemed') {
            const refunded = current.refunded.add(outcome.amount);
            if (refunded.greaterThan(current.captured))
              throw new RefundExceedsCapturedError(outcome.amount, current.captured.subtract(current.refunded));
            await updateRecord(
              tx,
              this.party,
              transactionId,
              {
                refunded,
                ...(refunded.equals(current.captured) ? { state: 'refunded' } : {}),
                ...moduleDataChange(outcome),
              },
              now,
            );
          }
          await logOperation(tx, this.party, {
            transactionId,
            operation: 'redeem',
            status: outcome.status,
            ...(outcome.status === 'redeemed' ? { amount: outcome.amount } : { reason: outcome.reason }),
            key,
            at: now,
          });
          const after = (await readRecord(tx, this.party, transactionId)) as StoredRecord;
          const result: RedeemResult =
            outcome.status === 'redeemed'
              ? { status: 'redeemed', amount: outcome.amount, record: after }
              : {
                  status: 'declined',
                  reason: outcome.reason,
                  ...(outcome.message === undefined ? {} : { message: outcome.message }),
                  record: after,
                };
          await completeIdempotencyKey(tx, this.party, key, encodeOperationResult(result), transactionId, now);
          return result;
        });
      },
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Recovery

  /**
   * Settles every transaction with a pending operation (a crash, or a module's fault, interrupted it):
   * asks its module (`onRecover`) what really happened and applies that; `pending` answers and modules
   * that throw leave it for the next pass. Also settles idempotency keys a crash left open before any
   * module was selected (their result: `cancelled`, `interrupted`). `start()` runs it; call it again
   * whenever you like.
   *
   * @example
   * ```ts
   * declare const payments: import('@semper/payments').PaymentManager;
   * const { recovered, stillPending } = await payments.recoverPending();
   * ```
   */
  async recoverPending(): Promise<RecoveryReport> {
    await this.#ready();
    const recovered: { transactionId: string; state: TransactionState }[] = [];
    const stillPending: { transactionId: string; reason: string }[] = [];
    for (const record of await listRecords(this.#store, this.party, { pendingOnly: true })) {
      if (this.#inflight.has(record.pending?.idempotencyKey ?? '')) continue; // running in this process
      if (this.#sessions.has(record.id)) continue;
      const module = this.#modules.get(record.moduleId);
      if (module === undefined) {
        stillPending.push({ transactionId: record.id, reason: `module '${record.moduleId}' is not installed` });
        continue;
      }
      let outcome: RecoveryOutcome;
      try {
        outcome = await module.recover({
          record,
          purse: this.#purses.get(record.moduleId),
          clock: this.#clock,
          signal: this.#closer.signal,
          evidence: (step, direction, bytes) =>
            this.#evidence(record.id, record.moduleId, `evidence.${step}`, direction, bytes),
        });
      } catch (err) {
        this.#emit({
          type: 'payments.fault',
          transactionId: record.id,
          role: record.role,
          moduleId: record.moduleId,
          operation: 'recover',
          ...codeField(err),
        });
        stillPending.push({ transactionId: record.id, reason: `recovery failed: ${codeOf(err) ?? 'error'}` });
        continue;
      }
      const state = await this.#applyRecovery(record, outcome);
      if (state === undefined)
        stillPending.push({ transactionId: record.id, reason: reasonOf(outcome) ?? 'the module cannot tell yet' });
      else {
        recovered.push({ transactionId: record.id, state });
        this.#emit({
          type: 'payments.recovered',
          transactionId: record.id,
          role: record.role,
          moduleId: record.moduleId,
          state,
        });
      }
    }
    for (const key of await orphanedIdempotencyKeys(this.#store, this.party)) {
      if (this.#inflight.has(key)) continue;
      await completeIdempotencyKey(
        this.#store,
        this.party,
        key,
        { status: 'cancelled', reason: 'interrupted' },
        undefined,
        this.#clock.now(),
      );
    }
    return { recovered, stillPending };
  }

  async #applyRecovery(record: StoredRecord, outcome: RecoveryOutcome): Promise<TransactionState | undefined> {
    const pending = record.pending;
    if (pending === undefined || outcome.status === 'pending') return undefined;
    const op = pending.operation;
    let change: RecordChange;
    let result: JsonValue;
    const amountOf = (o: RecoveryOutcome): Money | undefined => ('amount' in o ? o.amount : undefined);
    const amount = amountOf(outcome);
    const reason = reasonOf(outcome);
    if (op === 'pay' || op === 'receive') {
      switch (outcome.status) {
        case 'captured':
          change = { state: 'captured', authorized: record.amount, captured: record.amount };
          result = {
            status: 'captured',
            transactionId: record.id,
            moduleId: record.moduleId,
            amount: mj(record.amount),
          };
          break;
        case 'authorized':
          change = { state: 'authorized', authorized: record.amount, ...this.#expiry(record.moduleId, undefined) };
          result = {
            status: 'authorized',
            transactionId: record.id,
            moduleId: record.moduleId,
            amount: mj(record.amount),
          };
          break;
        case 'declined':
        case 'cancelled':
          change = { state: outcome.status, reason: outcome.reason };
          result = {
            status: outcome.status,
            transactionId: record.id,
            moduleId: record.moduleId,
            reason: outcome.reason,
          };
          break;
        case 'failed':
        case 'not-done':
          change = { state: 'failed', reason: reason ?? 'not-done' };
          result = {
            status: 'cancelled',
            transactionId: record.id,
            moduleId: record.moduleId,
            reason: `failed: ${reason ?? 'not-done'}`,
          };
          break;
        default:
          return undefined; // voided / refunded do not answer a pending payment
      }
    } else {
      const done = (o: string) =>
        (op === 'capture' && o === 'captured') ||
        (op === 'void' && o === 'voided') ||
        (op === 'refund' && o === 'refunded');
      if (done(outcome.status)) {
        if (op === 'capture') {
          const a = amount ?? pending.amount ?? record.authorized;
          change = { state: 'captured', captured: record.captured.add(a) };
          result = { status: 'captured', amount: mj(a) };
        } else if (op === 'void') {
          change = { state: 'voided' };
          result = { status: 'voided' };
        } else {
          const a = amount ?? (pending.amount as Money);
          const refunded = record.refunded.add(a);
          change = { refunded, ...(refunded.equals(record.captured) ? { state: 'refunded' as const } : {}) };
          result = { status: 'refunded', amount: mj(a) };
        }
      } else if (['not-done', 'failed', 'declined', 'cancelled'].includes(outcome.status)) {
        change = {};
        result = { status: 'declined', reason: reason ?? 'not-done' };
      } else {
        return undefined;
      }
    }
    const extras = outcome as { moduleData?: JsonValue; evidence?: Uint8Array };
    if (extras.evidence instanceof Uint8Array) {
      await this.#evidence(record.id, record.moduleId, 'recovery', 'local', extras.evidence);
    }
    return this.#store.transaction(async (tx) => {
      const now = this.#clock.now();
      const current = await readRecord(tx, this.party, record.id, true);
      if (current?.pending?.idempotencyKey !== pending.idempotencyKey) return current?.state; // settled meanwhile
      await updateRecord(tx, this.party, record.id, { ...change, ...moduleDataChange(extras), pending: null }, now);
      await logOperation(tx, this.party, {
        transactionId: record.id,
        operation: 'recover',
        status: outcome.status,
        ...(amount ? { amount } : {}),
        ...(reason ? { reason } : {}),
        key: pending.idempotencyKey,
        at: now,
      });
      await completeIdempotencyKey(tx, this.party, pending.idempotencyKey, result, record.id, now);
      const after = (await readRecord(tx, this.party, record.id)) as StoredRecord;
      this.#emit({
        type: 'payments.state-changed',
        transactionId: record.id,
        role: record.role,
        moduleId: record.moduleId,
        operation: 'recover',
        state: after.state,
      });
      return after.state;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Inbound messages

  /**
   * Handles one message from the channel (installed by `start()`; call it yourself with
   * `attachChannel: false`). Payment messages are routed to their transaction; a malformed one is
   * `rejected` (moved aside by the transport), never a crash.
   *
   * @example
   * ```ts
   * declare const payments: import('@semper/payments').PaymentManager;
   * declare const channel: import('@semper/comms').Channel;
   * await channel.start({ onMessage: (m) => payments.handleMessage(m) });
   * ```
   */
  async handleMessage(message: ReceivedMessage): Promise<HandlerResult | undefined> {
    if (this.#closed) return { outcome: 'retry', delayMs: 1000 };
    const headers = message.headers ?? {};
    if (headers[PAYMENT_HEADER] !== '1') return { outcome: 'rejected', reason: 'not a payment message' };
    const tx = headers[TX_HEADER];
    const step = headers[STEP_HEADER];
    const party = headers[PARTY_HEADER];
    if (
      tx === undefined ||
      !TRANSACTION_ID.test(tx) ||
      step === undefined ||
      party === undefined ||
      !PARTY_ID.test(party)
    ) {
      return { outcome: 'rejected', reason: 'payment message without a valid transaction, step or party' };
    }
    const moduleStep = step.startsWith('m.') && MODULE_STEP.test(step.slice(2));
    if (!moduleStep && ![STEP_REQUEST, STEP_SELECT, STEP_REFUSE, STEP_ABORT].includes(step)) {
      return { outcome: 'rejected', reason: 'unknown payment step' };
    }
    if (!(message.body instanceof Uint8Array) || message.body.length > Math.max(this.#maxMessageBytes, 64 * 1024)) {
      return { outcome: 'rejected', reason: 'payment message too large' };
    }
    const body = new Uint8Array(message.body);
    if (step === STEP_REQUEST) return this.#onRequest(message, body, tx);
    const session = this.#sessions.get(tx);
    if (session === undefined || session.remoteAddress !== message.from) return undefined; // late or foreign: acked, dropped
    if (session.remoteParty !== '' && session.remoteParty !== party) {
      return { outcome: 'rejected', reason: 'payment message from another party' };
    }
    if (!session.firstSighting(message.id)) return undefined;
    const moduleId = (await readRecord(this.#store, this.party, tx).catch(() => undefined))?.moduleId;
    await this.#archiveMessage(
      tx,
      moduleStep ? `${moduleId ?? 'module'}.${step.slice(2)}` : step,
      'received',
      body,
      party,
      message.contentType,
    );
    if (step === STEP_ABORT) {
      let reason = 'aborted';
      try {
        reason = decodeWire(refuseSchema, body, STEP_ABORT).reason;
      } catch {
        // a malformed abort still aborts
      }
      session.abort(new PaymentProtocolError(STEP_ABORT, `the other party aborted: ${reason}`));
      return undefined;
    }
    session.deliver(step, body);
    return undefined;
  }

  async #onRequest(message: ReceivedMessage, body: Uint8Array, tx: string): Promise<HandlerResult | undefined> {
    const read = await this.#readRequest(message, body);
    if ('refused' in read) {
      this.#emit({ type: 'payments.request-refused', transactionId: tx, from: message.from, reason: read.refused });
      // A transaction this party already has: refused, but nobody is told (the sender's address is only
      // claimed, and telling it would end the genuine payee's wait for that transaction).
      const known =
        this.#inbox.has(tx) ||
        this.#sessions.has(tx) ||
        (await readRecord(this.#store, this.party, tx).catch(() => undefined)) !== undefined;
      if (known) return { outcome: 'rejected', reason: read.refused };
      // Else told to the sender too (best effort, not awaited: an unreachable sender must not hold up the
      // receiving), so that its requestPayment ends at once. Nothing was recorded.
      void this.#channel
        .send({
          to: message.from,
          contentType: NEGOTIATION_CONTENT_TYPE,
          body: encodeWire({ v: 1, transactionId: tx, reason: 'request-not-accepted' }),
          headers: this.#headers(tx, STEP_REFUSE),
        })
        .catch(() => undefined);
      return { outcome: 'rejected', reason: read.refused };
    }
    const request = read.request;
    if (request.transactionId !== tx || request.payee !== message.headers[PARTY_HEADER]) {
      return { outcome: 'rejected', reason: 'payment request headers do not match its body' };
    }
    try {
      Money.fromJSON(request.amount);
    } catch {
      return { outcome: 'rejected', reason: 'payment request with an unknown currency' };
    }
    if (this.#inbox.has(tx) || this.#sessions.has(tx)) return undefined; // a redelivery
    if ((await readRecord(this.#store, this.party, tx)) !== undefined) return undefined; // answered before a restart
    if (this.#inbox.size >= this.#maxPending) this.#dropStaleRequests();
    if (this.#inbox.size >= this.#maxPending) return { outcome: 'retry', delayMs: 1000 };
    const session = new PaymentSession(tx, message.from, request.payee);
    session.firstSighting(message.id);
    this.#sessions.set(tx, session);
    const incoming: Incoming = {
      request,
      bytes: body,
      ...(read.payeeChain === undefined ? {} : { payeeChain: read.payeeChain }),
      from: message.from,
      receivedAt: this.#clock.now(),
      arrivedAtMs: Date.now(),
      claimed: false,
    };
    this.#inbox.set(tx, incoming);
    await this.#archiveMessage(tx, STEP_REQUEST, 'received', body, request.payee, message.contentType);
    this.#emit({
      type: 'payments.request-received',
      transactionId: tx,
      payee: request.payee,
      payeeVerified: read.payeeChain !== undefined,
      amount: Money.fromJSON(request.amount),
    });
    const waiter = this.#inboxWaiters.find((w) => w.match(incoming));
    if (waiter !== undefined) {
      this.#inboxWaiters.splice(this.#inboxWaiters.indexOf(waiter), 1);
      incoming.claimed = true;
      waiter.resolve(incoming);
    }
    return undefined;
  }

  #takeRequest(match: (i: Incoming) => boolean, timeoutMs: number, signal: AbortSignal): Promise<Incoming> {
    this.#dropStaleRequests();
    const found = [...this.#inbox.values()].find((i) => !i.claimed && match(i));
    if (found !== undefined) {
      found.claimed = true;
      return Promise.resolve(found);
    }
    return new Promise<Incoming>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        const i = this.#inboxWaiters.indexOf(waiter);
        if (i >= 0) this.#inboxWaiters.splice(i, 1);
      };
      const waiter: InboxWaiter = {
        match,
        resolve: (i) => {
          cleanup();
          resolve(i);
        },
      };
      const onAbort = () => {
        cleanup();
        reject(abortError(signal));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new PaymentTimeoutError('payment request', timeoutMs));
      }, timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#inboxWaiters.push(waiter);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  #checkOpen(): void {
    if (this.#closed) throw new PaymentError('ERR_PAYMENTS_INVALID_STATE', 'the payment manager is closed');
  }

  #ready(): Promise<unknown> {
    this.#migrated ??= migrate(this.#store, PAYMENTS_MIGRATIONS).catch((err: unknown) => {
      this.#migrated = undefined;
      throw err;
    });
    return this.#migrated;
  }

  #signal(signal: AbortSignal | undefined): AbortSignal {
    return signal === undefined ? this.#closer.signal : AbortSignal.any([signal, this.#closer.signal]);
  }

  #payment(d: PaymentModuleDescriptor): PaymentModuleDescriptor['capabilities']['payment'] {
    return d.capabilities.payment;
  }

  #flatCapabilities(d: PaymentModuleDescriptor): Record<string, string | boolean | string[]> {
    const p = this.#payment(d);
    return { model: p.model, currencies: [...p.currencies], twoPhase: p.twoPhase, refunds: p.refunds };
  }

  #module(id: string): AnyModule {
    const m = this.#modules.get(id);
    if (m === undefined) throw new PaymentError('ERR_PAYMENTS_INVALID_STATE', `module '${id}' is not installed`);
    return m;
  }

  #requirePurse(moduleId: string): Purse {
    const purse = this.#purses.get(moduleId);
    if (purse === undefined) throw new PaymentError('ERR_PAYMENTS_NO_PURSE', `no purse for module '${moduleId}'`);
    return purse;
  }

  async #require(transactionId: string): Promise<StoredRecord> {
    if (typeof transactionId !== 'string' || !TRANSACTION_ID.test(transactionId)) throw bad('bad transaction id');
    const record = await readRecord(this.#store, this.party, transactionId);
    if (record === undefined) {
      throw new PaymentError('ERR_PAYMENTS_TRANSACTION_NOT_FOUND', `no transaction '${transactionId}'`);
    }
    return record;
  }

  #emit(event: EventInput<PaymentEvent>): void {
    const published = { ...event, at: this.#clock.now() } as PaymentEvent;
    if (!this.#closed) this.#events.emit(published as EventInput<PaymentEvent>);
    try {
      this.#bus?.emit(published as never);
    } catch {
      // a completed bus does not stop payments
    }
  }

  #expiry(moduleId: string, expiresAt: Date | undefined): { expiresAt?: Date } {
    if (expiresAt !== undefined) return { expiresAt };
    const ttl = this.#modules.get(moduleId)?.payment.authorizationTtlMs;
    return ttl === undefined ? {} : { expiresAt: new Date(this.#clock.now().getTime() + ttl) };
  }

  async #evidence(
    transactionId: string,
    moduleId: string,
    step: string,
    direction: EvidenceDirection,
    bytes: Uint8Array,
  ): Promise<void> {
    if (!(bytes instanceof Uint8Array)) throw bad('evidence is bytes');
    if (typeof step !== 'string' || !MODULE_STEP.test(step.replace(/^evidence\./, ''))) throw bad('bad evidence step');
    await this.#archive.append({
      dealId: transactionId,
      step: `payment.${moduleId}.${step}`.slice(0, 200),
      direction: direction === 'out' ? 'sent' : 'received',
      content: new Uint8Array(bytes),
      peer: direction === 'local' ? `module:${moduleId}` : this.#sessions.get(transactionId)?.remoteParty || 'peer',
      contentType: MODULE_CONTENT_TYPE,
    });
  }

  async #archiveMessage(
    transactionId: string,
    step: string,
    direction: 'sent' | 'received',
    body: Uint8Array,
    peer: string,
    contentType: string,
  ): Promise<void> {
    await this.#archive.append({
      dealId: transactionId,
      step: `payment.${step}`.slice(0, 200),
      direction,
      content: body,
      ...(peer === '' ? {} : { peer: peer.slice(0, 1024) }),
      contentType: contentType.slice(0, 200),
    });
  }

  async #sendNegotiation(
    session: PaymentSession,
    step: string,
    value: unknown,
    encoded?: { readonly body: Uint8Array; readonly contentType: string },
  ): Promise<void> {
    const body = encoded?.body ?? encodeWire(value);
    const contentType = encoded?.contentType ?? NEGOTIATION_CONTENT_TYPE;
    await this.#archiveMessage(session.transactionId, step, 'sent', body, session.remoteParty, contentType);
    await this.#channel.send({
      to: session.remoteAddress,
      contentType,
      body,
      headers: this.#headers(session.transactionId, step),
    });
  }

  /** The payee's request: signed by the party's identity when it has one (the bytes archived are the sent ones). */
  async #sendRequest(session: PaymentSession, request: WireRequest): Promise<void> {
    if (this.#identity === undefined) return this.#sendNegotiation(session, STEP_REQUEST, request);
    const signed = await signData(encodeWire(request), {
      signer: this.#identity,
      contentType: PAYMENT_REQUEST_ECONTENT_TYPE,
      signingTime: this.#clock.now(),
      includeChain: true,
    });
    return this.#sendNegotiation(session, STEP_REQUEST, request, {
      body: signed,
      contentType: SIGNED_REQUEST_CONTENT_TYPE,
    });
  }

  /**
   * At the payer: reads a request message. An unsigned one is its JSON; a signed one is verified (signature,
   * eContentType, the signer's chain to `trust` now, the certificate naming the request's payee) when the
   * manager has `trust`, else only read. Returns the request or the reason it is refused.
   */
  async #readRequest(
    message: ReceivedMessage,
    body: Uint8Array,
  ): Promise<{ request: WireRequest; payeeChain?: Certificate[] } | { refused: string }> {
    const signed = message.contentType === SIGNED_REQUEST_CONTENT_TYPE;
    if (!signed) {
      if (this.#requireSigned) return { refused: 'unsigned payment request' };
      try {
        return { request: decodeWire(requestSchema, body, STEP_REQUEST) };
      } catch {
        return { refused: 'malformed payment request' };
      }
    }
    let content: Uint8Array;
    let contentType: string;
    let signer: Certificate | undefined;
    let chain: Certificate[] | undefined;
    try {
      if (this.#trust === undefined) {
        const shown = inspectSignedData(body, { maxBytes: MAX_NEGOTIATION_BYTES, maxDepth: 32 });
        if (shown.content === undefined) return { refused: 'signed payment request without its content' };
        content = shown.content;
        contentType = shown.contentType;
      } else {
        const verified = await verifySignedData(body, {
          trust: this.#trust,
          at: this.#clock.now(),
          limits: { maxBytes: MAX_NEGOTIATION_BYTES, maxDepth: 32 },
        });
        content = verified.content;
        contentType = verified.contentType;
        signer = verified.signer;
        chain = verified.chain;
      }
    } catch (err) {
      return { refused: `payment request signature: ${codeOf(err) ?? 'not a SignedData'}` };
    }
    if (contentType !== PAYMENT_REQUEST_ECONTENT_TYPE) return { refused: 'signed content is not a payment request' };
    let request: WireRequest;
    try {
      request = decodeWire(requestSchema, content, STEP_REQUEST);
    } catch {
      return { refused: 'malformed payment request' };
    }
    if (signer === undefined || chain === undefined) return { request };
    let named: string;
    try {
      named = this.#partyOf(signer);
    } catch {
      return { refused: 'cannot read the party id of the payee certificate' };
    }
    if (named !== request.payee) return { refused: 'the payment request is signed by another party' };
    return { request, payeeChain: chain };
  }

  #headers(transactionId: string, step: string): Record<string, string> {
    return { [PAYMENT_HEADER]: '1', [TX_HEADER]: transactionId, [STEP_HEADER]: step, [PARTY_HEADER]: this.party };
  }

  #peer(session: PaymentSession, moduleId: string, signal: AbortSignal): PaymentPeer {
    const maxDefault = this.#maxMessageBytes;
    const stepTimeout = this.#stepTimeoutMs;
    const checkStep = (step: unknown): string => {
      if (typeof step !== 'string' || !MODULE_STEP.test(step)) {
        throw bad('a step is 1 to 64 lowercase letters, digits, . _ - (starting with a letter or digit)');
      }
      return step;
    };
    return Object.freeze({
      localParty: this.party,
      get remoteParty() {
        return session.remoteParty;
      },
      send: async (step: string, body: Uint8Array): Promise<void> => {
        checkStep(step);
        if (!(body instanceof Uint8Array)) throw bad('a message body is bytes');
        if (body.length > maxDefault) throw bad(`a message body is at most ${maxDefault} bytes`);
        if (session.aborted || signal.aborted) throw abortError(signal);
        const copy = new Uint8Array(body);
        await this.#archiveMessage(
          session.transactionId,
          `${moduleId}.${step}`,
          'sent',
          copy,
          session.remoteParty,
          MODULE_CONTENT_TYPE,
        );
        await this.#channel.send(
          {
            to: session.remoteAddress,
            contentType: MODULE_CONTENT_TYPE,
            body: copy,
            headers: this.#headers(session.transactionId, `m.${step}`),
          },
          { signal },
        );
      },
      receive: async (step: string, options: { readonly timeoutMs?: number; readonly maxBytes?: number } = {}) => {
        checkStep(step);
        const timeoutMs = positiveInt(options.timeoutMs, stepTimeout, 'timeoutMs');
        const maxBytes = positiveInt(options.maxBytes, maxDefault, 'maxBytes');
        const body = await session.next(`m.${step}`, timeoutMs, signal);
        if (body.length > maxBytes) throw new PaymentProtocolError(step, `more than ${maxBytes} bytes`);
        return new Uint8Array(body);
      },
    });
  }

  #hookContext(transactionId: string, key: string, moduleId: string, signal: AbortSignal): PaymentHookContext {
    return {
      transactionId,
      idempotencyKey: key,
      clock: this.#clock,
      signal,
      evidence: (step, direction, bytes) =>
        this.#evidence(transactionId, moduleId, `evidence.${step}`, direction, bytes),
      checkpoint: async (step, data) => {
        if (typeof step !== 'string' || !MODULE_STEP.test(step)) throw bad('bad checkpoint step');
        await updateRecord(
          this.#store,
          this.party,
          transactionId,
          { lastStep: step, ...(data === undefined ? {} : { moduleData: data }) },
          this.#clock.now(),
        );
      },
    };
  }

  async #fault(
    session: PaymentSession,
    transactionId: string,
    role: PaymentRole,
    moduleId: string,
    operation: PaymentOperation,
    err: unknown,
  ): Promise<Error> {
    this.#emit({ type: 'payments.fault', transactionId, role, moduleId, operation, ...codeField(err) });
    if (!session.aborted && !this.#closed) {
      session.abort(err);
      try {
        await this.#sendNegotiation(session, STEP_ABORT, {
          v: 1,
          transactionId,
          reason: `fault: ${codeOf(err) ?? 'error'}`,
        });
      } catch {
        // best effort: the other side's step timeout ends it anyway
      }
    }
    return new PaymentModuleFaultError(moduleId, operation, err);
  }

  async #finishPayment(
    transactionId: string,
    key: string,
    descriptor: PaymentModuleDescriptor,
    outcome: Awaited<ReturnType<AnyModule['pay']>>,
    operation: 'pay' | 'receive',
  ): Promise<PaymentResult> {
    const moduleId = descriptor.id;
    if (outcome.evidence instanceof Uint8Array) {
      await this.#evidence(transactionId, moduleId, 'outcome', 'local', outcome.evidence);
    }
    return this.#store.transaction(async (tx) => {
      const now = this.#clock.now();
      const record = (await readRecord(tx, this.party, transactionId, true)) as StoredRecord;
      let change: RecordChange;
      switch (outcome.status) {
        case 'captured':
          change = { state: 'captured', authorized: outcome.amount, captured: outcome.amount };
          break;
        case 'authorized':
          change = { state: 'authorized', authorized: outcome.amount, ...this.#expiry(moduleId, outcome.expiresAt) };
          break;
        default:
          change = { state: outcome.status, reason: outcome.reason };
      }
      await updateRecord(
        tx,
        this.party,
        transactionId,
        { ...change, ...moduleDataChange(outcome), pending: null },
        now,
      );
      await logOperation(tx, this.party, {
        transactionId,
        operation,
        status: outcome.status,
        ...(outcome.status === 'captured' || outcome.status === 'authorized'
          ? { amount: outcome.amount }
          : { reason: outcome.reason }),
        key,
        at: now,
      });
      const after = (await readRecord(tx, this.party, transactionId)) as StoredRecord;
      const result: PaymentResult =
        outcome.status === 'captured' || outcome.status === 'authorized'
          ? {
              status: outcome.status,
              transactionId,
              moduleId,
              amount: outcome.amount,
              ...(after.expiresAt === undefined ? {} : { expiresAt: after.expiresAt }),
              record: after,
            }
          : {
              status: outcome.status,
              transactionId,
              moduleId,
              reason: outcome.reason,
              ...(outcome.status === 'declined' && outcome.message !== undefined ? { message: outcome.message } : {}),
              record: after,
            };
      await completeIdempotencyKey(tx, this.party, key, encodePaymentResult(result), transactionId, now);
      this.#emit({
        type: 'payments.state-changed',
        transactionId,
        role: record.role,
        moduleId,
        operation,
        state: after.state,
        ...(isPaid(result) ? { amount: result.amount } : { reason: (result as Unpaid).reason }),
      });
      return result;
    });
  }

  async #operation(
    operation: 'capture' | 'void' | 'refund',
    transactionId: string,
    input: OperationInput,
    run: (
      record: StoredRecord,
      module: AnyModule,
      purse: Purse,
      hook: PaymentHookContext,
      amount: Money | undefined,
    ) => Promise<{
      status: string;
      change: RecordChange;
      amount?: Money;
      payerToken?: Uint8Array;
      extras: { moduleData?: JsonValue; evidence?: Uint8Array; reason?: string; message?: string };
    }>,
  ): Promise<CaptureResult | VoidResult | RefundResult> {
    this.#checkOpen();
    if (typeof input !== 'object' || input === null) throw bad(`${operation} takes an input object`);
    const key = checkIdempotencyKey(input.idempotencyKey);
    if (input.amount !== undefined && !Money.isMoney(input.amount)) throw bad('amount is Money');
    await this.start();
    const initial = await this.#require(transactionId);
    const payload = { operation, transactionId, amount: input.amount };
    return this.#idempotent(
      key,
      operation,
      payload,
      transactionId,
      (r) => this.#decodeOperationResult(r, transactionId),
      async () => {
        const module = this.#module(initial.moduleId);
        if (operation !== 'refund' && !module.payment.twoPhase) {
          throw new UnsupportedOperationError(`${module.id}.${operation} (not a two-phase module)`);
        }
        if (operation === 'refund' && module.payment.refunds === 'none')
          throw new UnsupportedOperationError(`${module.id}.refund`);
        const purse = this.#requirePurse(initial.moduleId);
        // Reserve the operation under the row lock: the bounds hold against concurrent calls.
        const reserved = await this.#store.transaction(async (tx) => {
          const now = this.#clock.now();
          const record = (await readRecord(tx, this.party, transactionId, true)) as StoredRecord;
          if (record.role !== 'payee')
            throw new PaymentError('ERR_PAYMENTS_INVALID_STATE', `${operation} is for the payee`);
          if (record.pending !== undefined) {
            throw new PaymentError(
              'ERR_PAYMENTS_INVALID_STATE',
              `an operation (${record.pending.operation}) is in progress on this transaction`,
            );
          }
          const wanted = operation === 'capture' ? 'authorized' : operation === 'void' ? 'authorized' : 'captured';
          if (record.state !== wanted) {
            throw new PaymentError(
              'ERR_PAYMENTS_INVALID_STATE',
              `cannot ${operation} a transaction in state '${record.state}'`,
            );
          }
          let amount: Money | undefined;
          if (operation === 'capture') {
            const available = record.authorized.subtract(record.captured);
            amount = input.amount ?? available;
            checkAmount(amount, record);
            if (amount.greaterThan(available)) throw new AmountExceedsAuthorizedError(amount, available);
            if (record.expiresAt !== undefined && now.getTime() >= record.expiresAt.getTime()) {
              await updateRecord(
                tx,
                this.party,
                transactionId,
                { state: 'expired', reason: 'authorization-expired' },
                now,
              );
              await logOperation(tx, this.party, {
                transactionId,
                operation: 'expire',
                status: 'expired',
                key,
                at: now,
              });
              return { expired: true as const, record };
            }
          } else if (operation === 'refund') {
            const refundable = record.captured.subtract(record.refunded);
            amount = input.amount ?? refundable;
            checkAmount(amount, record);
            if (amount.greaterThan(refundable)) throw new RefundExceedsCapturedError(amount, refundable);
            if (module.payment.refunds === 'full' && !(record.refunded.isZero() && amount.equals(record.captured))) {
              throw new UnsupportedOperationError(
                `${module.id}.refund of part of a payment (the module refunds in full only)`,
              );
            }
          }
          await updateRecord(
            tx,
            this.party,
            transactionId,
            { pending: { operation, key, ...(amount ? { amount } : {}) } },
            now,
          );
          return { expired: false as const, record, amount };
        });
        if (reserved.expired) {
          const after = await this.#require(transactionId);
          const result = { status: 'declined', reason: 'authorization-expired', record: after } as CaptureResult;
          await completeIdempotencyKey(
            this.#store,
            this.party,
            key,
            encodeOperationResult(result),
            transactionId,
            this.#clock.now(),
          );
          this.#emit({
            type: 'payments.state-changed',
            transactionId,
            role: 'payee',
            moduleId: module.id,
            operation,
            state: 'expired',
            reason: 'authorization-expired',
          });
          return result;
        }
        const hook = this.#hookContext(transactionId, key, module.id, this.#signal(input.signal));
        let done: Awaited<ReturnType<typeof run>>;
        try {
          done = await run(reserved.record, module, purse, hook, reserved.amount);
        } catch (err) {
          this.#emit({
            type: 'payments.fault',
            transactionId,
            role: 'payee',
            moduleId: module.id,
            operation,
            ...codeField(err),
          });
          throw new PaymentModuleFaultError(module.id, operation, err);
        }
        if (done.extras.evidence instanceof Uint8Array) {
          await this.#evidence(transactionId, module.id, `${operation}-outcome`, 'local', done.extras.evidence);
        }
        return this.#store.transaction(async (tx) => {
          const now = this.#clock.now();
          await updateRecord(
            tx,
            this.party,
            transactionId,
            { ...done.change, ...moduleDataChange(done.extras), pending: null },
            now,
          );
          await logOperation(tx, this.party, {
            transactionId,
            operation,
            status: done.status,
            ...(done.amount ? { amount: done.amount } : {}),
            ...(done.extras.reason ? { reason: done.extras.reason } : {}),
            key,
            at: now,
          });
          const after = (await readRecord(tx, this.party, transactionId)) as StoredRecord;
          const result = {
            status: done.status,
            ...(done.amount ? { amount: done.amount } : {}),
            ...(done.payerToken ? { payerToken: done.payerToken } : {}),
            ...(done.status === 'declined' ? { reason: done.extras.reason ?? 'declined' } : {}),
            ...(done.status === 'declined' && done.extras.message !== undefined
              ? { message: done.extras.message }
              : {}),
            record: after,
          } as CaptureResult | VoidResult | RefundResult;
          await completeIdempotencyKey(tx, this.party, key, encodeOperationResult(result), transactionId, now);
          this.#emit({
            type: 'payments.state-changed',
            transactionId,
            role: 'payee',
            moduleId: module.id,
            operation,
            state: after.state,
            ...(done.amount ? { amount: done.amount } : {}),
            ...(done.extras.reason ? { reason: done.extras.reason } : {}),
          });
          return result;
        });
      },
    );
  }

  /**
   * Runs `work` once per idempotency key: a repeat of the same request gets the first result (awaiting
   * it while it runs in this process), another request under the key throws a conflict. A key whose
   * work failed before anything was recorded is released; one whose transaction waits for recovery
   * refuses repeats until recovery settles it.
   */
  async #idempotent<R>(
    key: string,
    operation: string,
    payload: unknown,
    transactionId: string | undefined,
    decode: (result: JsonValue) => Promise<R>,
    work: () => Promise<R>,
  ): Promise<R> {
    await this.#ready();
    const digest = sha256(stableJson(payload));
    const running = this.#inflight.get(key);
    if (running !== undefined) {
      if (running.digest !== digest) {
        await claimIdempotencyKey(this.#store, this.party, key, operation, digest, transactionId, this.#clock.now()); // throws the conflict
      }
      return running.promise as Promise<R>;
    }
    const promise = (async () => {
      try {
        const existing = await claimIdempotencyKey(
          this.#store,
          this.party,
          key,
          operation,
          digest,
          transactionId,
          this.#clock.now(),
        );
        if (existing !== undefined) {
          if (existing.state === 'done' && existing.result !== undefined) return decode(existing.result);
          throw new PaymentError(
            'ERR_PAYMENTS_INVALID_STATE',
            'the first request with this idempotency key has not finished; recovery settles it',
          );
        }
        let result: R;
        try {
          result = await work();
        } catch (err) {
          if (!(err instanceof PaymentModuleFaultError)) {
            // Nothing was recorded against the key (a check, a refusal, a timeout before any module ran)
            // unless a pending record holds it; release it so that the request can be made again.
            const record =
              transactionId === undefined
                ? undefined
                : await readRecord(this.#store, this.party, transactionId).catch(() => undefined);
            if (record?.pending?.idempotencyKey !== key) {
              await releaseIdempotencyKey(this.#store, this.party, key).catch(() => undefined);
            }
          }
          throw err;
        }
        // Results that did not go through a record (a negotiation that ended without a module) are stored here.
        await completeIdempotencyKeyIfStarted(this.#store, this.party, key, result, transactionId, this.#clock.now());
        return result;
      } finally {
        this.#inflight.delete(key);
      }
    })();
    this.#inflight.set(key, { digest, promise });
    return promise;
  }

  async #decodePaymentResult(json: JsonValue): Promise<PaymentResult> {
    const r = json as Record<string, unknown>;
    const transactionId = String(r.transactionId);
    const record = TRANSACTION_ID.test(transactionId)
      ? await readRecord(this.#store, this.party, transactionId)
      : undefined;
    if (r.status === 'captured' || r.status === 'authorized') {
      return {
        status: r.status,
        transactionId,
        moduleId: String(r.moduleId),
        amount: moneyOf(r.amount) as Money,
        ...(record?.expiresAt === undefined ? {} : { expiresAt: record.expiresAt }),
        record: record as PaymentRecord,
      };
    }
    return {
      status: r.status === 'declined' ? 'declined' : 'cancelled',
      transactionId,
      ...(typeof r.moduleId === 'string' ? { moduleId: r.moduleId } : {}),
      reason: String(r.reason ?? 'cancelled'),
      ...(typeof r.message === 'string' ? { message: r.message } : {}),
      ...(record === undefined ? {} : { record }),
    };
  }

  async #decodeOperationResult<R>(json: JsonValue, transactionId: string): Promise<R> {
    const r = json as Record<string, unknown>;
    const record = await readRecord(this.#store, this.party, transactionId);
    const amount = moneyOf(r.amount);
    const payerToken = unb64(r.payerToken);
    return {
      status: String(r.status),
      ...(amount ? { amount } : {}),
      ...(payerToken ? { payerToken } : {}),
      ...(typeof r.reason === 'string' ? { reason: r.reason } : {}),
      ...(typeof r.message === 'string' ? { message: r.message } : {}),
      record,
    } as R;
  }

  #describeIncoming(i: Incoming): IncomingPaymentRequest {
    return {
      transactionId: i.request.transactionId,
      from: i.from,
      payee: i.request.payee,
      amount: Money.fromJSON(i.request.amount),
      mode: i.request.mode,
      ...(i.request.reference === undefined ? {} : { reference: i.request.reference }),
      modules: i.request.modules.map((m) => m.id),
      receivedAt: i.receivedAt,
      payeeVerified: i.payeeChain !== undefined,
    };
  }
}

function rank(preferred: readonly string[], id: string): number {
  const i = preferred.indexOf(id);
  return i < 0 ? Number.MAX_SAFE_INTEGER : i;
}

function checkAmount(amount: Money, record: PaymentRecord): void {
  if (!Money.isMoney(amount) || !amount.isPositive()) throw bad('an amount is positive Money');
  if (amount.currency !== record.amount.currency) {
    throw bad(`the payment is in ${record.amount.currency}, not ${amount.currency}`);
  }
}

function mj(m: Money): JsonValue {
  return { amount: m.amount.toString(), currency: m.currency };
}

function reasonOf(o: RecoveryOutcome): string | undefined {
  return 'reason' in o && typeof o.reason === 'string' ? o.reason : undefined;
}

function codeField(err: unknown): { code?: string } {
  const code = codeOf(err);
  return code === undefined ? {} : { code };
}

function moduleDataChange(outcome: { moduleData?: JsonValue }): { moduleData?: JsonValue } {
  return outcome.moduleData === undefined ? {} : { moduleData: outcome.moduleData };
}

async function setKeyTransaction(q: Queryable, party: string, key: string, transactionId: string): Promise<void> {
  await q.query('UPDATE payment_idempotency SET transaction_id = $3 WHERE party = $1 AND key = $2', [
    party,
    key,
    transactionId,
  ]);
}

type Paid = Extract<PaymentResult, { status: 'captured' | 'authorized' }>;
type Unpaid = Exclude<PaymentResult, Paid>;

function isPaid(r: PaymentResult): r is Paid {
  return r.status === 'captured' || r.status === 'authorized';
}

function encodePaymentResult(result: PaymentResult): JsonValue {
  if (isPaid(result)) {
    return {
      status: result.status,
      transactionId: result.transactionId,
      moduleId: result.moduleId,
      amount: mj(result.amount),
    };
  }
  const r = result as Unpaid;
  return {
    status: r.status,
    transactionId: r.transactionId,
    ...(r.moduleId === undefined ? {} : { moduleId: r.moduleId }),
    reason: r.reason,
    ...(r.message === undefined ? {} : { message: r.message }),
  };
}

function encodeOperationResult(r: {
  status: string;
  amount?: Money;
  payerToken?: Uint8Array;
  reason?: string;
  message?: string;
}): JsonValue {
  return {
    status: r.status,
    ...(r.amount ? { amount: mj(r.amount) } : {}),
    ...(r.payerToken ? { payerToken: b64(r.payerToken) } : {}),
    ...(r.reason === undefined ? {} : { reason: r.reason }),
    ...(r.message === undefined ? {} : { message: r.message }),
  };
}

async function completeIdempotencyKeyIfStarted(
  store: Store,
  party: string,
  key: string,
  result: unknown,
  transactionId: string | undefined,
  at: Date,
): Promise<void> {
  const r = result as { status?: string; transactionId?: string };
  const json =
    typeof r.transactionId === 'string' &&
    (r.status === 'cancelled' || r.status === 'declined' || FINAL_FOR_PAYMENT.has(String(r.status)))
      ? encodePaymentResult(result as PaymentResult)
      : encodeOperationResult(result as { status: string });
  await store.query(
    `UPDATE payment_idempotency SET state = 'done', result = $2::jsonb, transaction_id = COALESCE($3, transaction_id),
       updated_at = $4 WHERE party = $5 AND key = $1 AND state = 'started'`,
    [key, JSON.stringify(json), transactionId ?? r.transactionId ?? null, at, party],
  );
}
