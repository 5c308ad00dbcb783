// Test certificates for the path validation tests: a tiny X.509 writer over the DER helpers, so that a test
// can make any certificate, conforming or not (a missing authorityKeyIdentifier, a non-critical
// basicConstraints, an unknown critical extension, name constraints, policies, …), signed by any key.
import { createHash } from 'node:crypto';
import {
  Certificate,
  type DigestName,
  encodeName,
  generateKeyPair,
  type KeyUsageName,
  type PrivateKey,
  type PublicKey,
} from '@semper/crypto';
import { integer, oid, T, time, tlv } from './der.js';
import { signatureAlgorithmFor, signValue } from './signature.js';

export interface Keys {
  readonly privateKey: PrivateKey;
  readonly publicKey: PublicKey;
}

export interface Ext {
  readonly oid: string;
  readonly critical?: boolean;
  readonly value: Uint8Array;
}

const KU_BITS: readonly KeyUsageName[] = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
];

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Extension values. */
export const ext = {
  basicConstraints(ca: boolean, pathLength?: number, critical = true): Ext {
    return {
      oid: '2.5.29.19',
      critical,
      value: tlv(
        T.sequence,
        ca ? Uint8Array.of(1, 1, 0xff) : undefined,
        pathLength === undefined ? undefined : integer(BigInt(pathLength)),
      ),
    };
  },
  keyUsage(usages: readonly KeyUsageName[], critical = true): Ext {
    let bits = 0;
    for (const u of usages) bits |= 1 << KU_BITS.indexOf(u);
    let highest = 0;
    for (let i = 0; i < 9; i++) if (bits & (1 << i)) highest = i;
    const n = highest >= 8 ? 2 : 1;
    const out = new Uint8Array(1 + n);
    for (let i = 0; i <= highest; i++) if (bits & (1 << i)) out[1 + (i >> 3)] |= 0x80 >> (i & 7);
    out[0] = bits === 0 ? 0 : n * 8 - 1 - highest;
    return { oid: '2.5.29.15', critical, value: tlv(T.bitString, bits === 0 ? Uint8Array.of(0) : out) };
  },
  extKeyUsage(oids: readonly string[], critical = false): Ext {
    return { oid: '2.5.29.37', critical, value: tlv(T.sequence, ...oids.map(oid)) };
  },
  subjectKeyIdentifier(id: Uint8Array): Ext {
    return { oid: '2.5.29.14', value: tlv(T.octetString, id) };
  },
  authorityKeyIdentifier(id: Uint8Array, critical = false): Ext {
    return { oid: '2.5.29.35', critical, value: tlv(T.sequence, tlv(0x80, id)) };
  },
  subjectAltName(names: readonly Uint8Array[], critical = false): Ext {
    return { oid: '2.5.29.17', critical, value: tlv(T.sequence, ...names) };
  },
  nameConstraints(permitted: readonly Uint8Array[], excluded: readonly Uint8Array[] = [], critical = true): Ext {
    const subtrees = (tag: number, names: readonly Uint8Array[]) =>
      names.length === 0 ? undefined : tlv(tag, ...names.map((n) => tlv(T.sequence, n)));
    return {
      oid: '2.5.29.30',
      critical,
      value: tlv(T.sequence, subtrees(0xa0, permitted), subtrees(0xa1, excluded)),
    };
  },
  certificatePolicies(policies: readonly string[], critical = false): Ext {
    return { oid: '2.5.29.32', critical, value: tlv(T.sequence, ...policies.map((p) => tlv(T.sequence, oid(p)))) };
  },
  policyMappings(pairs: readonly (readonly [string, string])[]): Ext {
    return {
      oid: '2.5.29.33',
      critical: true,
      value: tlv(T.sequence, ...pairs.map(([a, b]) => tlv(T.sequence, oid(a), oid(b)))),
    };
  },
  policyConstraints(requireExplicitPolicy?: number, inhibitPolicyMapping?: number, critical = true): Ext {
    return {
      oid: '2.5.29.36',
      critical,
      value: tlv(
        T.sequence,
        requireExplicitPolicy === undefined ? undefined : integer(BigInt(requireExplicitPolicy), 0x80),
        inhibitPolicyMapping === undefined ? undefined : integer(BigInt(inhibitPolicyMapping), 0x81),
      ),
    };
  },
  inhibitAnyPolicy(skip: number): Ext {
    return { oid: '2.5.29.54', critical: true, value: integer(BigInt(skip)) };
  },
  crlDistributionPoint(uri: string): Ext {
    return {
      oid: '2.5.29.31',
      value: tlv(T.sequence, tlv(T.sequence, tlv(0xa0, tlv(0xa0, gn.uri(uri))))),
    };
  },
  unknown(critical = true): Ext {
    return { oid: '1.3.6.1.4.1.55738.666.1', critical, value: tlv(T.null, new Uint8Array(0)) };
  },
};

/** GeneralName encoders. */
export const gn = {
  dns: (v: string): Uint8Array => tlv(0x82, ascii(v)),
  email: (v: string): Uint8Array => tlv(0x81, ascii(v)),
  uri: (v: string): Uint8Array => tlv(0x86, ascii(v)),
  ip: (...octets: number[]): Uint8Array => tlv(0x87, Uint8Array.from(octets)),
  dn: (name: string): Uint8Array => tlv(0xa4, encodeName(name)),
  otherName: (typeId: string, value: Uint8Array): Uint8Array => tlv(0xa0, oid(typeId), tlv(0xa0, value)),
};

export async function newKeys(): Promise<Keys> {
  return generateKeyPair({ type: 'ec', curve: 'P-256' });
}

/** RFC 5280 key identifier method 1 (the SHA-1 of the public key bits), as OpenSSL and the engine write it. */
export function keyId(k: PublicKey): Uint8Array {
  const spki = k.toSpki();
  return new Uint8Array(
    createHash('sha1')
      .update(spki.subarray(spki.length - 65))
      .digest(),
  );
}

let serials = 1;

export interface CertSpec {
  readonly subject: string;
  readonly keys: Keys;
  /** The issuer (self-signed when absent). */
  readonly issuer?: TestCa;
  /** The signing key when it is not the issuer's (a forged signature). */
  readonly signWith?: Keys;
  readonly serial?: Uint8Array;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** The extensions; the standard set when absent (see `standard`). */
  readonly extensions?: readonly Ext[];
  /** Extensions added to the standard set. */
  readonly extra?: readonly Ext[];
  /** Standard extensions to leave out. */
  readonly omit?: readonly ('ski' | 'aki' | 'bc' | 'ku')[];
  readonly ca?: boolean;
  readonly pathLength?: number;
  readonly keyUsage?: readonly KeyUsageName[];
  readonly eku?: readonly string[];
  readonly version?: 1 | 3;
  readonly digest?: DigestName;
}

export interface TestCa {
  readonly name: string;
  readonly keys: Keys;
  readonly certificate: Certificate;
}

const DAY = 86_400_000;
/** A fixed validation period: certificates are valid from 2020 to 2040 unless a test says otherwise. */
export const T0 = new Date('2020-01-01T00:00:00Z');
export const T1 = new Date('2040-01-01T00:00:00Z');
export const NOW = new Date('2030-06-01T00:00:00Z');

export async function makeCertificate(spec: CertSpec): Promise<Certificate> {
  const ca = spec.ca ?? false;
  const omit = new Set(spec.omit ?? []);
  const standard: Ext[] = [];
  if (!omit.has('bc')) standard.push(ext.basicConstraints(ca, spec.pathLength));
  if (!omit.has('ku')) {
    standard.push(
      ext.keyUsage(spec.keyUsage ?? (ca ? ['keyCertSign', 'cRLSign'] : ['digitalSignature', 'keyAgreement'])),
    );
  }
  if (spec.eku) standard.push(ext.extKeyUsage(spec.eku));
  if (!omit.has('ski')) standard.push(ext.subjectKeyIdentifier(keyId(spec.keys.publicKey)));
  if (!omit.has('aki')) standard.push(ext.authorityKeyIdentifier(keyId((spec.issuer?.keys ?? spec.keys).publicKey)));
  const extensions = spec.extensions ?? [...standard, ...(spec.extra ?? [])];
  const signer = spec.signWith ?? spec.issuer?.keys ?? spec.keys;
  const digest = spec.digest ?? 'SHA-256';
  const alg = signatureAlgorithmFor(signer.privateKey, digest);
  const serial = spec.serial ?? Uint8Array.of(0x01, (serials >> 8) & 0xff, serials++ & 0xff);
  const version = spec.version ?? 3;
  const tbs = tlv(
    T.sequence,
    version === 3 ? tlv(0xa0, integer(2n)) : undefined,
    tlv(T.integer, serial),
    alg,
    spec.issuer ? spec.issuer.certificate.subjectDer : encodeName(spec.subject),
    tlv(T.sequence, time(spec.notBefore ?? T0), time(spec.notAfter ?? T1)),
    encodeName(spec.subject),
    spec.keys.publicKey.toSpki(),
    version === 3 && extensions.length > 0
      ? tlv(
          0xa3,
          tlv(
            T.sequence,
            ...extensions.map((e) =>
              tlv(
                T.sequence,
                oid(e.oid),
                e.critical ? Uint8Array.of(1, 1, 0xff) : undefined,
                tlv(T.octetString, e.value),
              ),
            ),
          ),
        )
      : undefined,
  );
  const sig = await signValue(signer.privateKey, digest, tbs);
  return Certificate.fromDer(tlv(T.sequence, tbs, alg, tlv(T.bitString, Uint8Array.of(0), sig)));
}

/** A CA (self-signed when `issuer` is absent). */
export async function makeCa(
  name: string,
  o: Omit<CertSpec, 'subject' | 'keys' | 'ca'> & { keys?: Keys } = {},
): Promise<TestCa> {
  const keys = o.keys ?? (await newKeys());
  const certificate = await makeCertificate({ ...o, subject: name, keys, ca: true });
  return { name, keys, certificate };
}

/** An end entity issued by `issuer`. */
export async function makeLeaf(
  issuer: TestCa,
  name: string,
  o: Omit<CertSpec, 'subject' | 'keys' | 'issuer'> & { keys?: Keys } = {},
): Promise<Certificate> {
  const keys = o.keys ?? (await newKeys());
  return makeCertificate({ ...o, subject: name, keys, issuer });
}

export { DAY };
