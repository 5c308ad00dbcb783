// The archive's conformance suite on PGlite in memory, and what is specific to the unit project: DI
// registration on a party container.
import {
  CLOCK,
  createPartyContainer,
  EVENT_BUS,
  type EventBus,
  ManualClock,
  register as registerCore,
} from '@semper/core';
import { createTestPki } from '@semper/crypto/testing';
import { openStore, register as registerStore, STORE, type Store } from '@semper/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { register } from './container.js';
import type { ArchiveEvent } from './events.js';
import { EvidenceArchive } from './evidence-archive.js';
import { describeArchiveSuite } from './testing.js';
import { EVIDENCE_ARCHIVE } from './tokens.js';

// One PGlite for the file (it takes seconds to start): the registration tests run first, then the suite,
// which closes it.
const shared = openStore('pglite:memory');

describe('register', () => {
  let store: Store;
  beforeAll(async () => {
    store = await shared;
  });

  it('registers the party archive under Symbol.for("semper.archive.EvidenceArchive"), on the container’s store, clock and bus', async () => {
    expect(EVIDENCE_ARCHIVE).toBe(Symbol.for('semper.archive.EvidenceArchive'));
    const clock = new ManualClock(Date.now());
    const pki = await createTestPki();
    const identity = await pki.issue('CN=Registered');
    const party = registerStore(registerCore(createPartyContainer(), { clock }), { store });
    expect(register(party, { name: 'registered', identity, checkpointEvery: 2 })).toBe(party);
    const archive = party.resolve<EvidenceArchive>(EVIDENCE_ARCHIVE);
    expect(archive).toBeInstanceOf(EvidenceArchive);
    expect(party.resolve<EvidenceArchive>(EVIDENCE_ARCHIVE)).toBe(archive);
    const seen: string[] = [];
    const sub = party.resolve<EventBus<ArchiveEvent>>(EVENT_BUS).events$.subscribe((e) => seen.push(e.type));
    const record = await archive.append({ dealId: 'd', step: 's', direction: 'sent', content: new Uint8Array([1]) });
    sub.unsubscribe();
    expect(record.at).toEqual(party.resolve<ManualClock>(CLOCK).now());
    expect(seen).toEqual(['archive.record-appended']);
    expect(party.resolve<Store>(STORE)).toBe(store);
  });

  it('refuses a container without a store, and bad options', () => {
    expect(() => register(createPartyContainer())).toThrow(
      expect.objectContaining({ code: 'ERR_ARCHIVE_INVALID_ARGUMENT' }),
    );
    expect(() => register({} as never)).toThrow(expect.objectContaining({ code: 'ERR_ARCHIVE_INVALID_ARGUMENT' }));
    expect(() => register(createPartyContainer(), { store, name: '' })).toThrow(
      expect.objectContaining({ code: 'ERR_ARCHIVE_INVALID_ARGUMENT' }),
    );
  });
});

describeArchiveSuite('pglite:memory', () => shared);
