/**
 * `@semper/crypto/testing`: a throw-away PKI for the tests of packages built on the crypto engine — a root
 * CA, an intermediate CA, and end-entity identities issued under it on demand. Not for production: the keys
 * live in memory, nothing is revoked, nothing is stored.
 *
 * @packageDocumentation
 */
import { type Certificate, issueCertificate, type KeyUsageName } from './certificate.js';
import type { Identity } from './identity.js';
import { generateKeyPair, type KeySpec } from './keys.js';
import { TrustStore } from './trust.js';

/**
 * What {@link TestPki.issue} takes.
 *
 * @example
 * ```ts
 * const o: TestIdentityOptions = { key: { type: 'rsa', modulusLength: 2048 }, validityDays: 1 };
 * ```
 */
export interface TestIdentityOptions {
  /** Default EC P-256. */
  readonly key?: KeySpec;
  /** Default: digitalSignature, nonRepudiation and keyAgreement (EC) or keyEncipherment (RSA). */
  readonly keyUsage?: readonly KeyUsageName[];
  readonly extendedKeyUsage?: readonly string[];
  readonly notBefore?: Date;
  /** Default 30. */
  readonly validityDays?: number;
}

/**
 * A root, an intermediate, and a trust store holding the root.
 *
 * @example
 * ```ts
 * import { createTestPki } from '@semper/crypto/testing';
 * const pki = await createTestPki();
 * const alice = await pki.issue('CN=Alice');
 * const verified = await verifySignedData(await signData(data, { signer: alice }), { trust: pki.trust });
 * ```
 */
export interface TestPki {
  readonly root: Identity;
  readonly intermediate: Identity;
  /** Trusts the root only; identities carry the intermediate in their chain. */
  readonly trust: TrustStore;
  /** An end-entity identity issued by the intermediate; its chain is [leaf, intermediate]. */
  issue(subject: string, o?: TestIdentityOptions): Promise<Identity>;
}

const DAY = 86_400_000;

function startOfValidity(): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
}

/**
 * Creates a root CA (`CN=semper test root`) and an intermediate (`CN=semper test intermediate`), both with
 * EC P-256 keys (or `o.key`), valid for a year from a minute ago.
 *
 * @example
 * ```ts
 * import { createTestPki } from '@semper/crypto/testing';
 * const pki = await createTestPki({ key: { type: 'rsa', modulusLength: 2048 } });
 * ```
 */
export async function createTestPki(o: { readonly key?: KeySpec; readonly name?: string } = {}): Promise<TestPki> {
  const spec = o.key ?? { type: 'ec', curve: 'P-256' };
  const name = o.name ?? 'semper test';
  const notBefore = startOfValidity();
  const notAfter = new Date(notBefore.getTime() + 365 * DAY);
  const rootKeys = await generateKeyPair(spec);
  const rootCert = await issueCertificate(
    {
      subject: `CN=${name} root`,
      publicKey: rootKeys.publicKey,
      notBefore,
      notAfter,
      basicConstraints: { ca: true },
      keyUsage: ['keyCertSign', 'cRLSign'],
    },
    { privateKey: rootKeys.privateKey },
  );
  const root: Identity = { privateKey: rootKeys.privateKey, certificate: rootCert, chain: [rootCert] };
  const intKeys = await generateKeyPair(spec);
  const intCert = await issueCertificate(
    {
      subject: `CN=${name} intermediate`,
      publicKey: intKeys.publicKey,
      notBefore,
      notAfter,
      basicConstraints: { ca: true, pathLength: 0 },
      keyUsage: ['keyCertSign', 'cRLSign'],
    },
    { privateKey: root.privateKey, certificate: rootCert },
  );
  const intermediate: Identity = { privateKey: intKeys.privateKey, certificate: intCert, chain: [intCert, rootCert] };

  const issue = async (subject: string, io: TestIdentityOptions = {}): Promise<Identity> => {
    const keys = await generateKeyPair(io.key ?? { type: 'ec', curve: 'P-256' });
    const start = io.notBefore ?? startOfValidity();
    const defaultUsage: KeyUsageName[] = [
      'digitalSignature',
      'nonRepudiation',
      keys.publicKey.type === 'rsa' ? 'keyEncipherment' : 'keyAgreement',
    ];
    const cert: Certificate = await issueCertificate(
      {
        subject,
        publicKey: keys.publicKey,
        notBefore: start,
        notAfter: new Date(start.getTime() + (io.validityDays ?? 30) * DAY),
        basicConstraints: { ca: false },
        keyUsage: io.keyUsage ?? (keys.publicKey.type === 'ed25519' ? ['digitalSignature'] : defaultUsage),
        extendedKeyUsage: io.extendedKeyUsage,
      },
      { privateKey: intermediate.privateKey, certificate: intCert },
    );
    return { privateKey: keys.privateKey, certificate: cert, chain: [cert, intCert] };
  };
  return { root, intermediate, trust: new TrustStore([rootCert]), issue };
}
