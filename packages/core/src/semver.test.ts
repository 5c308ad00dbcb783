import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { areVersionsCompatible, isSemver } from './semver.js';

describe('isSemver', () => {
  it.each(['0.0.0', '1.2.3', '10.20.30', '1.0.0-rc.1', '1.0.0-alpha-a.b-c', '1.0.0+build.5', '1.0.0-0.3.7+exp.sha'])(
    'accepts %s',
    (v) => expect(isSemver(v)).toBe(true),
  );
  it.each(['1', '1.2', '01.2.3', '1.02.3', '1.2.3-', '1.2.3-01', 'v1.2.3', ' 1.2.3', '1.2.3.4', '', 'x'.repeat(300)])(
    'refuses %j',
    (v) => expect(isSemver(v)).toBe(false),
  );
  it('refuses non-strings', () => expect(isSemver(1)).toBe(false));
});

describe('areVersionsCompatible', () => {
  it.each([
    ['1.2.0', '1.9.3', true],
    ['1.0.0', '1.0.0', true],
    ['1.2.0', '2.0.0', false],
    ['0.3.1', '0.3.9', true],
    ['0.3.1', '0.4.0', false],
    ['0.0.1', '0.0.2', true],
    ['1.0.0-rc.1', '1.0.0-rc.1', true],
    ['1.0.0-rc.1+a', '1.0.0-rc.1+b', true],
    ['1.0.0-rc.1', '1.0.0-rc.2', false],
    ['1.0.0-rc.1', '1.0.0', false],
    ['1.0.0+a', '1.5.0+b', true],
    ['1.0', '1.0.0', false],
    ['12345678901234567890.0.0', '12345678901234567890.1.0', true],
  ] as const)('%s and %s: %s', (a, b, expected) => {
    expect(areVersionsCompatible(a, b)).toBe(expected);
    expect(areVersionsCompatible(b, a)).toBe(expected);
  });

  it('property: symmetric and reflexive on valid versions', () => {
    const v = fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3)).map(([a, b, c]) => `${a}.${b}.${c}`);
    fc.assert(
      fc.property(v, v, (a, b) => {
        expect(areVersionsCompatible(a, a)).toBe(true);
        expect(areVersionsCompatible(a, b)).toBe(areVersionsCompatible(b, a));
        const [ma, na] = a.split('.');
        const [mb, nb] = b.split('.');
        expect(areVersionsCompatible(a, b)).toBe(ma === mb && (ma !== '0' || na === nb));
      }),
    );
  });
});
