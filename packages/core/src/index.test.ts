import { container as rootContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';

describe('@semper/core entry points', () => {
  it('exports the public API from the main entry', async () => {
    const core = await import('./index.js');
    expect(Object.keys(core).sort()).toEqual(
      [
        'CLOCK',
        'CoreError',
        'CurrencyMismatchError',
        'EVENT_BUS',
        'EventBus',
        'MODULE_POLICY',
        'ManualClock',
        'ModuleConflictError',
        'ModuleForbiddenError',
        'ModuleNotFoundError',
        'ModulePolicy',
        'Money',
        'POLICY_CONTEXT',
        'PREFERENCES',
        'Preferences',
        'SemperError',
        'ServiceManager',
        'SystemClock',
        'UnsupportedOperationError',
        'createIdGenerator',
        'createPartyContainer',
        'divideRounded',
        'getCurrency',
        'isCurrencyCode',
        'isId',
        'isRoundingMode',
        'listCurrencies',
        'negotiate',
        'newId',
        'ofType',
        'parseId',
        'register',
      ].sort(),
    );
  });

  it('exports what module writers need from ./spi', async () => {
    const spi = await import('./spi.js');
    expect(Object.keys(spi).sort()).toEqual(
      [
        'AbstractServiceModule',
        'ServiceManager',
        'UnsupportedOperationError',
        'areVersionsCompatible',
        'defineDescriptor',
        'isDeclaredForJurisdiction',
        'isSemver',
        'matchRequirements',
      ].sort(),
    );
  });

  it('exports the test kit from ./testing', async () => {
    const testing = await import('./testing.js');
    expect(Object.keys(testing).sort()).toEqual(
      [
        'ManualClock',
        'checkServiceManagerConformance',
        'createFakeModule',
        'fakeDescriptor',
        'recordEvents',
        'serviceManagerConformanceChecks',
      ].sort(),
    );
  });

  it('registers nothing at import time', async () => {
    await import('./index.js');
    await import('./spi.js');
    await import('./testing.js');
    for (const token of ['Clock', 'EventBus', 'Preferences', 'ModulePolicy', 'PolicyContext']) {
      expect(rootContainer.isRegistered(Symbol.for(`semper.core.${token}`), true)).toBe(false);
    }
  });
});
