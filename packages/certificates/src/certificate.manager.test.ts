// The CertificateManager: core's manager conformance checks, routing by id under the module policy, errors
// passed through unchanged, and the DI wiring of `register` (nothing at import time, one manager per party,
// modules collected with @injectAll, explicit @inject tokens).
import 'reflect-metadata';
import {
  createPartyContainer,
  MODULE_POLICY,
  ModulePolicy,
  POLICY_CONTEXT,
  PREFERENCES,
  Preferences,
  register as registerCore,
  UnsupportedOperationError,
} from '@semper/core';
import type { ModuleDescriptor } from '@semper/core/spi';
import { checkServiceManagerConformance } from '@semper/core/testing';
import { register as registerStore } from '@semper/store';
import { describe, expect, it } from 'vitest';
import { CertificateManager } from './certificate.manager.js';
import { register } from './container.js';
import { CertificatesError } from './errors.js';
import type { ExternalCertificateRegistry } from './external-certificates.js';
import { LocalCaCertificateModule } from './local-ca.certificate-module.js';
import type { RegistrationAuthority } from './registration-authority.js';
import { AbstractCertificateModule, type CertificateModule, type CertificateModuleDescriptor } from './spi.js';
import { CERTIFICATE_MANAGER, CERTIFICATE_MODULE, EXTERNAL_CERTIFICATES, REGISTRATION_AUTHORITY } from './tokens.js';

const CAPS = {
  profiles: ['signing'],
  keyTypes: ['ec'],
  revocation: false,
  crl: false,
  hierarchy: false,
  transactional: false,
} as const;

/** A module whose every operation rejects with `failWith` (or is unsupported). */
function fakeModule(descriptor: ModuleDescriptor, failWith?: unknown): CertificateModule {
  const fail = async () => {
    throw failWith ?? new UnsupportedOperationError(`${descriptor.id}: fake`);
  };
  return {
    descriptor: { ...descriptor, capabilities: { ...CAPS, ...descriptor.capabilities } } as CertificateModuleDescriptor,
    createRootCa: fail,
    createIntermediateCa: fail,
    getCa: fail,
    listCas: fail,
    issue: fail,
    getCertificate: fail,
    listCertificates: fail,
    revoke: fail,
    releaseHold: fail,
    issueCrl: fail,
    latestCrl: fail,
  };
}

class EmptyModule extends AbstractCertificateModule {
  constructor(id = 'certificates-empty') {
    super({ id, version: '1.0.0', block: 'certificates', capabilities: { ...CAPS, profiles: ['signing'] } });
  }
}

describe('CertificateManager', () => {
  it('passes core’s manager conformance checks', async () => {
    await checkServiceManagerConformance<CertificateModule>({
      block: 'certificates',
      createManager: (modules, { policy }) => new CertificateManager([...modules], policy, Preferences.defaults(), {}),
      createModule: (descriptor, { failWith }) => fakeModule(descriptor, failWith),
      call: (manager, id, context) =>
        (manager as CertificateManager).issue(
          id,
          { caId: 'x', profile: 'signing', request: new Uint8Array(1) },
          { context },
        ),
    });
  });

  it('routes every operation to the module by id and passes its errors through unchanged', async () => {
    const error = new CertificatesError('ERR_CERTIFICATES_NOT_FOUND', 'raised by the module');
    const failing = fakeModule(
      { id: 'certificates-failing', version: '1.0.0', block: 'certificates', capabilities: {} },
      error,
    );
    const manager = new CertificateManager(
      [failing, new EmptyModule()],
      ModulePolicy.allowAll(),
      Preferences.defaults(),
      {},
    );
    const calls: (() => Promise<unknown>)[] = [
      () => manager.createRootCa('certificates-failing', { caId: 'r', subject: 'CN=R' }),
      () => manager.createIntermediateCa('certificates-failing', { caId: 'i', issuerCaId: 'r', subject: 'CN=I' }),
      () => manager.getCa('certificates-failing', 'r'),
      () => manager.listCas('certificates-failing'),
      () => manager.issue('certificates-failing', { caId: 'r', profile: 'signing', request: new Uint8Array(1) }),
      () => manager.getCertificate('certificates-failing', 'r', '01'),
      () => manager.listCertificates('certificates-failing'),
      () => manager.revoke('certificates-failing', { caId: 'r', serialNumber: '01' }),
      () => manager.releaseHold('certificates-failing', 'r', '01'),
      () => manager.issueCrl('certificates-failing', { caId: 'r' }),
      () => manager.latestCrl('certificates-failing', 'r'),
    ];
    for (const call of calls) await expect(call()).rejects.toBe(error);
    // A module that does not implement a hook: UnsupportedOperationError from the base.
    await expect(manager.listCas('certificates-empty')).rejects.toMatchObject({
      code: 'ERR_CORE_UNSUPPORTED_OPERATION',
    });
    await expect(manager.issueCrl('certificates-empty', { caId: 'r' })).rejects.toMatchObject({
      code: 'ERR_CORE_UNSUPPORTED_OPERATION',
    });
    await expect(manager.createRootCa('certificates-empty', { caId: 'r', subject: 'CN=R' })).rejects.toBeInstanceOf(
      UnsupportedOperationError,
    );
    await expect(manager.getCa('certificates-missing', 'r')).rejects.toMatchObject({
      code: 'ERR_CORE_MODULE_NOT_FOUND',
    });
  });

  it('refuses a module that policy forbids in the context', async () => {
    const policy = new ModulePolicy({
      rules: [{ name: 'no-test-ca-in-fr', effect: 'forbid', modules: ['certificates-empty'], jurisdictions: ['FR'] }],
    });
    const manager = new CertificateManager([new EmptyModule()], policy, Preferences.defaults(), { jurisdiction: 'FR' });
    await expect(manager.getCa('certificates-empty', 'r')).rejects.toMatchObject({ code: 'ERR_CORE_MODULE_FORBIDDEN' });
    await expect(manager.getCa('certificates-empty', 'r', { jurisdiction: 'DE' })).rejects.toMatchObject({
      code: 'ERR_CORE_UNSUPPORTED_OPERATION',
    });
    expect(manager.available().map((d) => d.id)).toEqual([]);
  });

  it('the module base refuses descriptors of another block or without the capabilities', () => {
    class Bad extends AbstractCertificateModule {
      constructor(d: CertificateModuleDescriptor) {
        super(d);
      }
    }
    expect(() => new Bad({ id: 'x', version: '1.0.0', block: 'payments', capabilities: CAPS } as never)).toThrow(
      CertificatesError,
    );
    expect(
      () =>
        new Bad({
          id: 'x',
          version: '1.0.0',
          block: 'certificates',
          capabilities: { ...CAPS, profiles: ['admin'] },
        } as never),
    ).toThrow(CertificatesError);
    expect(
      () =>
        new Bad({ id: 'x', version: '1.0.0', block: 'certificates', capabilities: { profiles: ['signing'] } } as never),
    ).toThrow(CertificatesError);
  });
});

describe('register (DI)', () => {
  it('registers nothing until called, then the manager, the modules, the RA and the external registry', () => {
    const party = createPartyContainer();
    expect(party.isRegistered(CERTIFICATE_MANAGER, true)).toBe(false);
    expect(party.isRegistered(CERTIFICATE_MODULE, true)).toBe(false);
    registerCore(party, { context: { jurisdiction: 'DE' } });
    registerStore(party, { url: 'pglite:memory' }); // opened on first use only: never here
    const extra = new EmptyModule('certificates-extra');
    register(party, {
      localCa: { passphrase: 'a passphrase for DI tests' },
      modules: [extra, () => new EmptyModule('certificates-factory')],
    });
    const manager = party.resolve<CertificateManager>(CERTIFICATE_MANAGER);
    expect(manager).toBeInstanceOf(CertificateManager);
    expect(manager.ids).toEqual(['certificates-local-ca', 'certificates-extra', 'certificates-factory']);
    expect(manager.get('certificates-local-ca')).toBeInstanceOf(LocalCaCertificateModule);
    expect(manager.get('certificates-extra')).toBe(extra);
    expect(party.resolve(CERTIFICATE_MANAGER)).toBe(manager);
    expect(party.resolve<RegistrationAuthority>(REGISTRATION_AUTHORITY)).toBe(party.resolve(REGISTRATION_AUTHORITY));
    expect(party.resolve<ExternalCertificateRegistry>(EXTERNAL_CERTIFICATES)).toBeDefined();
  });

  it('keeps parties apart, and lets the manager be built by tsyringe from its @inject tokens', () => {
    const a = registerCore(createPartyContainer(), { context: { user: 'a' } });
    const b = registerCore(createPartyContainer(), { context: { user: 'b' } });
    registerStore(a, { url: 'pglite:memory' });
    registerStore(b, { url: 'pglite:memory' });
    register(a, {
      modules: [new EmptyModule('certificates-a')],
      registrationAuthority: false,
      externalCertificates: false,
    });
    register(b, { modules: [new EmptyModule('certificates-b')] });
    expect(a.resolve<CertificateManager>(CERTIFICATE_MANAGER).ids).toEqual(['certificates-a']);
    expect(b.resolve<CertificateManager>(CERTIFICATE_MANAGER).ids).toEqual(['certificates-b']);
    expect(a.isRegistered(REGISTRATION_AUTHORITY, true)).toBe(false);
    // A container with only core's services: a manager with no modules.
    const bare = registerCore(createPartyContainer());
    const built = bare.resolve(CertificateManager);
    expect(built.ids).toEqual([]);
    expect(bare.resolve(MODULE_POLICY)).toBeInstanceOf(ModulePolicy);
    expect(bare.resolve(PREFERENCES)).toBeInstanceOf(Preferences);
    expect(bare.resolve(POLICY_CONTEXT)).toEqual({});
  });

  it('refuses bad arguments with typed errors', () => {
    expect(() => register({} as never)).toThrow(CertificatesError);
    expect(() => register(createPartyContainer(), { modules: [42 as never] })).toThrow(CertificatesError);
  });
});
