/**
 * `@semper/certificates/testing`: the conformance suite of CA modules, a vitest suite parameterised by a
 * factory of the module under test (like jose's `tap/` suites and webcrypto-test). A third-party CA module
 * runs it in its own tests:
 *
 * ```ts
 * import { describeCertificateModuleSuite } from '@semper/certificates/testing';
 * describeCertificateModuleSuite('acme CA module', async () => {
 *   const module = new AcmeCertificateModule({ … });
 *   return { module, caId: 'issuing', anchors: [acmeRoot] };
 * });
 * ```
 *
 * It checks issuance under every profile the module declares (the profile's keyUsage, extendedKeyUsage
 * and basicConstraints exactly, the key certified, a random serial of at least 64 bits, SKI and AKI, a
 * validity within the issuer's, a path to the anchors that the block's strict RFC 5280 `PathValidator`
 * accepts for the profile's purpose), that nothing is issued for a request
 * without proof of possession, a malformed request, a key the profile refuses or an unknown profile, CA or
 * validity, and, when declared, revocation (reasons, hold and release, typed refusals) and CRLs (signed by
 * the CA, numbered, listing the revoked serials). Every refusal must be a `CertificatesError` (or core's
 * `UnsupportedOperationError`) with the stable code.
 *
 * @packageDocumentation
 */
import { SemperError } from '@semper/core';
import {
  type Certificate,
  type CertificateExtension,
  generateKeyPair,
  type KeySpec,
  type KeyType,
  TrustStore,
} from '@semper/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificationRequest } from './certification-request.js';
import { CertificatesError } from './errors.js';
import { CERTIFICATE_PROFILES, type CertificateProfileName } from './profiles.js';
import type { CaInfo, CertificateModule, IssuedCertificate } from './spi.js';
import { type KeyPurpose, PathValidator } from './validation/path-validator.js';

/**
 * What the factory of {@link describeCertificateModuleSuite} returns: the module, ready to issue.
 *
 * @example
 * ```ts
 * import type { CertificateModuleFixture } from '@semper/certificates/testing';
 * declare const module: import('@semper/certificates/spi').CertificateModule;
 * declare const root: import('@semper/crypto').Certificate;
 * const fixture: CertificateModuleFixture = { module, caId: 'issuing', anchors: [root] };
 * ```
 */
export interface CertificateModuleFixture {
  readonly module: CertificateModule;
  /** An issuing CA of the module, valid now, that may issue every profile the module declares. */
  readonly caId: string;
  /** The trust anchors the issued certificates chain to (the root of `caId`). */
  readonly anchors: readonly Certificate[];
  /** Called after the suite (close stores, stop servers). */
  close?(): Promise<void>;
}

/**
 * Options of {@link describeCertificateModuleSuite}.
 *
 * @example
 * ```ts
 * import type { CertificateModuleSuiteOptions } from '@semper/certificates/testing';
 * const options: CertificateModuleSuiteOptions = { keys: { rsa: { type: 'rsa', modulusLength: 3072 } } };
 * ```
 */
export interface CertificateModuleSuiteOptions {
  /** The key made for each key type the module declares (default EC P-256, RSA 2048, Ed25519). */
  readonly keys?: Partial<Record<KeyType, KeySpec>>;
}

const DEFAULT_KEYS: Readonly<Record<KeyType, KeySpec>> = {
  ec: { type: 'ec', curve: 'P-256' },
  rsa: { type: 'rsa', modulusLength: 2048 },
  ed25519: { type: 'ed25519' },
};

type Keys = Awaited<ReturnType<typeof generateKeyPair>>;

/** Resolves to the error `fn` throws (or its promise rejects with); fails when there is none. */
async function failure(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error, but the call succeeded');
}

function expectCode(err: unknown, code: string): void {
  expect(err, `expected ${code}, got ${String(err)}`).toBeInstanceOf(SemperError);
  expect((err as SemperError).code).toBe(code);
  if (code.startsWith('ERR_CERTIFICATES_')) expect(err).toBeInstanceOf(CertificatesError);
}

function serialOctets(cert: Certificate): number {
  return cert.serialNumber.length / 2;
}

/**
 * Declares the vitest suite `name` that checks the CA module made by `factory` (called once, before the
 * suite). See the module documentation for what it checks; what a module does not declare (a profile, a
 * key type, revocation, CRLs) is checked to be refused with `ERR_CORE_UNSUPPORTED_OPERATION` or the
 * certificates code instead.
 *
 * @example
 * ```ts
 * import { openStore } from '@semper/store';
 * import { LocalCaCertificateModule } from '@semper/certificates';
 * import { describeCertificateModuleSuite } from '@semper/certificates/testing';
 *
 * describeCertificateModuleSuite('local CA', async () => {
 *   const store = await openStore('pglite:memory');
 *   const module = new LocalCaCertificateModule({ store, passphrase: 'a passphrase for tests', pbkdf2Iterations: 10_000 });
 *   const root = await module.createRootCa({ caId: 'root', subject: 'CN=Test Root' });
 *   await module.createIntermediateCa({ caId: 'issuing', issuerCaId: 'root', subject: 'CN=Test Issuing CA', pathLength: 1 });
 *   return { module, caId: 'issuing', anchors: [root.certificate], close: () => store.close() };
 * });
 * ```
 */
export function describeCertificateModuleSuite(
  name: string,
  factory: () => Promise<CertificateModuleFixture>,
  options: CertificateModuleSuiteOptions = {},
): void {
  describe(`CA module conformance: ${name}`, () => {
    let fixture: CertificateModuleFixture;
    let module: CertificateModule;
    let ca: CaInfo;
    let trust: TrustStore;
    let validator: PathValidator;
    const keys = new Map<KeyType, Keys>();
    const issued: IssuedCertificate[] = [];

    const keyFor = async (type: KeyType): Promise<Keys> => {
      let k = keys.get(type);
      if (k === undefined) {
        k = await generateKeyPair(options.keys?.[type] ?? DEFAULT_KEYS[type]);
        keys.set(type, k);
      }
      return k;
    };
    const requestFor = async (
      type: KeyType,
      subject = 'CN=conformance subject, O=semper',
      extensions?: CertificateExtension[],
    ) => createCertificationRequest({ subject, keys: await keyFor(type), ...(extensions ? { extensions } : {}) });
    const count = async (): Promise<number | undefined> => {
      try {
        return (await module.listCertificates({ caId: fixture.caId, limit: 10_000 })).length;
      } catch (err) {
        if (err instanceof SemperError && err.code === 'ERR_CORE_UNSUPPORTED_OPERATION') return undefined;
        throw err;
      }
    };
    /** Runs `fn`, expects `code`, and checks that the module recorded no new certificate. */
    const refusesWithNothingIssued = async (code: string, fn: () => unknown): Promise<void> => {
      const before = await count();
      expectCode(await failure(fn), code);
      expect(await count()).toBe(before);
    };
    const caps = () => module.descriptor.capabilities;
    const issuedOne = async (profile: CertificateProfileName = caps().profiles[0]): Promise<IssuedCertificate> => {
      const type = caps().keyTypes.find((t) => CERTIFICATE_PROFILES[profile].keyUsage[t] !== undefined);
      if (type === undefined) throw new Error(`no declared key type fits the ${profile} profile`);
      const result = await module.issue({ caId: fixture.caId, profile, request: await requestFor(type) });
      issued.push(result);
      return result;
    };

    beforeAll(async () => {
      fixture = await factory();
      module = fixture.module;
      ca = await module.getCa(fixture.caId);
      trust = new TrustStore(fixture.anchors);
      validator = new PathValidator(fixture.anchors); // RFC 5280, strict profile checks
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    it('declares the certificates block and its capabilities', () => {
      expect(module.descriptor.block).toBe('certificates');
      const c = caps();
      expect(c.profiles.length).toBeGreaterThan(0);
      for (const p of c.profiles) expect(Object.keys(CERTIFICATE_PROFILES)).toContain(p);
      expect(c.keyTypes.length).toBeGreaterThan(0);
      for (const flag of ['revocation', 'crl', 'hierarchy', 'transactional'] as const) {
        expect(typeof c[flag]).toBe('boolean');
      }
    });

    it('knows its issuing CA: a CA certificate valid now whose chain ends at an anchor', async () => {
      expect(ca.caId).toBe(fixture.caId);
      expect(ca.certificate.basicConstraints?.ca).toBe(true);
      expect(ca.certificate.isValidAt(new Date())).toBe(true);
      expect(ca.chain[0]?.equals(ca.certificate)).toBe(true);
      const path = await trust.buildChain(ca.certificate, ca.chain.slice(1));
      expect(fixture.anchors.some((a) => a.equals(path[path.length - 1]!))).toBe(true);
      expectCode(await failure(() => module.getCa('conformance-no-such-ca')), 'ERR_CERTIFICATES_UNKNOWN_CA');
    });

    describe('issuance under each declared profile', () => {
      for (const profileName of Object.keys(CERTIFICATE_PROFILES) as CertificateProfileName[]) {
        const profile = CERTIFICATE_PROFILES[profileName];
        for (const type of ['ec', 'rsa', 'ed25519'] as const) {
          it(`${profileName} with a ${type} key: the profile exactly, or a typed refusal`, async () => {
            const declared = caps().profiles.includes(profileName) && caps().keyTypes.includes(type);
            const usage = profile.keyUsage[type];
            const request = await requestFor(type, `CN=conformance ${profileName} ${type}, O=semper`);
            if (!caps().profiles.includes(profileName)) {
              await refusesWithNothingIssued('ERR_CERTIFICATES_UNKNOWN_PROFILE', () =>
                module.issue({ caId: fixture.caId, profile: profileName, request }),
              );
              return;
            }
            if (!declared || usage === undefined) {
              await refusesWithNothingIssued('ERR_CERTIFICATES_UNSUPPORTED_KEY', () =>
                module.issue({ caId: fixture.caId, profile: profileName, request }),
              );
              return;
            }
            const before = await count();
            const result = await module.issue({ caId: fixture.caId, profile: profileName, request });
            issued.push(result);
            const cert = result.certificate;
            expect(result.profile).toBe(profileName);
            expect(result.caId).toBe(fixture.caId);
            expect(result.serialNumber).toBe(cert.serialNumber);
            expect(cert.subject).toBe(request.subject);
            expect(cert.publicKey.equals(request.publicKey)).toBe(true);
            expect(cert.version).toBe(3);
            expect([...(cert.keyUsage ?? [])].sort()).toEqual([...usage].sort());
            expect(cert.extensions.find((e) => e.oid === '2.5.29.15')?.critical).toBe(true);
            if (profile.extendedKeyUsage === undefined) expect(cert.extendedKeyUsage).toBeUndefined();
            else expect([...(cert.extendedKeyUsage ?? [])].sort()).toEqual([...profile.extendedKeyUsage].sort());
            expect(cert.basicConstraints?.ca ?? false).toBe(profile.basicConstraints.ca);
            if (profile.basicConstraints.pathLength !== undefined) {
              expect(cert.basicConstraints?.pathLength).toBe(profile.basicConstraints.pathLength);
            }
            // RFC 5280 §4.1.2.2: positive, at most 20 octets; CA/B: at least 64 bits of randomness.
            expect(serialOctets(cert)).toBeGreaterThanOrEqual(8);
            expect(serialOctets(cert)).toBeLessThanOrEqual(20);
            expect(cert.subjectKeyIdentifier?.length).toBeGreaterThan(0);
            expect(Buffer.from(cert.authorityKeyIdentifier ?? []).toString('hex')).toBe(
              Buffer.from(ca.certificate.subjectKeyIdentifier ?? []).toString('hex'),
            );
            expect(cert.issuer).toBe(ca.certificate.subject);
            expect(cert.notAfter.getTime()).toBeLessThanOrEqual(ca.certificate.notAfter.getTime());
            expect(cert.notBefore.getTime()).toBeGreaterThanOrEqual(ca.certificate.notBefore.getTime());
            expect(cert.isValidAt(new Date())).toBe(true);
            expect(result.chain[0]?.equals(cert)).toBe(true);
            const path = await trust.buildChain(cert, result.chain.slice(1));
            expect(path[1]?.equals(ca.certificate)).toBe(true);
            // The block's RFC 5280 validator, strict, for the purpose the profile is for.
            const purpose: KeyPurpose = usage.some((u) => u === 'keyEncipherment' || u === 'keyAgreement')
              ? usage.includes('digitalSignature')
                ? 'any'
                : 'encrypt'
              : profile.basicConstraints.ca
                ? 'any'
                : 'sign';
            const verdict = await validator.validate(cert, {
              intermediates: result.chain.slice(1),
              purpose,
              ...(profile.extendedKeyUsage ? { extendedKeyUsage: profile.extendedKeyUsage } : {}),
            });
            expect(verdict.valid, verdict.valid ? '' : `${verdict.code}: ${verdict.reason}`).toBe(true);
            if (before !== undefined) expect(await count()).toBe(before + 1);
            const record = await module.getCertificate(fixture.caId, cert.serialNumber);
            if (record !== undefined) {
              expect(record.certificate.equals(cert)).toBe(true);
              expect(record.revocation).toBeUndefined();
            }
          });
        }
      }

      it('gives every certificate its own serial number', async () => {
        const a = await issuedOne();
        const b = await issuedOne();
        expect(a.serialNumber).not.toBe(b.serialNumber);
      });

      it('never copies usages from the request: a requested keyUsage or basicConstraints is ignored', async () => {
        const profile = caps().profiles.find((p) => !CERTIFICATE_PROFILES[p].basicConstraints.ca) ?? caps().profiles[0];
        const type = caps().keyTypes.find((t) => CERTIFICATE_PROFILES[profile].keyUsage[t] !== undefined)!;
        const request = await requestFor(type, 'CN=conformance greedy, O=semper', [
          { oid: '2.5.29.19', critical: true, value: Uint8Array.of(0x30, 0x03, 0x01, 0x01, 0xff) }, // CA:TRUE
          { oid: '2.5.29.15', critical: true, value: Uint8Array.of(0x03, 0x02, 0x01, 0x06) }, // keyCertSign, cRLSign
        ]);
        const result = await module.issue({ caId: fixture.caId, profile, request });
        issued.push(result);
        expect(result.certificate.basicConstraints?.ca ?? false).toBe(
          CERTIFICATE_PROFILES[profile].basicConstraints.ca,
        );
        expect(result.certificate.keyUsage).toEqual(CERTIFICATE_PROFILES[profile].keyUsage[type]);
      });
    });

    describe('refusals: nothing is issued', () => {
      it('a request not signed with its own key: ERR_CERTIFICATES_POP_FAILED', async () => {
        const type = caps().keyTypes[0];
        const profile = caps().profiles.find((p) => CERTIFICATE_PROFILES[p].keyUsage[type] !== undefined)!;
        const good = await requestFor(type, 'CN=conformance pop, O=semper');
        // The same request body signed by another key of the same type.
        const other = await generateKeyPair(options.keys?.[type] ?? DEFAULT_KEYS[type]);
        const foreign = await createCertificationRequest({ subject: 'CN=conformance pop, O=semper', keys: other });
        const framed = frame(concat(good.infoDer, afterInfo(foreign.der, foreign.infoDer)));
        await refusesWithNothingIssued('ERR_CERTIFICATES_POP_FAILED', () =>
          module.issue({ caId: fixture.caId, profile, request: framed }),
        );
        // A request changed after it was signed (one byte of the subject).
        const tampered = new Uint8Array(good.der);
        const at = Buffer.from(tampered).indexOf('conformance pop');
        expect(at).toBeGreaterThan(0);
        tampered[at] = 0x43; // 'c' → 'C'
        await refusesWithNothingIssued('ERR_CERTIFICATES_POP_FAILED', () =>
          module.issue({ caId: fixture.caId, profile, request: tampered }),
        );
      });

      it('a malformed request: ERR_CERTIFICATES_MALFORMED', async () => {
        const profile = caps().profiles[0];
        const good = await requestFor(caps().keyTypes[0]);
        for (const bad of [good.der.subarray(0, good.der.length - 3), Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00)]) {
          await refusesWithNothingIssued('ERR_CERTIFICATES_MALFORMED', () =>
            module.issue({ caId: fixture.caId, profile, request: bad }),
          );
        }
        await refusesWithNothingIssued('ERR_CERTIFICATES_MALFORMED', () =>
          module.issue({
            caId: fixture.caId,
            profile,
            request: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
          }),
        );
      });

      it('an unknown profile, CA or validity: typed refusals', async () => {
        const type = caps().keyTypes[0];
        const profile = caps().profiles.find((p) => CERTIFICATE_PROFILES[p].keyUsage[type] !== undefined)!;
        const request = await requestFor(type);
        await refusesWithNothingIssued('ERR_CERTIFICATES_UNKNOWN_PROFILE', () =>
          module.issue({ caId: fixture.caId, profile: 'root-of-all-evil' as CertificateProfileName, request }),
        );
        await refusesWithNothingIssued('ERR_CERTIFICATES_UNKNOWN_CA', () =>
          module.issue({ caId: 'conformance-no-such-ca', profile, request }),
        );
        await refusesWithNothingIssued('ERR_CERTIFICATES_VALIDITY', () =>
          module.issue({
            caId: fixture.caId,
            profile,
            request,
            validityDays: CERTIFICATE_PROFILES[profile].maxValidityDays + 1,
          }),
        );
        await refusesWithNothingIssued('ERR_CERTIFICATES_VALIDITY', () =>
          module.issue({ caId: fixture.caId, profile, request, validityDays: -1 }),
        );
        await refusesWithNothingIssued('ERR_CERTIFICATES_INVALID_ARGUMENT', () =>
          module.issue({ caId: fixture.caId, profile, request, subject: 'not a distinguished name' }),
        );
      });
    });

    describe('revocation', () => {
      it('revokes with an RFC 5280 reason, once; refuses unknown serials and bad reasons', async () => {
        if (!caps().revocation) {
          const one = await issuedOne();
          expectCode(
            await failure(() => module.revoke({ caId: fixture.caId, serialNumber: one.serialNumber })),
            'ERR_CORE_UNSUPPORTED_OPERATION',
          );
          return;
        }
        const target = await issuedOne();
        const revocation = await module.revoke({
          caId: fixture.caId,
          serialNumber: target.serialNumber.toUpperCase(),
          reason: 'keyCompromise',
        });
        expect(revocation.serialNumber).toBe(target.serialNumber);
        expect(revocation.reason).toBe('keyCompromise');
        const record = await module.getCertificate(fixture.caId, target.serialNumber);
        if (record !== undefined) expect(record.revocation?.reason).toBe('keyCompromise');
        expectCode(
          await failure(() =>
            module.revoke({ caId: fixture.caId, serialNumber: target.serialNumber, reason: 'superseded' }),
          ),
          'ERR_CERTIFICATES_ALREADY_REVOKED',
        );
        expectCode(
          await failure(() => module.revoke({ caId: fixture.caId, serialNumber: '7e57' })),
          'ERR_CERTIFICATES_NOT_FOUND',
        );
        expectCode(
          await failure(() =>
            module.revoke({ caId: fixture.caId, serialNumber: target.serialNumber, reason: 'removeFromCRL' }),
          ),
          'ERR_CERTIFICATES_INVALID_ARGUMENT',
        );
        expectCode(
          await failure(() => module.revoke({ caId: fixture.caId, serialNumber: 'not hex' })),
          'ERR_CERTIFICATES_INVALID_ARGUMENT',
        );
      });

      it('puts a certificate on hold, releases it, and makes a hold final', async () => {
        if (!caps().revocation) return;
        const held = await issuedOne();
        await module.revoke({ caId: fixture.caId, serialNumber: held.serialNumber, reason: 'certificateHold' });
        await module.releaseHold(fixture.caId, held.serialNumber);
        expect((await module.getCertificate(fixture.caId, held.serialNumber))?.revocation).toBeUndefined();
        expectCode(
          await failure(() => module.releaseHold(fixture.caId, held.serialNumber)),
          'ERR_CERTIFICATES_INVALID_ARGUMENT',
        );
        await module.revoke({ caId: fixture.caId, serialNumber: held.serialNumber, reason: 'certificateHold' });
        const final = await module.revoke({
          caId: fixture.caId,
          serialNumber: held.serialNumber,
          reason: 'cessationOfOperation',
        });
        expect(final.reason).toBe('cessationOfOperation');
        expectCode(
          await failure(() => module.releaseHold(fixture.caId, held.serialNumber)),
          'ERR_CERTIFICATES_ALREADY_REVOKED',
        );
      });
    });

    describe('CRLs', () => {
      it('issues numbered CRLs signed by the CA that list exactly the revoked certificates', async () => {
        if (!caps().crl) {
          expectCode(await failure(() => module.issueCrl({ caId: fixture.caId })), 'ERR_CORE_UNSUPPORTED_OPERATION');
          return;
        }
        const first = await module.issueCrl({ caId: fixture.caId });
        const kept = await issuedOne();
        let revokedSerial: string | undefined;
        if (caps().revocation) {
          const gone = await issuedOne();
          await module.revoke({ caId: fixture.caId, serialNumber: gone.serialNumber, reason: 'affiliationChanged' });
          revokedSerial = gone.serialNumber;
        }
        const second = await module.issueCrl({ caId: fixture.caId });
        expect(second.crlNumber).toBeGreaterThan(first.crlNumber);
        const crl = second.crl;
        expect(crl.crlNumber).toBe(second.crlNumber);
        expect(crl.issuer).toBe(ca.certificate.subject);
        expect(await crl.verifySignature(ca.certificate)).toBe(true);
        expect(crl.isRevoked(kept.serialNumber)).toBe(false);
        const withCrl = { intermediates: ca.chain, crls: [crl], revocation: 'leaf' } as const;
        const keptVerdict = await validator.validate(kept.certificate, withCrl);
        expect(keptVerdict.valid, keptVerdict.valid ? '' : `${keptVerdict.code}: ${keptVerdict.reason}`).toBe(true);
        if (revokedSerial !== undefined) {
          expect(crl.isRevoked(revokedSerial)).toBe(true);
          expect(crl.entry(revokedSerial)?.reason).toBe('affiliationChanged');
          const gone = issued.find((i) => i.serialNumber === revokedSerial)!;
          expect(await validator.validate(gone.certificate, withCrl)).toMatchObject({ valid: false, code: 'REVOKED' });
        }
        expect(crl.nextUpdate?.getTime()).toBeGreaterThan(crl.thisUpdate.getTime());
        const latest = await module.latestCrl(fixture.caId);
        expect(latest?.crlNumber).toBe(second.crlNumber);
        expectCode(
          await failure(() => module.issueCrl({ caId: fixture.caId, nextUpdate: new Date(Date.now() - 86_400_000) })),
          'ERR_CERTIFICATES_INVALID_ARGUMENT',
        );
        expectCode(
          await failure(() => module.issueCrl({ caId: 'conformance-no-such-ca' })),
          'ERR_CERTIFICATES_UNKNOWN_CA',
        );
      });
    });
  });
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The bytes of a CertificationRequest after its CertificationRequestInfo: the algorithm and the signature. */
function afterInfo(der: Uint8Array, info: Uint8Array): Uint8Array {
  const header = der[1]! < 0x80 ? 2 : 2 + (der[1]! & 0x7f);
  return der.subarray(header + info.length);
}

/** A DER SEQUENCE around `body`. */
function frame(body: Uint8Array): Uint8Array {
  const n = body.length;
  const header = n < 0x80 ? [0x30, n] : n < 0x100 ? [0x30, 0x81, n] : [0x30, 0x82, n >> 8, n & 0xff];
  const out = new Uint8Array(header.length + n);
  out.set(header);
  out.set(body, header.length);
  return out;
}
