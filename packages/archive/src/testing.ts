/**
 * `@semper/archive/testing`: the archive's conformance suite, a vitest suite parameterised by a factory
 * of stores, run for PGlite (the `unit` project) and a PostgreSQL server (the `services` project), and
 * runnable for any other `Store`:
 *
 * ```ts
 * import { describeArchiveSuite } from '@semper/archive/testing';
 * import { openStore } from '@semper/store';
 * describeArchiveSuite('pglite:memory', () => openStore('pglite:memory'));
 * ```
 *
 * It tampers with the archive's tables directly (SQL `UPDATE`, `DELETE`, swapped sequence numbers, a
 * truncated tail, a re-hashed chain, forged checkpoints) and expects `verify()` to locate each.
 *
 * @packageDocumentation
 */
import { createHash, randomBytes } from 'node:crypto';
import { EventBus, ManualClock, type SemperEvent } from '@semper/core';
import { type Identity, TrustStore } from '@semper/crypto';
import { createTestPki, type TestPki } from '@semper/crypto/testing';
import type { Queryable, Store } from '@semper/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBundle } from './bundle.js';
import { verifyBundle } from './bundle-verify.js';
import { decodeCheckpointContent, encodeCheckpointContent, verifyCheckpoint } from './checkpoint.js';
import { ArchiveError } from './errors.js';
import type { ArchiveEvent } from './events.js';
import { type ArchiveOptions, type EvidenceArchive, openArchive } from './evidence-archive.js';
import { GENESIS_HASH, linkHash, recordBodyHash, recordHash } from './record-encoding.js';

/**
 * Runs `fn` in one transaction with the archive's append-only triggers disabled: how the suite (and
 * your tests) play the attacker who has write access to the database.
 *
 * @example
 * ```ts
 * import { tamperWithArchive } from '@semper/archive/testing';
 * await tamperWithArchive(store, (tx) => tx.query("UPDATE archive_records SET step = 'x' WHERE archive = $1 AND seq = 3", [archive.name]));
 * ```
 */
export async function tamperWithArchive<T>(store: Store, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return store.transaction(async (tx) => {
    await tx.exec(
      'ALTER TABLE archive_records DISABLE TRIGGER USER; ALTER TABLE archive_checkpoints DISABLE TRIGGER USER',
    );
    const result = await fn(tx);
    await tx.exec(
      'ALTER TABLE archive_records ENABLE TRIGGER USER; ALTER TABLE archive_checkpoints ENABLE TRIGGER USER',
    );
    return result;
  });
}

/**
 * Options of {@link describeArchiveSuite}.
 *
 * @example
 * ```ts
 * import type { ArchiveSuiteOptions } from '@semper/archive/testing';
 * const options: ArchiveSuiteOptions = { concurrency: 8 };
 * ```
 */
export interface ArchiveSuiteOptions {
  /**
   * How many appends race in the concurrency test; default 16. On a server, keep it within the pool
   * size or let them queue for connections (both are fine).
   */
  readonly concurrency?: number;
}

const enc = new TextEncoder();
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * The archive's conformance suite on the stores `openStore` makes (it opens one and closes it at the end).
 *
 * @example
 * ```ts
 * import { describeArchiveSuite } from '@semper/archive/testing';
 * import { openStore } from '@semper/store';
 * describeArchiveSuite('postgres', () => openStore(process.env.DATABASE_URL!));
 * ```
 */
export function describeArchiveSuite(
  name: string,
  openStore: () => Promise<Store>,
  options: ArchiveSuiteOptions = {},
): void {
  describe(`@semper/archive on ${name}`, () => {
    const run = randomBytes(3).toString('hex');
    const concurrency = options.concurrency ?? 16;
    let store: Store;
    let pki: TestPki;
    let party: Identity;
    let other: Identity;
    let clock: ManualClock;
    let n = 0;

    beforeAll(async () => {
      store = await openStore();
      pki = await createTestPki();
      [party, other] = await Promise.all([pki.issue('CN=Archiving Party, O=semper'), pki.issue('CN=Someone Else')]);
      clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
    });
    afterAll(async () => {
      await store?.close();
    });

    const fresh = (o: Partial<ArchiveOptions> = {}): Promise<EvidenceArchive> =>
      openArchive({ store, name: `suite-${run}-${++n}`, identity: party, clock, ...o });

    /** Appends `count` records alternating between deals A and B; returns them. */
    const fill = async (archive: EvidenceArchive, count: number) => {
      const out = [];
      for (let i = 1; i <= count; i++) {
        clock.advance(1000);
        out.push(
          await archive.append({
            dealId: i % 2 === 1 ? 'deal-A' : 'deal-B',
            step: `step-${i}`,
            direction: i % 3 === 0 ? 'received' : 'sent',
            content: enc.encode(`item ${i} of ${archive.name}\0\xff`),
            ...(i % 2 === 0 ? { peer: 'CN=Peer' } : {}),
          }),
        );
      }
      return out;
    };

    const tamper = (sql: string, params: readonly unknown[]) => tamperWithArchive(store, (tx) => tx.query(sql, params));

    it('appends records with consecutive positions, the exact bytes, SHA-256 digests, clock times and a hash chain', async () => {
      const archive = await fresh();
      const bytes = new Uint8Array([0, 1, 2, 0xff, 0xfe, 0, 0x80]);
      clock.advance(1000);
      const at = clock.now();
      const a = await archive.append({ dealId: 'deal-1', step: 'offer', direction: 'sent', content: bytes });
      const b = await archive.append({
        dealId: 'deal-1',
        step: 'order',
        direction: 'received',
        content: enc.encode('order 42 — 3 × widget'),
        peer: 'CN=Buyer, O=Example',
        contentType: 'application/json',
      });
      expect(a).toMatchObject({ archive: archive.name, seq: 1, prevHash: GENESIS_HASH, contentDigest: sha256(bytes) });
      expect(a.at).toEqual(at);
      expect(a.contentType).toBe('application/octet-stream');
      expect(b).toMatchObject({
        seq: 2,
        prevHash: a.hash,
        peer: 'CN=Buyer, O=Example',
        contentType: 'application/json',
      });
      expect(a.hash).toBe(recordHash(a));
      expect(b.hash).toBe(linkHash(2, a.hash, recordBodyHash(b)));
      const stored = await archive.record(1);
      expect(stored?.content).toEqual(bytes);
      expect(stored).toMatchObject({ hash: a.hash, step: 'offer', direction: 'sent', at });
      expect(await archive.head()).toEqual({ seq: 2, hash: b.hash });
      expect((await archive.records({ dealId: 'deal-1' })).map((r) => r.seq)).toEqual([1, 2]);
      expect(await archive.record(3)).toBeUndefined();
      bytes[0] = 9; // the archive copied the bytes
      expect((await archive.record(1))?.content[0]).toBe(0);
    });

    it('keeps one chain when many callers, and several archive objects, append at the same time', async () => {
      const archive = await fresh();
      const twin = await openArchive({ store, name: archive.name, identity: party, clock });
      const results = await Promise.all(
        Array.from({ length: concurrency * 2 }, (_, i) =>
          (i % 2 === 0 ? archive : twin).append({
            dealId: `deal-${i % 5}`,
            step: `parallel-${i}`,
            direction: 'sent',
            content: enc.encode(`parallel ${i}`),
          }),
        ),
      );
      const bySeq = [...results].sort((x, y) => x.seq - y.seq);
      expect(bySeq.map((r) => r.seq)).toEqual(Array.from({ length: concurrency * 2 }, (_, i) => i + 1));
      bySeq.forEach((r, i) => {
        expect(r.prevHash).toBe(i === 0 ? GENESIS_HASH : bySeq[i - 1].hash);
      });
      const result = await archive.verify();
      expect(result.issues).toEqual([]);
      expect(result).toMatchObject({ ok: true, records: concurrency * 2, head: { seq: concurrency * 2 } });
    });

    it('refuses UPDATE, DELETE and TRUNCATE of records and checkpoints in the database itself', async () => {
      const archive = await fresh();
      await fill(archive, 2);
      await archive.checkpoint();
      for (const sql of [
        'UPDATE archive_records SET step = $2 WHERE archive = $1',
        'DELETE FROM archive_records WHERE archive = $1 AND step <> $2',
        "UPDATE archive_checkpoints SET at = now() WHERE archive = $1 AND $2 <> ''",
        "DELETE FROM archive_checkpoints WHERE archive = $1 AND $2 <> ''",
      ]) {
        await expect(store.query(sql, [archive.name, 'x'])).rejects.toMatchObject({ sqlState: '55000' });
      }
      await expect(store.exec('TRUNCATE archive_records')).rejects.toMatchObject({ sqlState: '55000' });
      expect((await archive.verify()).ok).toBe(true);
    });

    it('signs checkpoints every N records and on demand: CMS SignedData over (archive, seq, head hash, time)', async () => {
      const archive = await fresh({ checkpointEvery: 5 });
      const records = await fill(archive, 12);
      let checkpoints = await archive.checkpoints();
      expect(checkpoints.map((c) => c.seq)).toEqual([5, 10]);
      expect(checkpoints[1].headHash).toBe(records[9].hash);
      clock.advance(500);
      const now = await archive.checkpoint();
      expect(now).toMatchObject({ archive: archive.name, seq: 12, headHash: records[11].hash, at: clock.now() });
      expect(await archive.checkpoint()).toMatchObject({ seq: 12, at: now.at }); // the same head: the same checkpoint
      checkpoints = await archive.checkpoints();
      expect(checkpoints.map((c) => c.seq)).toEqual([5, 10, 12]);
      const verified = await verifyCheckpoint(now.signed, {
        trust: pki.trust,
        expected: now,
        signer: party.certificate,
      });
      expect(verified.signer.subject).toBe('CN=Archiving Party, O=semper');
      const content = encodeCheckpointContent(now);
      expect(Buffer.from(now.signed).includes(Buffer.from(content))).toBe(true); // attached, canonical JSON
      expect(decodeCheckpointContent(content)).toEqual({
        archive: archive.name,
        seq: 12,
        headHash: records[11].hash,
        at: now.at,
      });
    });

    it('passes an intact archive, checkpoints included', async () => {
      const archive = await fresh({ checkpointEvery: 4 });
      await fill(archive, 10);
      await archive.checkpoint();
      const result = await archive.verify();
      expect(result).toEqual({
        ok: true,
        archive: archive.name,
        records: 10,
        head: await archive.head(),
        checkpoints: { total: 3, valid: 3 },
        issues: [],
        first: undefined,
      });
      expect((await (await fresh()).verify()).ok).toBe(true); // empty
    });

    it('locates a record whose bytes were changed (SQL UPDATE of the content)', async () => {
      const archive = await fresh({ checkpointEvery: 5 });
      await fill(archive, 8);
      await tamper('UPDATE archive_records SET content = $3 WHERE archive = $1 AND seq = $2', [
        archive.name,
        4n,
        enc.encode('forged'),
      ]);
      const result = await archive.verify();
      expect(result.ok).toBe(false);
      expect(result.first).toMatchObject({ kind: 'altered', seq: 4, part: 'content' });
      expect(result.issues).toHaveLength(1);
    });

    it('locates a record whose fields were changed (SQL UPDATE of the step, the direction, the time)', async () => {
      for (const [column, value] of [
        ['step', 'refund'],
        ['direction', 'received'],
        ['at', new Date(0)],
      ] as const) {
        const archive = await fresh();
        await fill(archive, 6);
        await tamper(`UPDATE archive_records SET ${column} = $3 WHERE archive = $1 AND seq = $2`, [
          archive.name,
          2n,
          value,
        ]);
        const result = await archive.verify();
        expect(result.first, column).toMatchObject({ kind: 'altered', seq: 2, part: 'record' });
        expect(result.issues, column).toHaveLength(1);
      }
    });

    it('locates a record replaced by a self-consistent one (fields and hash both rewritten)', async () => {
      const archive = await fresh();
      const records = await fill(archive, 6);
      const forged = { ...records[2], step: 'cancel' };
      await tamper('UPDATE archive_records SET step = $3, hash = $4 WHERE archive = $1 AND seq = $2', [
        archive.name,
        3n,
        'cancel',
        Buffer.from(recordHash(forged), 'hex'),
      ]);
      const result = await archive.verify();
      expect(result.first).toMatchObject({ kind: 'altered', seq: 3, part: 'rewritten' });
    });

    it('locates removed records (SQL DELETE in the middle)', async () => {
      const archive = await fresh({ checkpointEvery: 5 });
      await fill(archive, 9);
      await tamper('DELETE FROM archive_records WHERE archive = $1 AND seq = $2', [archive.name, 6n]);
      expect((await archive.verify()).first).toMatchObject({ kind: 'removed', seq: 6, through: 6 });
      await tamper('DELETE FROM archive_records WHERE archive = $1 AND seq IN (2, 3)', [archive.name]);
      const result = await archive.verify();
      expect(result.first).toMatchObject({ kind: 'removed', seq: 2, through: 3 });
      expect(result.issues.map((i) => i.kind)).toEqual(['removed', 'removed']);
    });

    it('locates records removed from the middle and the rest renumbered', async () => {
      const archive = await fresh();
      await fill(archive, 7);
      await tamperWithArchive(store, async (tx) => {
        await tx.query('DELETE FROM archive_records WHERE archive = $1 AND seq = 3', [archive.name]);
        for (let seq = 4; seq <= 7; seq++) {
          await tx.query('UPDATE archive_records SET seq = seq - 1 WHERE archive = $1 AND seq = $2', [
            archive.name,
            BigInt(seq),
          ]);
        }
        await tx.query(
          'UPDATE archive_heads SET seq = 6, hash = (SELECT hash FROM archive_records WHERE archive = $1 AND seq = 6) WHERE archive = $1',
          [archive.name],
        );
      });
      const result = await archive.verify();
      expect(result.first).toMatchObject({ kind: 'removed', seq: 3, through: 3 });
      expect(result.issues).toHaveLength(1);
    });

    it('locates reordered records (sequence numbers swapped in the database)', async () => {
      const archive = await fresh({ checkpointEvery: 4 });
      await fill(archive, 8);
      await tamperWithArchive(store, async (tx) => {
        const swap = 'UPDATE archive_records SET seq = $3 WHERE archive = $1 AND seq = $2';
        await tx.query(swap, [archive.name, 5n, 1000000n]);
        await tx.query(swap, [archive.name, 6n, 5n]);
        await tx.query(swap, [archive.name, 1000000n, 6n]);
      });
      const result = await archive.verify();
      expect(result.first).toMatchObject({ kind: 'reordered', seq: 5, originalSeq: 6 });
      expect(result.issues).toEqual([
        expect.objectContaining({ kind: 'reordered', seq: 5, originalSeq: 6 }),
        expect.objectContaining({ kind: 'reordered', seq: 6, originalSeq: 5 }),
      ]);
      await tamperWithArchive(store, async (tx) => {
        const swap = 'UPDATE archive_records SET seq = $3 WHERE archive = $1 AND seq = $2';
        await tx.query(swap, [archive.name, 2n, 1000000n]);
        await tx.query(swap, [archive.name, 7n, 2n]);
        await tx.query(swap, [archive.name, 1000000n, 7n]);
      });
      expect((await archive.verify()).first).toMatchObject({ kind: 'reordered', seq: 2, originalSeq: 7 });
    });

    it('detects a tail truncated after a checkpoint, and says what proves it', async () => {
      // Records 4–8 deleted: the head (8) says they existed, the signed checkpoint at 5 proves 4–5 did.
      const a = await fresh({ checkpointEvery: 5 });
      await fill(a, 8);
      await tamper('DELETE FROM archive_records WHERE archive = $1 AND seq > 3', [a.name]);
      expect((await a.verify()).first).toMatchObject({ kind: 'truncated', seq: 4, through: 8, evidence: 'checkpoint' });
      await expect(
        a.append({ dealId: 'x', step: 'y', direction: 'sent', content: new Uint8Array() }),
      ).rejects.toMatchObject({
        code: 'ERR_ARCHIVE_INCONSISTENT',
      });
      // The attacker also moves the head back: the signed checkpoint still proves records 4–5.
      await tamper(
        'UPDATE archive_heads SET seq = 3, hash = (SELECT hash FROM archive_records WHERE archive = $1 AND seq = 3) WHERE archive = $1',
        [a.name],
      );
      const result = await a.verify();
      expect(result.first).toMatchObject({ kind: 'truncated', seq: 4, through: 5, evidence: 'checkpoint' });
      expect(result.issues).toHaveLength(1);
      // Only records after the last checkpoint deleted: the head proves them.
      const b = await fresh({ checkpointEvery: 5 });
      await fill(b, 8);
      await tamper('DELETE FROM archive_records WHERE archive = $1 AND seq > 6', [b.name]);
      expect((await b.verify()).first).toMatchObject({ kind: 'truncated', seq: 7, through: 8, evidence: 'head' });
    });

    it('detects a chain rewritten and re-hashed after a checkpoint, between two checkpoints', async () => {
      const archive = await fresh({ checkpointEvery: 4 });
      const records = await fill(archive, 10);
      let prevHash = records[4].hash;
      await tamperWithArchive(store, async (tx) => {
        for (const r of records.slice(5)) {
          const forged = { ...r, prevHash, ...(r.seq === 6 ? { step: 'forged' } : {}) };
          const hash = recordHash(forged);
          await tx.query(
            'UPDATE archive_records SET step = $3, prev_hash = $4, hash = $5 WHERE archive = $1 AND seq = $2',
            [archive.name, BigInt(r.seq), forged.step, Buffer.from(prevHash, 'hex'), Buffer.from(hash, 'hex')],
          );
          prevHash = hash;
        }
        await tx.query('UPDATE archive_heads SET hash = $2 WHERE archive = $1', [
          archive.name,
          Buffer.from(prevHash, 'hex'),
        ]);
      });
      const result = await archive.verify();
      expect(result.first).toMatchObject({ kind: 'checkpoint-mismatch', checkpointSeq: 8, from: 5 });
      expect(result.issues).toHaveLength(1);
    });

    it('reports checkpoints whose signature, content or signer does not verify', async () => {
      const archive = await fresh({ checkpointEvery: 3 });
      await fill(archive, 9);
      const [, second, third] = await archive.checkpoints();
      const broken = new Uint8Array(second.signed);
      broken[broken.length - 5] ^= 0x01; // inside the signature value
      await tamper('UPDATE archive_checkpoints SET signed = $3 WHERE archive = $1 AND seq = $2', [
        archive.name,
        6n,
        broken,
      ]);
      await tamper('UPDATE archive_checkpoints SET head_hash = $3 WHERE archive = $1 AND seq = $2', [
        archive.name,
        9n,
        Buffer.alloc(32, 7),
      ]);
      const result = await archive.verify();
      expect(result.ok).toBe(false);
      expect(result.checkpoints).toEqual({ total: 3, valid: 1 });
      expect(result.issues).toEqual([
        expect.objectContaining({
          kind: 'checkpoint-invalid',
          checkpointSeq: 6,
          code: expect.stringMatching(/^ERR_CRYPTO_/),
        }),
        expect.objectContaining({
          kind: 'checkpoint-invalid',
          checkpointSeq: 9,
          code: 'ERR_ARCHIVE_CHECKPOINT_INVALID',
        }),
      ]);
      expect(third.seq).toBe(9);
      // Trust that does not include the signer, or another required signer.
      const fresh2 = await fresh({ checkpointEvery: 2 });
      await fill(fresh2, 2);
      const strangers = await createTestPki({ name: 'stranger' });
      const untrusted = await fresh2.verify({ trust: strangers.trust });
      expect(untrusted.first).toMatchObject({ kind: 'checkpoint-invalid', code: 'ERR_CRYPTO_UNTRUSTED_SIGNER' });
      const wrongSigner = await fresh2.verify({ trust: pki.trust, signer: other.certificate });
      expect(wrongSigner.first).toMatchObject({ kind: 'checkpoint-invalid', code: 'ERR_ARCHIVE_CHECKPOINT_INVALID' });
      expect((await fresh2.verify({ trust: pki.trust, signer: party.certificate })).ok).toBe(true);
    });

    it('signs no checkpoint over a chain altered since the previous checkpoint', async () => {
      const archive = await fresh({ checkpointEvery: 4 });
      await fill(archive, 6);
      await tamper('UPDATE archive_records SET content = $3 WHERE archive = $1 AND seq = $2', [
        archive.name,
        5n,
        enc.encode('forged'),
      ]);
      await expect(archive.checkpoint()).rejects.toMatchObject({ code: 'ERR_ARCHIVE_INCONSISTENT' });
      const failed: ArchiveEvent[] = [];
      const sub = archive.events$.subscribe((e) => {
        if (e.type === 'archive.checkpoint-failed') failed.push(e);
      });
      await fill(archive, 2); // record 8 is due a checkpoint
      sub.unsubscribe();
      expect(failed).toEqual([expect.objectContaining({ seq: 8, code: 'ERR_ARCHIVE_INCONSISTENT' })]);
      expect((await archive.checkpoints()).map((c) => c.seq)).toEqual([4]);
      // Nor over a tail truncated behind a checkpoint, head row and all.
      const b = await fresh({ checkpointEvery: 4 });
      await fill(b, 5);
      await tamperWithArchive(store, async (tx) => {
        await tx.query('DELETE FROM archive_records WHERE archive = $1 AND seq > 2', [b.name]);
        await tx.query(
          'UPDATE archive_heads SET seq = 2, hash = (SELECT hash FROM archive_records WHERE archive = $1 AND seq = 2) WHERE archive = $1',
          [b.name],
        );
      });
      await expect(b.checkpoint()).rejects.toMatchObject({ code: 'ERR_ARCHIVE_INCONSISTENT' });
    });

    it('publishes record-appended, checkpoint-made and verification-failed, on events$ and on the party bus', async () => {
      const bus = new EventBus(clock);
      const archive = await fresh({ checkpointEvery: 2, events: bus });
      const own: ArchiveEvent[] = [];
      const party: SemperEvent[] = [];
      const s1 = archive.events$.subscribe((e) => own.push(e));
      const s2 = bus.events$.subscribe((e) => party.push(e));
      const [first, second] = await fill(archive, 2);
      await tamper('UPDATE archive_records SET step = $3 WHERE archive = $1 AND seq = $2', [archive.name, 1n, 'x']);
      await archive.verify();
      s1.unsubscribe();
      s2.unsubscribe();
      expect(own.map((e) => e.type)).toEqual([
        'archive.record-appended',
        'archive.record-appended',
        'archive.checkpoint-made',
        'archive.verification-failed',
      ]);
      expect(own[0]).toMatchObject({ archive: archive.name, seq: 1, dealId: 'deal-A', hash: first.hash, at: first.at });
      expect(own[2]).toMatchObject({ seq: 2, headHash: second.hash });
      expect(own[3]).toMatchObject({
        source: 'archive',
        issues: [expect.objectContaining({ kind: 'altered', seq: 1 })],
      });
      expect(party.map((e) => e.type)).toEqual(own.map((e) => e.type));
      expect(JSON.stringify(own)).not.toContain('item 1'); // no content in events
    });

    it('exports a deal as a bundle that verifies offline and shows other deals only as hashes', async () => {
      const archive = await fresh({ checkpointEvery: 4 });
      await fill(archive, 9);
      const bundle = await archive.exportBundle('deal-A');
      const { manifest, items } = readBundle(bundle);
      expect(manifest.segments.flatMap((s) => s.entries.filter((e) => 'record' in e).map((e) => e.seq))).toEqual([
        1, 3, 5, 7, 9,
      ]);
      expect(Buffer.from(bundle).includes('deal-B')).toBe(false);
      expect(Buffer.from(bundle).includes('step-2')).toBe(false);
      expect(items.get('records/3.bin')).toEqual(enc.encode(`item 3 of ${archive.name}\0\xff`));
      const report = await verifyBundle(bundle, { trust: pki.trust, signer: party.certificate });
      expect(report.issues).toEqual([]);
      expect(report.verdict).toBe('valid');
      expect(report.records.map((r) => [r.seq, r.coveredBy])).toEqual([
        [1, 4],
        [3, 4],
        [5, 8],
        [7, 8],
        [9, 9], // a checkpoint made for the export
      ]);
      expect((await archive.checkpoints()).map((c) => c.seq)).toEqual([4, 8, 9]);
      await expect(archive.exportBundle('deal-none')).rejects.toMatchObject({ code: 'ERR_ARCHIVE_DEAL_NOT_FOUND' });
    });

    it('exports the damage of a tampered archive, which the bundle verifier then locates', async () => {
      const archive = await fresh({ checkpointEvery: 4 });
      await fill(archive, 8);
      await tamper('UPDATE archive_records SET content = $3 WHERE archive = $1 AND seq = $2', [
        archive.name,
        5n,
        enc.encode('forged'),
      ]);
      const report = await verifyBundle(await archive.exportBundle('deal-A'), { trust: pki.trust });
      expect(report.verdict).toBe('invalid');
      expect(report.issues[0]).toMatchObject({ kind: 'altered', seq: 5, part: 'content' });
    });

    it('refuses invalid input with ERR_ARCHIVE_INVALID_ARGUMENT, and checkpoints it cannot make', async () => {
      const archive = await fresh();
      const ok = { dealId: 'd', step: 's', direction: 'sent', content: new Uint8Array(1) } as const;
      for (const bad of [
        { ...ok, dealId: '' },
        { ...ok, step: 'a\0b' },
        { ...ok, direction: 'lost' },
        { ...ok, content: 'text' },
        { ...ok, peer: '\ud800' },
        { ...ok, contentType: 'x'.repeat(201) },
      ]) {
        await expect(archive.append(bad as never)).rejects.toMatchObject({ code: 'ERR_ARCHIVE_INVALID_ARGUMENT' });
      }
      await expect(archive.checkpoint()).rejects.toMatchObject({ code: 'ERR_ARCHIVE_EMPTY' });
      const unsigned = await fresh({ identity: undefined });
      await unsigned.append(ok);
      await expect(unsigned.checkpoint()).rejects.toBeInstanceOf(ArchiveError);
      await expect(unsigned.checkpoint()).rejects.toMatchObject({ code: 'ERR_ARCHIVE_NO_SIGNER' });
      await expect(fresh({ name: 'no spaces' })).rejects.toMatchObject({ code: 'ERR_ARCHIVE_INVALID_ARGUMENT' });
      await expect(fresh({ identity: undefined, checkpointEvery: 3 })).rejects.toMatchObject({
        code: 'ERR_ARCHIVE_INVALID_ARGUMENT',
      });
      expect((await unsigned.verify({ trust: new TrustStore() })).ok).toBe(true);
    });
  });
}
