import { AsnParser } from '@peculiar/asn1-schema';
import { Name } from '@peculiar/asn1-x509';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslOk, type Scratch, scratch } from '../../../test/support/openssl.js';
import { Certificate, createSelfSignedCertificate } from './certificate.js';
import { CryptoError, MalformedInputError } from './errors.js';
import { generateKeyPair, type PrivateKey, type PublicKey } from './keys.js';
import { commonNameOf, encodeName, formatName } from './name.js';
import { derEncode, derOid, derPrimitive, derTlv, TAG } from './cms-structures.js';

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

interface Decoded {
  oid: string;
  tag: 'utf8' | 'printable' | 'ia5' | 'other';
  value: string;
}

/** Decodes a DER Name with @peculiar/asn1-x509: RDNs of (type, string type, value). */
function decode(der: Uint8Array): Decoded[][] {
  const name = AsnParser.parse(der, Name);
  return name.map((rdn) =>
    rdn.map((atv) => {
      const v = atv.value;
      if (v.utf8String !== undefined) return { oid: atv.type, tag: 'utf8', value: v.utf8String };
      if (v.printableString !== undefined) return { oid: atv.type, tag: 'printable', value: v.printableString };
      if (v.ia5String !== undefined) return { oid: atv.type, tag: 'ia5', value: v.ia5String };
      return { oid: atv.type, tag: 'other', value: v.toString() };
    }),
  );
}

describe('encodeName', () => {
  it('writes the RDNs in the order given, CN/O as UTF8String, C as PrintableString, E as IA5String', () => {
    expect(decode(encodeName('CN=Alice, O=Example, C=DE, E=alice@example.org'))).toEqual([
      [{ oid: '2.5.4.3', tag: 'utf8', value: 'Alice' }],
      [{ oid: '2.5.4.10', tag: 'utf8', value: 'Example' }],
      [{ oid: '2.5.4.6', tag: 'printable', value: 'DE' }],
      [{ oid: '1.2.840.113549.1.9.1', tag: 'ia5', value: 'alice@example.org' }],
    ]);
  });

  it('knows the attribute types, case-insensitively, and dotted OIDs', () => {
    const text =
      'commonName=a, sn=b, surname=c, serialNumber=4 2, l=d, st=e, street=f, o=g, ou=h, title=i, gn=j, givenName=k, ' +
      'initials=l, dnQualifier=m, pseudonym=n, emailAddress=o@p, dc=q, uid=r, 2.5.4.97=VATDE-123, 1.3.6.1.4.1.99999.1=x';
    expect(decode(encodeName(text)).map((r) => [r[0].oid, r[0].tag, r[0].value])).toEqual([
      ['2.5.4.3', 'utf8', 'a'],
      ['2.5.4.4', 'utf8', 'b'],
      ['2.5.4.4', 'utf8', 'c'],
      ['2.5.4.5', 'printable', '4 2'],
      ['2.5.4.7', 'utf8', 'd'],
      ['2.5.4.8', 'utf8', 'e'],
      ['2.5.4.9', 'utf8', 'f'],
      ['2.5.4.10', 'utf8', 'g'],
      ['2.5.4.11', 'utf8', 'h'],
      ['2.5.4.12', 'utf8', 'i'],
      ['2.5.4.42', 'utf8', 'j'],
      ['2.5.4.42', 'utf8', 'k'],
      ['2.5.4.43', 'utf8', 'l'],
      ['2.5.4.46', 'printable', 'm'],
      ['2.5.4.65', 'utf8', 'n'],
      ['1.2.840.113549.1.9.1', 'ia5', 'o@p'],
      ['0.9.2342.19200300.100.1.25', 'ia5', 'q'],
      ['0.9.2342.19200300.100.1.1', 'utf8', 'r'],
      ['2.5.4.97', 'utf8', 'VATDE-123'],
      ['1.3.6.1.4.1.99999.1', 'utf8', 'x'],
    ]);
    expect(Buffer.from(encodeName('cn=x, c=DE')).equals(Buffer.from(encodeName('CN=x, C=DE')))).toBe(true);
  });

  it('reads the RFC 4514 escapes', () => {
    const v = (text: string) => decode(encodeName(text))[0][0].value;
    expect(v('O=Example\\, Inc.')).toBe('Example, Inc.');
    expect(v('CN=a\\+b')).toBe('a+b');
    expect(v('CN=\\"q\\"')).toBe('"q"');
    expect(v('CN=back\\\\slash')).toBe('back\\slash');
    expect(v('CN=\\<a\\>\\;\\=')).toBe('<a>;=');
    expect(v('CN=\\#hash')).toBe('#hash');
    expect(v('CN=\\ lead and trail\\ ')).toBe(' lead and trail ');
    expect(v('CN=x\\2Cy')).toBe('x,y');
    expect(v('CN=\\C3\\A9t\\C3\\a9')).toBe('été');
    expect(v('CN=\\E2\\82\\AC 5')).toBe('€ 5');
    expect(v('CN=  inner  spaces   ')).toBe('inner  spaces');
    expect(v('CN=a \\41')).toBe('a A');
  });

  it('writes multi-valued RDNs as a DER SET OF (sorted)', () => {
    const a = encodeName('OU=Sales+CN=Bob, O=Shop');
    const b = encodeName('CN=Bob+OU=Sales, O=Shop');
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const rdns = decode(a);
    expect(rdns).toHaveLength(2);
    expect(rdns[0].map((x) => x.value)).toEqual(['Bob', 'Sales']); // 06 03 55 04 03 sorts before 06 03 55 04 0b
    expect(rdns[1]).toEqual([{ oid: '2.5.4.10', tag: 'utf8', value: 'Shop' }]);
    expect(decode(encodeName('CN=a + CN=b + CN=c'))[0].map((x) => x.value)).toEqual(['a', 'b', 'c']);
  });

  it('counts the length limits in characters, not bytes', () => {
    expect(decode(encodeName(`CN=${'€'.repeat(64)}`))[0][0].value).toBe('€'.repeat(64));
    expect(decode(encodeName(`E=${'a'.repeat(253)}@b`))[0][0].value).toHaveLength(255);
    expect(decode(encodeName(`SN=${'x'.repeat(500)}`))[0][0].value).toHaveLength(500);
  });

  it('refuses what is not a distinguished name with ERR_CRYPTO_INVALID_ARGUMENT', () => {
    const bad: [string, RegExp][] = [
      ['', /empty/],
      ['   ', /empty/],
      ['CN', /no '=' after CN/],
      ['=x', /unknown attribute type ""/],
      ['CN=a,,O=b', /an attribute type is missing/],
      ['FOO=x', /unknown attribute type "FOO"/],
      ['3.1=x', /unknown attribute type/],
      ['1.02=x', /unknown attribute type/],
      ['CN=', /the value of CN is empty/],
      ['CN=   , O=x', /the value of CN is empty/],
      ['CN=a,', /ends with a separator/],
      ['CN=a+', /ends with a separator/],
      ['CN=a\\', /a bad escape/],
      ['CN=a\\x', /a bad escape/],
      ['CN=a\\4', /a bad escape/],
      ['CN=a\\4g', /a bad escape/],
      ['CN=\\FF', /escaped bytes are not UTF-8/],
      ['CN=\\C3', /escaped bytes are not UTF-8/],
      ['CN=a"b', /an unescaped "/],
      ['CN=a;b', /an unescaped ;/],
      ['CN=<a', /an unescaped </],
      ['CN=a>', /an unescaped >/],
      ['CN=a=b', /an unescaped =/],
      [`CN=${'x'.repeat(65)}`, /longer than 64 characters/],
      [`O=${'x'.repeat(65)}`, /longer than 64 characters/],
      [`L=${'x'.repeat(129)}`, /longer than 128 characters/],
      [`E=${'x'.repeat(256)}`, /longer than 255 characters/],
      ['C=de', /C must be two capital letters/],
      ['C=D1', /C must be two capital letters/],
      ['C=DEU', /longer than 2 characters/],
      ['C=ÄÖ', /must be a PrintableString/],
      ['serialNumber=a_b', /must be a PrintableString/],
      ['dnQualifier=é', /must be a PrintableString/],
      ['E=ü@example.org', /must be ASCII/],
      ['DC=tab\there', /must be ASCII/],
      [`CN=${'a,'.repeat(2100)}`, /too long/],
    ];
    for (const [text, why] of bad) {
      const err = thrown(() => encodeName(text));
      expect(err, text).toBeInstanceOf(CryptoError);
      expect(err, text).toMatchObject({ code: 'ERR_CRYPTO_INVALID_ARGUMENT' });
      expect((err as Error).message, text).toMatch(why);
    }
    for (const notText of [undefined, null, 42, ['CN=x']]) {
      expect(thrown(() => encodeName(notText as never))).toMatchObject({ code: 'ERR_CRYPTO_INVALID_ARGUMENT' });
    }
  });

  it('refuses dotted attribute types that are no OIDs with a CryptoError, not a RangeError', () => {
    // '1.40' matches the dotted-OID pattern, but a second arc over 39 under arc 1 is no OID; an OID whose
    // encoding exceeds 127 bytes is refused by derOid. Both must surface as ERR_CRYPTO_INVALID_ARGUMENT.
    for (const text of ['1.40=x', `1.2${'.99999999'.repeat(40)}=x`]) {
      const err = thrown(() => encodeName(text));
      expect(err, text.slice(0, 12)).toBeInstanceOf(CryptoError);
      expect(err, text.slice(0, 12)).toMatchObject({ code: 'ERR_CRYPTO_INVALID_ARGUMENT' });
    }
  });

  /** Escapes a value for RFC 4514 text: specials with a backslash, some characters as UTF-8 hex pairs. */
  function escapeValue(value: string, hexMask: number): string {
    const chars = [...value];
    return chars
      .map((c, i) => {
        if ((hexMask >> (i % 31)) & 1) {
          return [...new TextEncoder().encode(c)].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
        }
        if (',+"\\<>;='.includes(c)) return `\\${c}`;
        if (c === ' ' && (i === 0 || i === chars.length - 1)) return '\\ ';
        return c;
      })
      .join('');
  }

  it('round-trips escaped UTF-8 values of any kind (property)', () => {
    const types = fc.constantFrom(
      ['CN', '2.5.4.3'],
      ['O', '2.5.4.10'],
      ['OU', '2.5.4.11'],
      ['L', '2.5.4.7'],
      ['2.5.4.97', '2.5.4.97'],
    );
    const value = fc.string({ unit: 'binary', minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(types, value, fc.integer({ min: 0, max: 2 ** 31 - 1 })), { minLength: 1, maxLength: 6 }),
        (rdns) => {
          const text = rdns.map(([[t], v, mask]) => `${t}=${escapeValue(v, mask)}`).join(', ');
          const decoded = decode(encodeName(text));
          expect(decoded).toEqual(rdns.map(([[, oid], v]) => [{ oid, tag: 'utf8', value: v }]));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('writes every multi-valued RDN in DER order whatever the order given (property)', () => {
    const ava = fc.tuple(fc.constantFrom('CN', 'OU', 'O', 'L'), fc.string({ unit: 'grapheme-ascii', minLength: 1 }));
    fc.assert(
      fc.property(fc.uniqueArray(ava, { minLength: 1, maxLength: 5, selector: ([t, v]) => `${t}=${v}` }), (avas) => {
        const text = avas.map(([t, v]) => `${t}=${escapeValue(v, 0)}`).join('+');
        const reversed = [...avas]
          .reverse()
          .map(([t, v]) => `${t}=${escapeValue(v, 0)}`)
          .join('+');
        const der = encodeName(text);
        expect(Buffer.from(encodeName(reversed)).equals(Buffer.from(der))).toBe(true);
        expect(decode(der)).toHaveLength(1);
        expect(decode(der)[0]).toHaveLength(avas.length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('encodeName and OpenSSL', () => {
  let s: Scratch;
  let keys: { privateKey: PrivateKey; publicKey: PublicKey };
  let n = 0;

  beforeAll(async () => {
    s = await scratch('semper-name-');
    keys = await generateKeyPair({ type: 'ec', curve: 'P-256' });
  });
  afterAll(async () => {
    await s?.dispose();
  });

  // [semper text, OpenSSL -subj, OpenSSL `-nameopt esc_2253,utf8,sep_comma_plus,sname` output]
  const cases: [string, string, string][] = [
    ['CN=Alice, O=Example, C=DE', '/CN=Alice/O=Example/C=DE', 'CN=Alice,O=Example,C=DE'],
    ['C=DE, O=Example\\, Inc., CN=Bob', '/C=DE/O=Example, Inc./CN=Bob', 'C=DE,O=Example\\, Inc.,CN=Bob'],
    ['OU=Sales+CN=Carol, O=Shop', '/OU=Sales+CN=Carol/O=Shop', 'CN=Carol+OU=Sales,O=Shop'],
    [
      'CN=Dave, emailAddress=dave@example.org, DC=example, DC=org',
      '/CN=Dave/emailAddress=dave@example.org/DC=example/DC=org',
      'CN=Dave,emailAddress=dave@example.org,DC=example,DC=org',
    ],
    [
      'CN=\\C3\\A9t\\C3\\A9, L=München, serialNumber=42, dnQualifier=q1, UID=u1',
      '/CN=été/L=München/serialNumber=42/dnQualifier=q1/UID=u1',
      'CN=été,L=München,serialNumber=42,dnQualifier=q1,UID=u1',
    ],
    [
      'title=Dr., street=Main St 1, ST=Bayern, GN=Al, SN=Ice, initials=A, pseudonym=p',
      '/title=Dr./street=Main St 1/ST=Bayern/GN=Al/SN=Ice/initials=A/pseudonym=p',
      'title=Dr.,street=Main St 1,ST=Bayern,GN=Al,SN=Ice,initials=A,pseudonym=p',
    ],
    ['CN=a\\+b, O=x\\;y', '/CN=a\\+b/O=x;y', 'CN=a\\+b,O=x\\;y'],
  ];

  it.each(cases)(
    '%s is the Name `openssl req -subj` writes, and `openssl x509 -subject` prints it',
    async (text, subj, printed) => {
      const k = ++n;
      await opensslOk(
        [
          'req',
          '-x509',
          '-new',
          '-utf8',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          `k${k}.pem`,
          '-subj',
          subj,
          '-days',
          '1',
          '-out',
          `o${k}.pem`,
        ],
        { cwd: s.dir },
      );
      const [fromOpenssl] = Certificate.fromPem((await s.read(`o${k}.pem`)).toString());
      const der = encodeName(text);
      expect(Buffer.from(der).toString('hex')).toBe(Buffer.from(fromOpenssl.subjectDer).toString('hex'));

      const cert = await createSelfSignedCertificate({ subject: text, keys });
      expect(Buffer.from(cert.subjectDer).equals(Buffer.from(der))).toBe(true);
      await s.write(`s${k}.pem`, cert.toPem());
      const out = await opensslOk(
        ['x509', '-in', `s${k}.pem`, '-noout', '-subject', '-nameopt', 'esc_2253,utf8,sep_comma_plus,sname'],
        { cwd: s.dir },
      );
      expect(out.toString('utf8').trim()).toBe(`subject=${printed}`);
      // The same Name, read back by semper.
      expect(cert.subject).toBe(fromOpenssl.subject);
    },
  );
});

describe('formatName', () => {
  it('prints names in certificate order with RFC 4514 escapes, as encodeName reads them', () => {
    for (const dn of ['CN=Alice, O=Example\\, Inc., C=DE', 'CN=a+O=b, E=x@example.org', 'CN=\\#1 \\+ \\; done']) {
      expect(formatName(encodeName(dn))).toBe(dn);
    }
  });

  it('names unknown types by OID and non-string values by the hex of their DER', () => {
    const der = derEncode(
      derTlv(
        TAG.sequence,
        derTlv(TAG.set, derTlv(TAG.sequence, derOid('1.2.3.4'), derPrimitive(0x0c, new TextEncoder().encode('v')))),
        derTlv(TAG.set, derTlv(TAG.sequence, derOid('2.5.4.3'), derPrimitive(TAG.integer, Uint8Array.of(5)))),
      ),
    );
    expect(formatName(der)).toBe('1.2.3.4=v, CN=#020105');
  });

  it('reads a name of 2,048 components (the x509-limbo nc-dos case) in one pass', () => {
    const parts = Array.from({ length: 2048 }, (_, i) => `OU=u${i}`);
    const der = derEncode(
      derTlv(TAG.sequence, ...parts.map((p) => derTlv(TAG.set, ...[encodeName(p)].map((n) => n.subarray(4))))),
    );
    expect(formatName(der)).toBe(parts.join(', '));
  });

  it('refuses what is not a Name with a typed error', () => {
    for (const bad of [Uint8Array.of(0x31, 0), Uint8Array.of(0x30, 3, 0x31, 1, 0x02), Uint8Array.of(0x30, 0, 0)]) {
      expect(() => formatName(bad)).toThrow(MalformedInputError);
    }
  });
});

describe('commonNameOf', () => {
  it('gives the first CN in certificate order, unescaped, and undefined without one', () => {
    expect(commonNameOf(encodeName('CN=shop\\, Inc., O=Example'))).toBe('shop, Inc.');
    expect(commonNameOf(encodeName('O=Example, CN=first+OU=x, CN=second'))).toBe('first');
    expect(commonNameOf(encodeName('CN=Zoë \\e2\\82\\ac'))).toBe('Zoë €');
    expect(commonNameOf(encodeName('O=Example, C=DE'))).toBeUndefined();
    expect(commonNameOf(new Uint8Array([0x30, 0x00]))).toBeUndefined(); // the empty Name
  });

  it('refuses bytes that are not a Name with a MalformedInputError', () => {
    for (const bad of [new Uint8Array([]), new Uint8Array([0x30, 0x05, 0x31]), new Uint8Array([0x31, 0x00])]) {
      expect(() => commonNameOf(bad)).toThrow(MalformedInputError);
    }
    const name = encodeName('CN=a');
    const trailing = new Uint8Array([...name, 0]);
    expect(() => commonNameOf(trailing)).toThrow(MalformedInputError);
  });
});
