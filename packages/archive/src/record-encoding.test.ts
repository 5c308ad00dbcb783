// The record and checkpoint encodings against vectors made by an independent implementation of the README
// (vectors/record-v1.py), and properties of the encoding (fast-check).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCheckpointContent, encodeCheckpointContent } from './checkpoint.js';
import {
  encodeRecordBody,
  encodeRecordLink,
  GENESIS_HASH,
  linkHash,
  type RecordFields,
  recordBodyHash,
  recordHash,
  sha256Hex,
} from './record-encoding.js';

interface Vector {
  seq: number;
  record: {
    archive: string;
    atMs: number;
    direction: 'sent' | 'received';
    dealId: string;
    step: string;
    peer: string | null;
    contentType: string;
    contentHex: string;
  };
  contentDigest: string;
  prevHash: string;
  bodyHex: string;
  bodyHash: string;
  linkHex: string;
  hash: string;
}
const vectors = JSON.parse(readFileSync(new URL('../vectors/record-v1.json', import.meta.url), 'utf8')) as {
  records: Vector[];
  checkpoint: { archive: string; at: string; headHash: string; seq: number; contentUtf8: string };
};

function fieldsOf(v: Vector): RecordFields {
  const r = v.record;
  return {
    archive: r.archive,
    seq: v.seq,
    at: new Date(r.atMs),
    direction: r.direction,
    dealId: r.dealId,
    step: r.step,
    ...(r.peer === null ? {} : { peer: r.peer }),
    contentType: r.contentType,
    contentDigest: sha256Hex(Buffer.from(r.contentHex, 'hex')),
    prevHash: v.prevHash,
  };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('record encoding v1', () => {
  it.each(vectors.records.map((v) => [v.seq, v] as const))('matches the independent vector for record %i', (_, v) => {
    const f = fieldsOf(v);
    expect(f.contentDigest).toBe(v.contentDigest);
    expect(hex(encodeRecordBody(f))).toBe(v.bodyHex);
    expect(recordBodyHash(f)).toBe(v.bodyHash);
    expect(hex(encodeRecordLink(v.seq, v.prevHash, v.bodyHash))).toBe(v.linkHex);
    expect(linkHash(v.seq, v.prevHash, v.bodyHash)).toBe(v.hash);
    expect(recordHash(f)).toBe(v.hash);
  });

  it('chains the vectors from the genesis hash', () => {
    expect(vectors.records[0].prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < vectors.records.length; i++)
      expect(vectors.records[i].prevHash).toBe(vectors.records[i - 1].hash);
  });

  const fields: fc.Arbitrary<RecordFields> = fc.record({
    archive: fc.stringMatching(/^[a-z0-9][a-z0-9_.:-]{0,20}$/),
    seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    at: fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }),
    direction: fc.constantFrom('sent' as const, 'received' as const),
    dealId: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
    step: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
    peer: fc.option(fc.string({ unit: 'grapheme', maxLength: 12 }), { nil: undefined }),
    contentType: fc.string({ minLength: 1, maxLength: 12 }),
    contentDigest: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(hex),
    prevHash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(hex),
  });
  const strip = (f: RecordFields): RecordFields =>
    Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as unknown as RecordFields;

  it('gives distinct hashes to distinct records (every field, and the string boundaries, count)', () => {
    fc.assert(
      fc.property(fields, fields, (a, b) => {
        const same = JSON.stringify(strip(a)) === JSON.stringify(strip(b));
        fc.pre(!same);
        expect(recordHash(strip(a))).not.toBe(recordHash(strip(b)));
      }),
      { numRuns: 300 },
    );
    const base = fieldsOf(vectors.records[0]);
    // Moving characters between adjacent strings changes the encoding (length prefixes).
    expect(recordHash({ ...base, dealId: 'ab', step: 'c' })).not.toBe(recordHash({ ...base, dealId: 'a', step: 'bc' }));
    // An absent peer differs from an empty one.
    expect(recordHash({ ...base, peer: '' })).not.toBe(recordHash(base));
  });

  it('changes the hash when any single field changes', () => {
    fc.assert(
      fc.property(fields, fc.integer({ min: 0, max: 8 }), (f0, which) => {
        const f = strip(f0);
        const changed: RecordFields = [
          { ...f, seq: f.seq === 1 ? 2 : f.seq - 1 },
          { ...f, at: new Date(f.at.getTime() + 1) },
          { ...f, direction: f.direction === 'sent' ? 'received' : 'sent' },
          { ...f, dealId: `${f.dealId}x` },
          { ...f, step: `${f.step}x` },
          { ...f, peer: `${f.peer ?? ''}x` },
          { ...f, contentType: `${f.contentType}x` },
          { ...f, contentDigest: (f.contentDigest[0] === '0' ? '1' : '0') + f.contentDigest.slice(1) },
          { ...f, prevHash: (f.prevHash[0] === '0' ? '1' : '0') + f.prevHash.slice(1) },
        ][which] as RecordFields;
        fc.pre(Number.isFinite(changed.at.getTime()) && Math.abs(changed.at.getTime()) <= 8.64e15);
        expect(recordHash(changed)).not.toBe(recordHash(f));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses what it cannot encode', () => {
    const base = fieldsOf(vectors.records[0]);
    for (const bad of [
      { ...base, seq: 0 },
      { ...base, seq: 1.5 },
      { ...base, at: new Date(Number.NaN) },
      { ...base, direction: 'lost' as never },
      { ...base, step: '\ud800' },
      { ...base, contentDigest: 'AB'.repeat(32) },
      { ...base, prevHash: '00' },
    ]) {
      expect(() => recordHash(bad)).toThrow(expect.objectContaining({ code: 'ERR_ARCHIVE_INVALID_ARGUMENT' }));
    }
  });
});

describe('checkpoint content v1', () => {
  const c = vectors.checkpoint;
  const content = { archive: c.archive, seq: c.seq, headHash: c.headHash, at: new Date(c.at) };

  it('is the canonical JSON of the independent vector, and reads back', () => {
    expect(new TextDecoder().decode(encodeCheckpointContent(content))).toBe(c.contentUtf8);
    expect(decodeCheckpointContent(new TextEncoder().encode(c.contentUtf8))).toEqual(content);
  });

  it('round-trips any checkpoint', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }).map(hex),
        fc.date({ min: new Date(0), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
        (archive, seq, headHash, at) => {
          const value = { archive, seq, headHash, at };
          expect(decodeCheckpointContent(encodeCheckpointContent(value))).toEqual(value);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses anything but the canonical form of a version 1 checkpoint', () => {
    const json = c.contentUtf8;
    for (const bad of [
      json.replace('{', '{ '),
      json.replace('"version":1', '"version":2'),
      json.replace('semper.archive.checkpoint', 'something.else'),
      json.replace(`"seq":${c.seq}`, `"seq":"${c.seq}"`),
      json.replace(`"seq":${c.seq}`, '"seq":0'),
      json.replace(c.headHash, c.headHash.toUpperCase()),
      json.replace(c.at, '2030-01-01T00:00:03Z'),
      `{"archive":"merchant","at":"${c.at}","headHash":"${c.headHash}","type":"semper.archive.checkpoint","version":1}`,
      '[]',
      'not json',
      '\xff',
      ' '.repeat(5000),
    ]) {
      expect(() => decodeCheckpointContent(new TextEncoder().encode(bad)), bad).toThrow(
        expect.objectContaining({ code: 'ERR_ARCHIVE_CHECKPOINT_INVALID' }),
      );
    }
  });
});
