// The archive's conformance suite on a real PostgreSQL server (started by test/setup/services.global.ts), and
// what only a server shows: appends from separate connection pools (like separate processes) keep one chain.
import { randomBytes } from 'node:crypto';
import { ManualClock } from '@semper/core';
import { createTestPki } from '@semper/crypto/testing';
import { openStore, type Store } from '@semper/store';
import { afterAll, describe, expect, it } from 'vitest';
import { describeOnPostgres } from '../../../test/support/postgres-database.js';
import { openArchive } from './evidence-archive.js';
import { GENESIS_HASH } from './record-encoding.js';
import { describeArchiveSuite } from './testing.js';

describeOnPostgres('PostgreSQL server', 'archive_suite', ({ url }) => {
  describeArchiveSuite('postgres', () => openStore(url, { maxConnections: 10 }), { concurrency: 24 });

  describe('separate pools', () => {
    const stores: Store[] = [];
    afterAll(async () => {
      await Promise.all(stores.map((s) => s.close()));
    });

    it('keep one chain when three pools (like three processes) append to one archive at the same time', async () => {
      stores.push(...(await Promise.all([1, 2, 3].map(() => openStore(url, { maxConnections: 4 })))));
      const pki = await createTestPki();
      const identity = await pki.issue('CN=Hub');
      const clock = new ManualClock(Date.now());
      const archives = await Promise.all(
        stores.map((store) => openArchive({ store, name: 'hub', identity, clock, checkpointEvery: 10 })),
      );
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          archives[i % 3].append({
            dealId: `transfer-${i % 7}`,
            step: `step-${i}`,
            direction: i % 2 === 0 ? 'sent' : 'received',
            content: randomBytes(64),
          }),
        ),
      );
      const bySeq = [...results].sort((a, b) => a.seq - b.seq);
      expect(bySeq.map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      bySeq.forEach((r, i) => {
        expect(r.prevHash).toBe(i === 0 ? GENESIS_HASH : bySeq[i - 1].hash);
      });
      const result = await archives[0].verify();
      expect(result.issues).toEqual([]);
      expect(result.checkpoints).toEqual({ total: 6, valid: 6 });
    });
  });
});
