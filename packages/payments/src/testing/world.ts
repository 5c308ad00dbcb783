import { type EvidenceArchive, openArchive } from '@semper/archive';
import {
  Channel,
  createMemoryTransport,
  MemoryBroker,
  type MemoryTransport,
  type ReceivedMessage,
} from '@semper/comms';
import type { Identity } from '@semper/crypto';
import { createTestPki, type TestPki } from '@semper/crypto/testing';
import { type Clock, EventBus, type Money, ModulePolicy, newId, type PolicyContext, Preferences } from '@semper/core';
import { openStore, type Store } from '@semper/store';
import { type ConfirmationRule, PolicyTrustedIo, type PolicyTrustedIoOptions } from '@semper/trusted-io';
import type { AbstractPaymentModule } from '../abstract-payment-module.js';
import type { ConformanceFixture, ConformanceParty } from '../conformance.types.js';
import { createPaymentManager } from '../container.js';
import type { PaymentManager } from '../payment.manager.js';
import type { PaymentEvent, PaymentResult } from '../payment.results.js';
import type { PaymentMode, PaymentRole, Purse } from '../types.js';

/**
 * A clock that follows the system time plus an offset the test can move forward (authorization
 * expiry): timers stay real, `now()` jumps.
 *
 * @example
 * ```ts
 * import { OffsetClock } from '@semper/payments/testing';
 * const clock = new OffsetClock();
 * clock.advance(60_000);
 * ```
 */
export class OffsetClock implements Clock {
  #offset = 0;
  now(): Date {
    return new Date(Date.now() + this.#offset);
  }
  /** Moves the clock forward by `ms`. */
  advance(ms: number): void {
    this.#offset += ms;
  }
}

/**
 * How one side of a {@link PaymentTestWorld} is set up: extra modules (with a purse each), the module
 * policy, preferences, the policy context, trusted-io's confirmation rules and choice.
 *
 * @example
 * ```ts
 * import type { SideSetup } from '@semper/payments/testing';
 * const setup: SideSetup = { choice: 'first' };
 * ```
 */
export interface SideSetup {
  // biome-ignore lint/suspicious/noExplicitAny: modules of any purse type
  readonly extraModules?: readonly AbstractPaymentModule<any>[];
  /** The module policy, or a function of the module under test's id that makes it. */
  readonly policy?: ModulePolicy | ((moduleUnderTest: string) => ModulePolicy);
  readonly preferences?: Preferences;
  readonly context?: PolicyContext;
  readonly confirmRules?: readonly ConfirmationRule[];
  readonly choice?: PolicyTrustedIoOptions['choice'];
  /** Leave the module under test out of this side (only the extra modules). */
  readonly withoutModule?: boolean;
  /** Rewrites each message this side receives before its manager sees it (to play a hostile peer). */
  readonly tamper?: (message: ReceivedMessage) => ReceivedMessage;
  /**
   * Whether this side has a certificate (CN = its party id, from the world's test PKI) and trusts that PKI:
   * the payee then signs its requests and the payer accepts only signed ones (default true).
   */
  readonly certified?: boolean;
}

/**
 * One party of a {@link PaymentTestWorld}.
 *
 * @example
 * ```ts
 * import type { WorldSide } from '@semper/payments/testing';
 * declare const side: WorldSide;
 * console.log(side.party, side.address, side.manager.party);
 * ```
 */
export interface WorldSide {
  readonly role: PaymentRole;
  readonly party: string;
  readonly address: string;
  readonly store: Store;
  readonly archive: EvidenceArchive;
  readonly trustedIo: PolicyTrustedIo;
  readonly manager: PaymentManager;
  readonly built: ConformanceParty;
  readonly purse: Purse;
  readonly events: PaymentEvent[];
  /** The side's signing identity (undefined when `certified: false`). */
  readonly identity?: Identity;
}

let counter = 0;
let sharedPki: Promise<TestPki> | undefined;

/**
 * The test PKI of {@link PaymentTestWorld}, one per process: the world's parties get their certificates
 * (CN = party id, EC P-256, valid for a year) from its intermediate, and trust its root.
 *
 * @example
 * ```ts
 * import { worldPki } from '@semper/payments/testing';
 * const mallory = await (await worldPki()).issue('CN=mallory');
 * ```
 */
export function worldPki(): Promise<TestPki> {
  sharedPki ??= createTestPki({ name: 'payments test world' });
  return sharedPki;
}

/**
 * Two parties (payer and payee) wired for payments, sharing one store (the given one, or an in-memory
 * PGlite it opens; the payments tables and the archives are per party): each has its own evidence
 * archive, policy-driven trusted-io, a memory-transport comms channel on a shared broker, and a
 * `PaymentManager` with the fixture's module (and any extra ones). `restart()` drops both sides as a
 * crash would and builds them again on the same stores. The conformance kit is made of it; module
 * writers can use it for their own flows.
 *
 * @example
 * ```ts
 * import { PaymentTestWorld } from '@semper/payments/testing';
 * declare const fixture: import('@semper/payments/testing').ConformanceFixture;
 * const world = await PaymentTestWorld.create(fixture);
 * const { payee, payer } = await world.pay(fixture.amount);
 * await world.close();
 * ```
 */
export class PaymentTestWorld {
  readonly fixture: ConformanceFixture;
  readonly clock: OffsetClock = new OffsetClock();
  readonly broker: MemoryBroker = new MemoryBroker();
  readonly stepTimeoutMs: number;
  generation = 0;
  payer!: WorldSide;
  payee!: WorldSide;
  readonly #setup: { payer: SideSetup; payee: SideSetup };
  #store: Store | undefined;
  readonly #ownStore: boolean;
  readonly #transports: MemoryTransport[] = [];
  readonly #channels: Channel[] = [];
  readonly #parties: ConformanceParty[] = [];
  readonly #names: Record<PaymentRole, string>;
  /** Kept across restarts, as a party keeps its certificate. */
  readonly #identities = new Map<string, Identity>();

  private constructor(
    fixture: ConformanceFixture,
    setup: { payer?: SideSetup; payee?: SideSetup },
    stepTimeoutMs: number,
    store: Store | undefined,
  ) {
    this.fixture = fixture;
    this.#store = store;
    this.#ownStore = store === undefined;
    this.#setup = { payer: setup.payer ?? {}, payee: setup.payee ?? {} };
    this.stepTimeoutMs = stepTimeoutMs;
    counter += 1;
    this.#names = { payer: `payer-${counter}`, payee: `payee-${counter}` };
  }

  /**
   * Builds and starts both sides.
   *
   * @example
   * ```ts
   * // const world = await PaymentTestWorld.create(fixture, { payer: { choice: 'first' } });
   * ```
   */
  static async create(
    fixture: ConformanceFixture,
    setup: { readonly payer?: SideSetup; readonly payee?: SideSetup } = {},
    options: { readonly stepTimeoutMs?: number; readonly store?: Store } = {},
  ): Promise<PaymentTestWorld> {
    const world = new PaymentTestWorld(fixture, setup, options.stepTimeoutMs ?? 5_000, options.store);
    try {
      world.payee = await world.#side('payee');
      world.payer = await world.#side('payer');
    } catch (err) {
      await world.close();
      throw err;
    }
    return world;
  }

  /**
   * Runs one payment: the payee's `requestPayment` and the payer's `pay` at once; both settle.
   *
   * @example
   * ```ts
   * // const { payee, payer, transactionId } = await world.pay(Money.parse('5.00', 'EUR'), { mode: 'authorize' });
   * ```
   */
  async pay(
    amount: Money,
    options: {
      readonly mode?: PaymentMode;
      readonly transactionId?: string;
      readonly payeeKey?: string;
      readonly payerKey?: string;
      readonly modules?: readonly string[];
    } = {},
  ): Promise<{
    transactionId: string;
    payee: PromiseSettledResult<PaymentResult>;
    payer: PromiseSettledResult<PaymentResult>;
  }> {
    const transactionId = options.transactionId ?? newId('pay');
    const [payee, payer] = await Promise.allSettled([
      this.payee.manager.requestPayment({
        to: this.payer.address,
        amount,
        mode: options.mode ?? 'sale',
        transactionId,
        idempotencyKey: options.payeeKey ?? `${transactionId}.request`,
        ...(options.modules === undefined ? {} : { modules: options.modules }),
        timeoutMs: this.stepTimeoutMs * 2,
      }),
      this.payer.manager.pay({
        transactionId,
        idempotencyKey: options.payerKey ?? `${transactionId}.pay`,
        timeoutMs: this.stepTimeoutMs * 2,
      }),
    ]);
    return { transactionId, payee, payer };
  }

  /**
   * Simulates a crash of both parties: drops managers, channels, transports and the fixture's sides
   * without letting anything finish, then builds them again on the same stores (`generation` + 1) and
   * starts the new managers, which recover. Returns the two recovery reports.
   *
   * @example
   * ```ts
   * // const reports = await world.restart();
   * ```
   */
  async restart(): Promise<{
    payer: Awaited<ReturnType<PaymentManager['start']>>;
    payee: Awaited<ReturnType<PaymentManager['start']>>;
  }> {
    await this.#stopSides();
    this.generation += 1;
    this.payee = await this.#side('payee');
    this.payer = await this.#side('payer');
    return { payer: await this.payer.manager.start(), payee: await this.payee.manager.start() };
  }

  /**
   * Stops everything, the stores and the fixture included.
   *
   * @example
   * ```ts
   * // await world.close();
   * ```
   */
  async close(): Promise<void> {
    await this.#stopSides();
    if (this.#ownStore) await this.#store?.close().catch(() => undefined);
    await this.fixture.close?.();
  }

  async #stopSides(): Promise<void> {
    for (const side of [this.payer, this.payee]) await side?.manager.close().catch(() => undefined);
    for (const c of this.#channels.splice(0)) await c.close().catch(() => undefined);
    for (const t of this.#transports.splice(0)) await t.close().catch(() => undefined);
    for (const p of this.#parties.splice(0)) await p.close?.().catch(() => undefined);
  }

  async #side(role: PaymentRole): Promise<WorldSide> {
    const setup = this.#setup[role];
    const party = this.#names[role];
    this.#store ??= await openStore('pglite:memory');
    const store = this.#store;
    const archive = await openArchive({ store, name: party, clock: this.clock });
    const trustedIo = new PolicyTrustedIo({
      clock: this.clock,
      rules: setup.confirmRules ?? [{ name: 'approve-payments', effect: 'approve', kinds: ['payment'] }],
      ...(setup.choice === undefined ? {} : { choice: setup.choice }),
    });
    const transport = createMemoryTransport({ broker: this.broker, name: party, clock: this.clock });
    this.#transports.push(transport);
    const channel = new Channel(transport, { retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 50 } });
    this.#channels.push(channel);
    const built = await this.fixture.party({ role, party, store, clock: this.clock, generation: this.generation });
    this.#parties.push(built);
    const extras = setup.extraModules ?? [];
    const extraPurses = await Promise.all(extras.map((m) => m.openPurse(party, {})));
    const pki = setup.certified === false ? undefined : await worldPki();
    let identity = pki === undefined ? undefined : this.#identities.get(party);
    if (pki !== undefined && identity === undefined) {
      identity = await pki.issue(`CN=${party}`, { validityDays: 365 });
      this.#identities.set(party, identity);
    }
    const manager = createPaymentManager({
      party,
      ...(pki === undefined || identity === undefined ? {} : { identity, trust: pki.trust }),
      modules: [...(setup.withoutModule ? [] : [built.module]), ...extras],
      purses: [...(setup.withoutModule ? [] : [built.purse]), ...extraPurses],
      store,
      archive,
      trustedIo,
      channel,
      clock: this.clock,
      events: new EventBus(this.clock),
      policy:
        typeof setup.policy === 'function' ? setup.policy(built.module.id) : (setup.policy ?? ModulePolicy.allowAll()),
      preferences: setup.preferences ?? Preferences.defaults(),
      ...(setup.context === undefined ? {} : { context: setup.context }),
      stepTimeoutMs: this.stepTimeoutMs,
      negotiationTimeoutMs: this.stepTimeoutMs * 2,
      ...(setup.tamper === undefined ? {} : { attachChannel: false }),
    });
    const events: PaymentEvent[] = [];
    manager.events$.subscribe((e) => events.push(e));
    await manager.start();
    const tamper = setup.tamper;
    if (tamper !== undefined) await channel.start({ onMessage: (m) => manager.handleMessage(tamper(m)) });
    return {
      role,
      party,
      address: `mem:${party}`,
      store,
      archive,
      trustedIo,
      manager,
      built,
      purse: built.purse,
      events,
      ...(identity === undefined ? {} : { identity }),
    };
  }
}
