import { createPartyContainer, register as registerCore } from '@semper/core';
import { createTestPki } from '@semper/crypto/testing';
import { STORE, type Store, register as registerStore } from '@semper/store';
import { describe, expect, it } from 'vitest';
import { register } from './container.js';
import { SdcServiceError } from './errors.js';
import { SecureDataService } from './secure-data.service.js';
import { defineTable } from './table.js';
import { SECURE_DATA_SERVICE } from './tokens.js';

describe('register', () => {
  it('registers one SecureDataService per container on its STORE; migrate creates the tables', async () => {
    const pki = await createTestPki();
    const identity = await pki.issue('CN=agency-a');
    const hub = await pki.issue('CN=hub');
    const c = registerCore(createPartyContainer());
    registerStore(c, { url: 'pglite:memory' });
    register(c, {
      identity,
      trust: pki.trust,
      peers: [{ id: 'hub', certificate: hub.certificate }],
      tables: [defineTable({ name: 'notes', columns: [{ name: 'text', type: 'text' }] })],
    });
    const sdc = c.resolve<SecureDataService>(SECURE_DATA_SERVICE);
    expect(sdc).toBeInstanceOf(SecureDataService);
    expect(c.resolve(SECURE_DATA_SERVICE)).toBe(sdc);
    expect(sdc.partyId).toBe('agency-a');
    await sdc.migrate();
    await sdc.migrate();
    const store = c.resolve<Store>(STORE);
    const tables = await store.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = 'public' and (table_name like 'sdc_%' or table_name = 'notes') order by 1`,
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      'notes',
      'sdc_deliveries',
      'sdc_inbox',
      'sdc_intake_log',
      'sdc_messages',
      'sdc_outbox',
      'sdc_peer_state',
      'sdc_received',
      'sdc_sequences',
    ]);
    await store.close();
  }, 60_000);

  it('refuses a call without identity, trust or tables', () => {
    const c = registerCore(createPartyContainer());
    expect(() => register(c, {} as never)).toThrow(SdcServiceError);
  });
});
