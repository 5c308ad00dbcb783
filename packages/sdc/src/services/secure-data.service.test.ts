import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSdcTestNetwork, type SdcTestNetwork } from './network.fixture.js';

describe('secure data services: smoke', () => {
  let net: SdcTestNetwork;
  beforeAll(async () => {
    net = await createSdcTestNetwork();
  }, 60_000);
  afterAll(async () => net?.close());

  it('exports Status 2 rows to the hub, which applies them and answers with a receipt', async () => {
    const [a] = net.agencies;
    await net.insertTransfers(a.id, 10);
    const r = await a.service.exportTable('transfers', { to: 'hub' });
    expect(r).toMatchObject({ outcome: 'exported', rows: 10 });
    const outcomes = await net.deliverAll();
    console.log(outcomes);
    const [n] = await net.hub.store.query<{ n: bigint }>('select count(*) as n from transfers');
    expect(n.n).toBe(10n);
    console.log(await a.service.deliveries());
  });
});
