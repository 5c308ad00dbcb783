import { AsnParser, AsnSerializer, OctetString } from '@peculiar/asn1-schema';
import { ContentInfo } from '@peculiar/asn1-cms';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslOk, type Scratch, scratch } from '../../../test/support/openssl.js';
import {
  AuthEnvelopedData,
  EccCmsSharedInfo,
  GCMParameters,
  TAG,
  berChildren,
  berContent,
  berOctetString,
  berOctetStringParts,
  berOid,
  berRead,
  berSmallInteger,
  concatBytes,
  derEncode,
  derInteger,
  derOid,
  derPrimitive,
  derTlv,
} from './cms-structures.js';
import { MalformedInputError } from './errors.js';
import { OID } from './oids.js';

const hex = (b: Uint8Array | ArrayBuffer) =>
  Buffer.from(b instanceof ArrayBuffer ? new Uint8Array(b) : b).toString('hex');

const arbOid = fc
  .tuple(
    fc.constantFrom(0, 1, 2),
    fc.nat({ max: 39 }),
    fc.array(fc.oneof(fc.nat({ max: 200 }), fc.nat(), fc.bigInt({ min: 0n, max: 2n ** 80n })), { maxLength: 8 }),
  )
  .map(([a, b, rest]) => [a, a === 2 ? b + 1000 : b, ...rest].join('.'));

describe('DER writer and BER reader', () => {
  it('encodes and decodes OIDs like asn1js (property)', () => {
    fc.assert(
      fc.property(arbOid, (oid) => {
        const der = derOid(oid);
        expect(hex(der)).toBe(hex(new asn1js.ObjectIdentifier({ value: oid }).toBER()));
        expect(berOid(berRead(der), 'oid')).toBe(oid);
      }),
      { numRuns: 500 },
    );
    expect(hex(derOid(OID.data))).toBe('06092a864886f70d010701');
  });

  it('writes every length form and reads it back', () => {
    for (const n of [0, 1, 127, 128, 255, 256, 65535, 65536, 70000]) {
      const content = new Uint8Array(n).fill(7);
      const bytes = derEncode(derTlv(TAG.sequence, derPrimitive(TAG.octetString, content), derInteger(n)));
      const parsed = asn1js.fromBER(bytes);
      expect(parsed.offset).toBe(bytes.length);
      const seq = berRead(bytes);
      expect(seq.end).toBe(bytes.length);
      const [os, int] = berChildren(seq);
      expect(berContent(os).length).toBe(n);
      expect(berSmallInteger(int, 'n')).toBe(n);
    }
    expect(hex(derInteger(128))).toBe('02020080');
  });

  it('reads indefinite lengths and nested constructed OCTET STRINGs (BER, as `openssl cms -stream` writes)', () => {
    // [0] (indefinite) { OCTET STRING 'ab', OCTET STRING (constructed, indefinite) { 'c', 'de' }, '' } then INTEGER 5
    const bytes = Uint8Array.of(
      0x30,
      0x80,
      0xa0,
      0x80,
      0x04,
      0x02,
      0x61,
      0x62,
      0x24,
      0x80,
      0x04,
      0x01,
      0x63,
      0x04,
      0x02,
      0x64,
      0x65,
      0x00,
      0x00,
      0x04,
      0x00,
      0x00,
      0x00,
      0x02,
      0x01,
      0x05,
      0x00,
      0x00,
    );
    const seq = berRead(bytes);
    expect(seq.end).toBe(bytes.length);
    const [ctx, int] = berChildren(seq);
    expect(ctx.tag).toBe(TAG.context0c);
    expect(berOctetStringParts(ctx).map((p) => Buffer.from(p).toString())).toEqual(['ab', 'c', 'de', '']);
    expect(Buffer.from(berOctetString(ctx)).toString()).toBe('abcde');
    expect(berSmallInteger(int, 'i')).toBe(5);
  });

  it('walks deeply nested indefinite-length OCTET STRINGs in linear time', () => {
    // 60 levels of 24 80 ... 00 00, each level holding 2,000 one-byte segments (04 01 xx) before the next level.
    const depth = 60;
    const segments = 2000;
    const level = new Uint8Array(segments * 3);
    for (let i = 0; i < segments; i++) level.set([0x04, 0x01, i & 0xff], i * 3);
    const parts: Uint8Array[] = [Uint8Array.of(0xa0, 0x80)];
    for (let d = 0; d < depth; d++) parts.push(level, Uint8Array.of(0x24, 0x80));
    parts.push(new Uint8Array(2 * (depth + 1)));
    const bytes = concatBytes(parts);
    const started = performance.now();
    const el = berRead(bytes);
    expect(el.end).toBe(bytes.length);
    const total = berOctetStringParts(el).reduce((n, p) => n + p.length, 0);
    expect(total).toBe(depth * segments);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('throws MalformedInputError, never a raw error, on bad structure', () => {
    const bad = [
      Uint8Array.of(0x30, 0x05, 0x02, 0x01),
      Uint8Array.of(0x30),
      Uint8Array.of(0x04, 0x80, 0x00, 0x00),
      Uint8Array.of(0x30, 0x85, 1, 1, 1, 1, 1),
      Uint8Array.of(0x30, 0x80, 0x02, 0x01, 0x00),
    ];
    for (const b of bad) expect(() => berChildren(berRead(b))).toThrow(MalformedInputError);
    expect(() => berOctetStringParts(berRead(Uint8Array.of(0x24, 0x03, 0x02, 0x01, 0x00)))).toThrow(
      MalformedInputError,
    );
    expect(() => berSmallInteger(berRead(Uint8Array.of(0x02, 0x01, 0x80)), 'v')).toThrow(MalformedInputError);
    expect(() => berSmallInteger(berRead(Uint8Array.of(0x02, 0x02, 0x00, 0x01)), 'v')).toThrow(MalformedInputError);
    expect(() => berOid(berRead(Uint8Array.of(0x06, 0x01, 0x81)), 'o')).toThrow(MalformedInputError);
  });

  it('concatenates with spare room', () => {
    expect(hex(concatBytes([Uint8Array.of(1), Uint8Array.of(2, 3)], 2))).toBe('0102030000');
  });
});

describe('ASN.1 declarations', () => {
  it('ECC-CMS-SharedInfo encodes as RFC 5753 says (EXPLICIT [0] UKM only when present, [2] key bits)', () => {
    const keyInfo = new AlgorithmIdentifier({ algorithm: OID.aes256Wrap });
    const bits = new OctetString(Uint8Array.of(0, 0, 1, 0));
    const without = AsnSerializer.serialize(new EccCmsSharedInfo({ keyInfo, suppPubInfo: bits }));
    expect(hex(without)).toBe('3015300b060960864801650304012da206040400000100');
    const ukm = new Uint8Array(32).fill(0xab);
    const withUkm = AsnSerializer.serialize(
      new EccCmsSharedInfo({ keyInfo, entityUInfo: new OctetString(ukm), suppPubInfo: bits }),
    );
    expect(hex(withUkm)).toBe(`3039300b060960864801650304012da0220420${'ab'.repeat(32)}a206040400000100`);
    const back = AsnParser.parse(withUkm, EccCmsSharedInfo);
    expect(hex(back.entityUInfo?.buffer as ArrayBuffer)).toBe('ab'.repeat(32));
  });

  it('GCMParameters round-trips and keeps an explicit ICVlen', () => {
    const der = AsnSerializer.serialize(new GCMParameters({ nonce: new OctetString(new Uint8Array(12)), icvLen: 16 }));
    expect(hex(der)).toBe(`3011040c${'00'.repeat(12)}020110`);
    expect(AsnParser.parse(der, GCMParameters).icvLen).toBe(16);
    const noIcv = AsnSerializer.serialize(new GCMParameters({ nonce: new OctetString(new Uint8Array(12)) }));
    expect(AsnParser.parse(noIcv, GCMParameters).icvLen).toBeUndefined();
  });

  describe('AuthEnvelopedData parses what OpenSSL writes', () => {
    let s: Scratch;
    beforeAll(async () => {
      s = await scratch('semper-cms-structures-');
      await opensslOk(
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          'k.pem',
          '-out',
          'c.pem',
          '-subj',
          '/CN=t',
          '-days',
          '2',
        ],
        { cwd: s.dir },
      );
    });
    afterAll(async () => {
      await s?.dispose();
    });

    it('with AES-256-GCM', async () => {
      await s.write('m.txt', 'hello');
      await opensslOk(
        ['cms', '-encrypt', '-binary', '-outform', 'DER', '-aes-256-gcm', '-in', 'm.txt', '-out', 'o.der', 'c.pem'],
        {
          cwd: s.dir,
        },
      );
      const ci = AsnParser.parse(await s.read('o.der'), ContentInfo);
      expect(ci.contentType).toBe(OID.authEnvelopedData);
      const aed = AsnParser.parse(ci.content, AuthEnvelopedData);
      expect(aed.version).toBe(0);
      expect(aed.mac.byteLength).toBe(16);
      expect(aed.recipientInfos.length).toBe(1);
      expect(aed.recipientInfos[0].kari).toBeDefined();
      const alg = aed.authEncryptedContentInfo.contentEncryptionAlgorithm;
      expect(alg.algorithm).toBe(OID.aes256Gcm);
      const params = AsnParser.parse(alg.parameters as ArrayBuffer, GCMParameters);
      expect(params.icvLen).toBe(16);
      expect(params.nonce.byteLength).toBe(12);
      // Re-encoding with the declaration gives OpenSSL's bytes back.
      expect(hex(AsnSerializer.serialize(aed))).toBe(hex(ci.content));
    });
  });
});
