// The two-party worlds of the manager's own tests: the decoy "note" module in EUR, one in-memory store per
// test file, every world closed after its test.
import { Money } from '@semper/core';
import { openStore, type Store } from '@semper/store';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { DecoyPaymentModule, PaymentTestWorld } from './testing.js';

export const eur = (t: string): Money => Money.parse(t, 'EUR');

export const noteFixture = () => ({
  amount: eur('5.00'),
  party: async (env: { party: string }) => {
    const module = new DecoyPaymentModule(['EUR'], 'test.note');
    return { module, purse: await module.openPurse(env.party) };
  },
});

/** Registers the file's hooks; `world(setup)` makes a world on the file's store (closed after the test). */
export function useNoteWorlds(): {
  world(
    setup?: Parameters<typeof PaymentTestWorld.create>[1],
    fixture?: Parameters<typeof PaymentTestWorld.create>[0],
  ): Promise<PaymentTestWorld>;
  store(): Store;
} {
  let store: Store | undefined;
  let worlds: PaymentTestWorld[] = [];
  beforeAll(async () => {
    store = await openStore('pglite:memory');
  });
  afterEach(async () => {
    for (const w of worlds) await w.close();
    worlds = [];
  });
  afterAll(async () => {
    await store?.close();
  });
  return {
    async world(setup = {}, fixture = noteFixture()) {
      const w = await PaymentTestWorld.create(fixture, setup, { store: store as Store, stepTimeoutMs: 2_000 });
      worlds.push(w);
      return w;
    },
    store: () => store as Store,
  };
}
