// Evidence bundles: export from an archive on PGlite, offline verification, tampering with the bundle file,
// malformed input, the CLI-facing verifyBundleFile, and OpenSSL verifying the extracted signed items.
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { ManualClock } from '@semper/core';
import { createIdentity, type Identity, signData, TrustStore } from '@semper/crypto';
import { createTestPki, type TestPki } from '@semper/crypto/testing';
import { openStore, type Store } from '@semper/store';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslOk, type Scratch, scratch } from '../../../test/support/openssl.js';
import { type BundleEntry, type BundleManifest, readBundle, writeBundle } from './bundle.js';
import { readTar, writeTar } from './bundle-tar.js';
import { type BundleReport, verifyBundle, verifyBundleFile } from './bundle-verify.js';
import { signCheckpoint } from './checkpoint.js';
import { BundleFormatError } from './errors.js';
import { type EvidenceArchive, openArchive } from './evidence-archive.js';
import { SIGNED_DATA_CONTENT_TYPE } from './record-encoding.js';

const enc = new TextEncoder();
const run = promisify(execFile);
let store: Store;
let s: Scratch;
let pki: TestPki;
let merchant: Identity;
let buyer: Identity;
let archive: EvidenceArchive;
let bundle: Uint8Array;
const statements: Record<string, string> = {};

/** A copy of `bundle` with its manifest changed by `edit` (and items dropped or replaced by `items`). */
function rebuild(
  edit: (m: BundleManifest) => BundleManifest,
  items: (i: Map<string, Uint8Array>) => Map<string, Uint8Array> = (i) => i,
): Uint8Array {
  const parsed = readBundle(bundle);
  const manifest = edit(structuredClone(parsed.manifest) as BundleManifest);
  return writeBundle(manifest, items(new Map(parsed.items)));
}

/** The manifest as a mutable structure. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };
const mutable = (m: BundleManifest) => m as unknown as Mutable<BundleManifest>;

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

beforeAll(async () => {
  const opening = openStore('pglite:memory');
  s = await scratch('semper-archive-bundle-');
  pki = await createTestPki();
  [merchant, buyer] = await Promise.all([pki.issue('CN=Merchant, O=Shop'), pki.issue('CN=Buyer')]);
  store = await opening;
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
  archive = await openArchive({ store, name: 'merchant', identity: merchant, clock, checkpointEvery: 3 });
  const steps: [string, 'sent' | 'received', Identity | undefined, string][] = [
    ['deal-42', 'sent', merchant, 'offer'],
    ['deal-7', 'sent', merchant, 'offer'],
    ['deal-42', 'received', buyer, 'order'],
    ['deal-7', 'received', undefined, 'order'],
    ['deal-7', 'sent', undefined, 'payment'],
    ['deal-42', 'sent', merchant, 'confirmation'],
    ['deal-7', 'received', undefined, 'receipt'],
    ['deal-42', 'received', undefined, 'payment.ecash'],
  ];
  for (const [dealId, direction, signer, step] of steps) {
    clock.advance(1000);
    const body = `{"deal":"${dealId}","step":"${step}"}`;
    if (signer) {
      const signed = await signData(enc.encode(body), { signer, signingTime: clock.now() });
      const r = await archive.append({
        dealId,
        step,
        direction,
        content: signed,
        contentType: SIGNED_DATA_CONTENT_TYPE,
      });
      statements[`records/${r.seq}.der`] = body;
    } else {
      await archive.append({ dealId, step, direction, content: enc.encode(`${body}\0binary\xff`), peer: 'CN=Buyer' });
    }
  }
  bundle = await archive.exportBundle('deal-42');
  await s.write('root.pem', pki.root.certificate.toPem());
  await s.write('bundle.tar', bundle);
});

afterAll(async () => {
  await store?.close();
  await s?.dispose();
});

describe('an exported bundle', () => {
  it('verifies offline, and reports it as human lines and as JSON', async () => {
    const report = await verifyBundle(bundle, { trust: pki.trust, signer: merchant.certificate });
    expect(report.issues).toEqual([]);
    expect(report).toMatchObject({
      verdict: 'valid',
      format: 'semper.archive.bundle v1',
      recordEncoding: 'semper.archive.record.v1',
      archive: 'merchant',
      dealId: 'deal-42',
    });
    expect(report.records.map((r) => [r.seq, r.step, r.direction, r.coveredBy, r.content])).toEqual([
      [1, 'offer', 'sent', 3, 'intact'],
      [3, 'order', 'received', 3, 'intact'],
      [6, 'confirmation', 'sent', 6, 'intact'],
      [8, 'payment.ecash', 'received', 8, 'intact'],
    ]);
    expect(report.records.map((r) => r.statement?.signer)).toEqual([
      'CN=Merchant, O=Shop',
      'CN=Buyer',
      'CN=Merchant, O=Shop',
      undefined,
    ]);
    expect(report.checkpoints.map((c) => [c.seq, c.valid, c.matches, c.signer])).toEqual([
      [3, true, true, 'CN=Merchant, O=Shop'],
      [6, true, true, 'CN=Merchant, O=Shop'],
      [8, true, true, 'CN=Merchant, O=Shop'],
    ]);
    expect(report.lines[0]).toBe('semper evidence bundle: VALID');
    expect(report.lines).toContain('  records:     4 of the deal, all covered by a valid signed checkpoint');
    expect(report.lines.some((l) => l.startsWith('  record 3 ') && l.includes('statement by CN=Buyer'))).toBe(true);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('is a ustar file of the manifest and DER items that tar lists and unpacks', async () => {
    const { stdout } = await run('tar', ['-tf', 'bundle.tar'], { cwd: s.dir });
    expect(stdout.trim().split('\n')).toEqual([
      'manifest.json',
      'records/1.der',
      'records/3.der',
      'checkpoints/3.der',
      'records/6.der',
      'checkpoints/6.der',
      'records/8.bin',
      'checkpoints/8.der',
    ]);
    expect(readBundle(bundle).items.has('manifest.json')).toBe(false); // the manifest is not an item
    expect(Buffer.from(bundle).includes('deal-7')).toBe(false); // other deals only as body hashes
  });

  it('holds checkpoints and signed statements that openssl cms -verify accepts once extracted', async () => {
    await run('tar', ['-xf', 'bundle.tar'], { cwd: s.dir });
    const checkpoints = await readdir(s.path('checkpoints'));
    expect(checkpoints.sort()).toEqual(['3.der', '6.der', '8.der']);
    const { manifest } = readBundle(bundle);
    for (const c of manifest.segments.flatMap((seg) => seg.checkpoints)) {
      const out = await opensslOk(
        ['cms', '-verify', '-binary', '-inform', 'DER', '-in', c.file, '-CAfile', 'root.pem'],
        { cwd: s.dir },
      );
      expect(JSON.parse(out.toString('utf8'))).toEqual({
        archive: 'merchant',
        at: c.at,
        headHash: c.headHash,
        seq: c.seq,
        type: 'semper.archive.checkpoint',
        version: 1,
      });
    }
    expect(Object.keys(statements)).toEqual(['records/1.der', 'records/2.der', 'records/3.der', 'records/6.der']);
    for (const file of ['records/1.der', 'records/3.der', 'records/6.der']) {
      const out = await opensslOk(['cms', '-verify', '-binary', '-inform', 'DER', '-in', file, '-CAfile', 'root.pem'], {
        cwd: s.dir,
      });
      expect(out.toString('utf8')).toBe(statements[file]);
      expect(new Uint8Array(await readFile(s.path(file)))).toEqual(readBundle(bundle).items.get(file));
    }
    // And OpenSSL refuses a checkpoint of the bundle with one bit changed.
    const forged = new Uint8Array(await readFile(s.path('checkpoints/6.der')));
    forged[forged.length - 4] ^= 1;
    await s.write('forged.der', forged);
    await expect(
      opensslOk(['cms', '-verify', '-binary', '-inform', 'DER', '-in', 'forged.der', '-CAfile', 'root.pem'], {
        cwd: s.dir,
      }),
    ).rejects.toThrow(/failed/);
  });
});

describe('a tampered bundle', () => {
  const verify = (bytes: Uint8Array, o: Partial<Parameters<typeof verifyBundle>[1]> = {}) =>
    verifyBundle(bytes, { trust: pki.trust, signer: merchant.certificate, ...o });

  it('names the record whose bytes were changed in the file', async () => {
    for (const file of ['records/8.bin', 'records/3.der']) {
      const copy = new Uint8Array(bundle);
      const item = readBundle(copy).items.get(file)!;
      copy[item.byteOffset + 2] ^= 0x20;
      const report = await verify(copy);
      expect(report.verdict, file).toBe('invalid');
      expect(report.issues, file).toEqual([
        expect.objectContaining({ kind: 'altered', seq: Number(file.match(/\d+/)![0]), part: 'content' }),
      ]);
      expect(report.lines.at(-1)).toMatch(/^ {2}problem: record \d: record \d was altered/);
    }
  });

  it('names the record whose fields were changed in the manifest', async () => {
    const forged = rebuild((m) => {
      const e = mutable(m).segments[1].entries.find((x) => x.seq === 6) as { record: { step: string } };
      e.record.step = 'cancellation';
      return m;
    });
    const report = await verify(forged);
    expect(report.issues).toEqual([expect.objectContaining({ kind: 'altered', seq: 6, part: 'record' })]);
    expect(report.checkpoints.find((c) => c.seq === 6)).toMatchObject({ valid: true, matches: false });
    expect(report.records.find((r) => r.seq === 6)?.coveredBy).toBeUndefined();
  });

  it('names records removed from, or reordered in, the chain', async () => {
    expect(readBundle(bundle).manifest.segments.map((seg) => seg.entries.map((e) => e.seq))).toEqual([
      [1, 2, 3],
      [6],
      [8],
    ]);
    const removed = rebuild((m) => {
      const seg = mutable(m).segments[0];
      seg.entries = seg.entries.filter((e) => e.seq !== 2) as typeof seg.entries;
      return m;
    });
    expect((await verify(removed)).issues).toEqual([expect.objectContaining({ kind: 'removed', seq: 2, through: 2 })]);
    const reordered = rebuild((m) => {
      const seg = mutable(m).segments[0];
      const [a, b, c] = seg.entries as BundleEntry[];
      seg.entries = [a, c, b] as typeof seg.entries;
      return m;
    });
    expect((await verify(reordered)).issues).toEqual([
      expect.objectContaining({ kind: 'reordered', seq: 2, originalSeq: 3 }),
    ]);
  });

  it('reports forged, untrusted and missing checkpoints', async () => {
    // A checkpoint re-signed by someone else, saying the same thing.
    const { manifest, items } = readBundle(bundle);
    const c6 = manifest.segments[1].checkpoints[0];
    const resigned = await signCheckpoint(
      { archive: 'merchant', seq: c6.seq, headHash: c6.headHash, at: new Date(c6.at) },
      buyer,
    );
    const forged = rebuild(
      (m) => m,
      (i) => i.set(c6.file, resigned.signed),
    );
    expect((await verify(forged)).issues).toEqual([
      expect.objectContaining({ kind: 'checkpoint-invalid', checkpointSeq: 6, code: 'ERR_ARCHIVE_CHECKPOINT_INVALID' }),
    ]);
    expect((await verify(forged, { signer: undefined })).verdict).toBe('valid'); // any trusted signer
    const strangers = await createTestPki({ name: 'strangers' });
    const untrusted = await verify(bundle, { trust: strangers.trust, signer: undefined, statements: false });
    expect(untrusted.issues.map((i) => [i.kind, 'code' in i ? i.code : undefined])).toEqual([
      ['checkpoint-invalid', 'ERR_CRYPTO_UNTRUSTED_SIGNER'],
      ['checkpoint-invalid', 'ERR_CRYPTO_UNTRUSTED_SIGNER'],
      ['checkpoint-invalid', 'ERR_CRYPTO_UNTRUSTED_SIGNER'],
    ]);
    // The checkpoint's listed time changed (to pass validation at another time): its signed time differs.
    const retimed = rebuild((m) => {
      mutable(m).segments[0].checkpoints[0].at = new Date(
        Date.parse(m.segments[0].checkpoints[0].at) + 1,
      ).toISOString();
      return m;
    });
    expect((await verify(retimed)).issues[0]).toMatchObject({ kind: 'checkpoint-invalid', checkpointSeq: 3 });
    // No checkpoints at all: nothing is proven.
    const bare = rebuild(
      (m) => {
        for (const seg of mutable(m).segments) seg.checkpoints = [];
        return m;
      },
      (i) => new Map([...i].filter(([name]) => !name.startsWith('checkpoints/'))),
    );
    const report = await verify(bare);
    expect(report.issues.map((i) => [i.kind, 'seq' in i ? i.seq : 0])).toEqual([
      ['not-covered', 1],
      ['not-covered', 3],
      ['not-covered', 6],
      ['not-covered', 8],
    ]);
    expect(report.lines).toContain('  records:     4 of the deal, 0 covered by a valid signed checkpoint');
    expect(items.size).toBe(7);
  });

  it('reports an archived statement whose signature does not verify', async () => {
    const outsider = await createIdentity({ subject: 'CN=Outsider' });
    const other = await openArchive({ store, name: 'merchant-2', identity: merchant });
    const signed = await signData(enc.encode('{"claim":"unverifiable"}'), { signer: outsider });
    await other.append({
      dealId: 'deal-9',
      step: 'offer',
      direction: 'received',
      content: signed,
      contentType: SIGNED_DATA_CONTENT_TYPE,
    });
    const exported = await other.exportBundle('deal-9');
    const report = await verify(exported);
    expect(report.issues).toEqual([
      expect.objectContaining({ kind: 'statement-invalid', seq: 1, code: 'ERR_CRYPTO_UNTRUSTED_SIGNER' }),
    ]);
    expect(report.records[0].statement).toMatchObject({ verified: false, code: 'ERR_CRYPTO_UNTRUSTED_SIGNER' });
    expect((await verify(exported, { statements: false })).verdict).toBe('valid');
    const both = new TrustStore([pki.root.certificate, outsider.certificate]);
    expect((await verify(exported, { statementTrust: both })).verdict).toBe('valid');
  });
});

describe('malformed bundles', () => {
  const code = async (bytes: Uint8Array, limits?: object) =>
    ((await rejection(verifyBundle(bytes, { trust: pki.trust, ...(limits ? { limits } : {}) }))) as BundleFormatError)
      ?.code;

  it('are refused with typed errors', async () => {
    const tarOf = (files: { name: string; data: Uint8Array }[]) => writeTar(files, 0);
    const manifestOf = (value: unknown) => ({ name: 'manifest.json', data: enc.encode(JSON.stringify(value)) });
    const good = readBundle(bundle).manifest;
    const editFirst = (edit: (e: { seq: number; record: object }) => void) =>
      rebuild((m) => {
        edit(mutable(m).segments[0].entries[0] as unknown as { seq: number; record: object });
        return m;
      });
    const cases: [string, Uint8Array, string][] = [
      ['empty', new Uint8Array(), 'ERR_ARCHIVE_BUNDLE_MALFORMED'],
      ['not a tar', enc.encode('x'.repeat(1024)), 'ERR_ARCHIVE_BUNDLE_MALFORMED'],
      ['cut short', bundle.subarray(0, 1536), 'ERR_ARCHIVE_BUNDLE_MALFORMED'],
      ['no end marker', bundle.subarray(0, bundle.length - 1024), 'ERR_ARCHIVE_BUNDLE_MALFORMED'],
      [
        'manifest not first',
        tarOf([{ name: 'records/1.bin', data: new Uint8Array() }]),
        'ERR_ARCHIVE_BUNDLE_MALFORMED',
      ],
      ['not JSON', tarOf([{ name: 'manifest.json', data: enc.encode('{') }]), 'ERR_ARCHIVE_BUNDLE_MALFORMED'],
      ['another format', tarOf([manifestOf({ format: 'zip' })]), 'ERR_ARCHIVE_BUNDLE_UNSUPPORTED'],
      ['version 2', tarOf([manifestOf({ ...good, version: 2 })]), 'ERR_ARCHIVE_BUNDLE_UNSUPPORTED'],
      ['unknown key', rebuild((m) => ({ ...m, extra: 1 }) as never), 'ERR_ARCHIVE_BUNDLE_MALFORMED'],
      [
        'missing item',
        rebuild(
          (m) => m,
          (i) => new Map([...i].filter(([name]) => name !== 'records/3.der')),
        ),
        'ERR_ARCHIVE_BUNDLE_MALFORMED',
      ],
      [
        'stray item',
        rebuild(
          (m) => m,
          (i) => i.set('records/99.bin', new Uint8Array()),
        ),
        'ERR_ARCHIVE_BUNDLE_MALFORMED',
      ],
      ['bad seq', editFirst((e) => Object.assign(e, { seq: -1 })), 'ERR_ARCHIVE_BUNDLE_MALFORMED'],
      ['another deal', editFirst((e) => Object.assign(e.record, { dealId: 'x' })), 'ERR_ARCHIVE_BUNDLE_MALFORMED'],
      ['lone surrogate', editFirst((e) => Object.assign(e.record, { step: '\ud800' })), 'ERR_ARCHIVE_BUNDLE_MALFORMED'],
      [
        'bad digest',
        editFirst((e) => Object.assign(e.record, { contentDigest: 'AB' })),
        'ERR_ARCHIVE_BUNDLE_MALFORMED',
      ],
      ['bad file', editFirst((e) => Object.assign(e.record, { file: '../x' })), 'ERR_ARCHIVE_BUNDLE_MALFORMED'],
    ];
    for (const [what, bytes, expected] of cases) expect(await code(bytes), what).toBe(expected);
    expect(await code(bundle, { maxBundleBytes: 1024 })).toBe('ERR_ARCHIVE_BUNDLE_TOO_LARGE');
    expect(await code(bundle, { maxItemBytes: 100 })).toBe('ERR_ARCHIVE_BUNDLE_TOO_LARGE');
    expect(await code(bundle, { maxEntries: 3 })).toBe('ERR_ARCHIVE_BUNDLE_TOO_LARGE');
    expect(await code(bundle, { maxFiles: 2 })).toBe('ERR_ARCHIVE_BUNDLE_TOO_LARGE');
  });

  it('have their tar headers checked: checksum, type, names', () => {
    const files = [{ name: 'manifest.json', data: enc.encode('{}') }];
    const ok = writeTar(files, 0);
    expect(readTar(ok, { maxFiles: 10, maxFileBytes: 100 }).map((f) => f.name)).toEqual(['manifest.json']);
    const limits = { maxFiles: 10, maxFileBytes: 100 };
    const patched = (offset: number, value: string) => {
      const copy = new Uint8Array(ok);
      for (let i = 0; i < value.length; i++) copy[offset + i] = value.charCodeAt(i);
      // Recompute the checksum so that only the patched field is wrong.
      for (let i = 148; i < 156; i++) copy[i] = 0x20;
      let sum = 0;
      for (let i = 0; i < 512; i++) sum += copy[i];
      const text = `${sum.toString(8).padStart(6, '0')}\0 `;
      for (let i = 0; i < 8; i++) copy[148 + i] = text.charCodeAt(i);
      return copy;
    };
    const broken = new Uint8Array(ok);
    broken[0] ^= 1;
    expect(() => readTar(broken, limits)).toThrow(/checksum/);
    expect(() => readTar(patched(156, '5'), limits)).toThrow(/regular file/); // a directory
    expect(() => readTar(patched(156, '2'), limits)).toThrow(/regular file/); // a symbolic link
    expect(() => readTar(patched(0, '../etc/passwd'.padEnd(100, '\0')), limits)).toThrow(/bad file name/);
    expect(() => readTar(patched(0, '/etc/passwd'.padEnd(100, '\0')), limits)).toThrow(/bad file name/);
    expect(() => readTar(patched(0, 'a/./b'.padEnd(100, '\0')), limits)).toThrow(/bad file name/);
    expect(() => readTar(patched(345, 'prefix'), limits)).toThrow(/prefix/);
    expect(() => readTar(patched(257, 'ustar '), limits)).toThrow(/ustar/);
    expect(() => readTar(patched(124, '77777777777'), limits)).toThrow(/larger/);
    expect(() => readTar(writeTar([...files, ...files], 0), limits)).toThrow(/twice/);
  });

  it('never fail with anything but a typed error or an invalid verdict, whatever bytes change', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: bundle.length - 1 }), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        async (flips) => {
          const copy = new Uint8Array(bundle);
          for (const [at, xor] of flips) copy[at] ^= xor;
          let report: BundleReport | undefined;
          try {
            report = await verifyBundle(copy, { trust: pki.trust, signer: merchant.certificate });
          } catch (err) {
            expect(err).toBeInstanceOf(BundleFormatError);
            return;
          }
          // A change in padding or in an unused header field may leave the evidence intact.
          // (exportedAt is informative: nothing signs it.)
          if (report.verdict === 'valid') {
            const a = readBundle(copy);
            const b = readBundle(bundle);
            expect({ ...a.manifest, exportedAt: '' }).toEqual({ ...b.manifest, exportedAt: '' });
            expect([...a.items]).toEqual([...b.items]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('verifyBundleFile', () => {
  it('reports on a bundle file, with trust as PEM', async () => {
    const report = await verifyBundleFile(s.path('bundle.tar'), { trustPem: pki.root.certificate.toPem() });
    expect(report).toMatchObject({ verdict: 'valid', file: s.path('bundle.tar'), dealId: 'deal-42' });
    expect(report.lines[1]).toBe(`  file:        ${s.path('bundle.tar')}`);
  });

  it('gives the verdict malformed for a file that is no bundle, and throws for a file it cannot read', async () => {
    await s.write('garbage.tar', enc.encode('garbage'));
    const report = await verifyBundleFile(s.path('garbage.tar'), { trust: pki.trust });
    expect(report).toMatchObject({
      verdict: 'malformed',
      records: [],
      issues: [{ kind: 'malformed', code: 'ERR_ARCHIVE_BUNDLE_MALFORMED' }],
    });
    expect(report.lines[0]).toBe('semper evidence bundle: MALFORMED (1 problem)');
    const big = await verifyBundleFile(s.path('bundle.tar'), { trust: pki.trust, limits: { maxBundleBytes: 512 } });
    expect(big.issues[0]).toMatchObject({ kind: 'malformed', code: 'ERR_ARCHIVE_BUNDLE_TOO_LARGE' });
    await expect(verifyBundleFile(s.path('missing.tar'), { trust: pki.trust })).rejects.toMatchObject({
      code: 'ERR_ARCHIVE_BUNDLE_IO',
    });
    await expect(verifyBundleFile(s.dir, { trust: pki.trust })).rejects.toMatchObject({
      code: 'ERR_ARCHIVE_BUNDLE_IO',
    });
    await expect(verifyBundleFile(s.path('bundle.tar'), {})).rejects.toMatchObject({
      code: 'ERR_ARCHIVE_INVALID_ARGUMENT',
    });
  });

  it('reads what exportBundleFile wrote, which does not overwrite a file unless told', async () => {
    const path = s.path('deal-42.tar');
    expect(await archive.exportBundleFile('deal-42', path)).toEqual({ path, bytes: expect.any(Number) });
    await expect(archive.exportBundleFile('deal-42', path)).rejects.toMatchObject({ code: 'ERR_ARCHIVE_BUNDLE_IO' });
    await archive.exportBundleFile('deal-42', path, { overwrite: true });
    expect((await verifyBundleFile(path, { trust: pki.trust })).verdict).toBe('valid');
  });
});
