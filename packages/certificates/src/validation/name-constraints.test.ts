import { encodeName } from '@semper/crypto';
import { describe, expect, it } from 'vitest';
import { readTlv } from './der.js';
import type { CertificateAnalysis, NameConstraintsValue } from './extensions.js';
import { checkNameConstraints, MAX_NAME_COMPARISONS } from './name-constraints.js';
import { type GeneralName, parseName, readGeneralName } from './names.js';
import { gn } from './test-pki.test-util.js';

const g = (b: Uint8Array): GeneralName => readGeneralName(readTlv(b));

function subject(o: { dn?: string; san?: Uint8Array[] }): CertificateAnalysis {
  const rdns = o.dn ? parseName(encodeName(o.dn)) : [];
  return {
    violations: [],
    unknownCritical: [],
    subject: rdns,
    selfIssued: false,
    isCa: false,
    missingAkiKeyId: false,
    subjectEmails: rdns.flatMap((r) =>
      r.filter((a) => a.oid === '1.2.840.113549.1.9.1').map((a) => new TextDecoder().decode(a.value)),
    ),
    ...(o.san ? { subjectAltName: o.san.map(g) } : {}),
  };
}

function layer(permitted: Uint8Array[], excluded: Uint8Array[] = []): NameConstraintsValue {
  return { permitted: permitted.map(g), excluded: excluded.map(g) };
}

function ok(a: CertificateAnalysis, ...layers: NameConstraintsValue[]): boolean {
  return checkNameConstraints(a, layers, { used: 0 }) === undefined;
}

describe('name constraints', () => {
  it('dNSName: the name or any name with more labels on the left, case-insensitive', () => {
    const l = layer([gn.dns('Example.com')]);
    expect(ok(subject({ san: [gn.dns('example.com')] }), l)).toBe(true);
    expect(ok(subject({ san: [gn.dns('a.b.EXAMPLE.com')] }), l)).toBe(true);
    expect(ok(subject({ san: [gn.dns('notexample.com')] }), l)).toBe(false);
    expect(ok(subject({ san: [gn.dns('example.com.evil')] }), l)).toBe(false);
    expect(ok(subject({ san: [gn.dns('.example.com')] }), l)).toBe(false); // invalid name: fails closed
    expect(ok(subject({ san: [gn.dns('x.example')] }), layer([gn.dns('')]))).toBe(true); // empty: every name
    expect(ok(subject({ san: [gn.dns('x.example')] }), layer([], [gn.dns('')]))).toBe(false);
  });

  it('dNSName wildcards: permitted only wholly inside, excluded on any overlap', () => {
    expect(ok(subject({ san: [gn.dns('*.foo.com')] }), layer([gn.dns('foo.com')]))).toBe(true);
    expect(ok(subject({ san: [gn.dns('*.example.com')] }), layer([gn.dns('foo.example.com')]))).toBe(false);
    expect(ok(subject({ san: [gn.dns('*.example.com')] }), layer([], [gn.dns('bar.example.com')]))).toBe(false);
    expect(ok(subject({ san: [gn.dns('*.example.com')] }), layer([], [gn.dns('example.com')]))).toBe(false);
    expect(ok(subject({ san: [gn.dns('*.example.com')] }), layer([], [gn.dns('other.com')]))).toBe(true);
  });

  it('rfc822Name: a mailbox, a host, or a domain (leading period); SAN and DN e-mail addresses', () => {
    expect(ok(subject({ san: [gn.email('a@example.com')] }), layer([gn.email('a@example.com')]))).toBe(true);
    expect(ok(subject({ san: [gn.email('A@example.com')] }), layer([gn.email('a@example.com')]))).toBe(false); // local part is case-sensitive
    expect(ok(subject({ san: [gn.email('a@EXAMPLE.com')] }), layer([gn.email('a@example.com')]))).toBe(true);
    expect(ok(subject({ san: [gn.email('b@example.com')] }), layer([gn.email('example.com')]))).toBe(true);
    expect(ok(subject({ san: [gn.email('b@mail.example.com')] }), layer([gn.email('example.com')]))).toBe(false);
    expect(ok(subject({ san: [gn.email('b@mail.example.com')] }), layer([gn.email('.example.com')]))).toBe(true);
    expect(ok(subject({ san: [gn.email('b@example.com')] }), layer([gn.email('.example.com')]))).toBe(false);
    expect(ok(subject({ san: [gn.email('*@example.com')] }), layer([gn.email('*@example.com')]))).toBe(true);
    expect(ok(subject({ san: [gn.email('user@example.com')] }), layer([gn.email('*@example.com')]))).toBe(false);
    expect(ok(subject({ dn: 'CN=x, E=a@evil.example' }), layer([gn.email('example.com')]))).toBe(false);
    expect(ok(subject({ dn: 'CN=x, E=a@example.com' }), layer([gn.email('example.com')]))).toBe(true);
  });

  it('iPAddress: address and mask, per family', () => {
    const l = layer([gn.ip(192, 0, 2, 0, 255, 255, 255, 0)]);
    expect(ok(subject({ san: [gn.ip(192, 0, 2, 77)] }), l)).toBe(true);
    expect(ok(subject({ san: [gn.ip(192, 0, 3, 1)] }), l)).toBe(false);
    const v6 = [...new Array(15).fill(0), 1];
    expect(ok(subject({ san: [gn.ip(...v6)] }), l)).toBe(false); // IPv6 against only-IPv4 permitted
    expect(ok(subject({ san: [gn.ip(...v6)] }), layer([], [gn.ip(...v6, ...new Array(16).fill(255))]))).toBe(false);
    expect(ok(subject({ san: [gn.ip(10, 0, 0, 1, 0)] }), l)).toBe(false); // malformed address
  });

  it('uniformResourceIdentifier: the host, exactly or within a domain', () => {
    const l = layer([gn.uri('.example.com'), gn.uri('host.example')]);
    expect(ok(subject({ san: [gn.uri('https://a.example.com/x')] }), l)).toBe(true);
    expect(ok(subject({ san: [gn.uri('https://host.example:8080/')] }), l)).toBe(true);
    expect(ok(subject({ san: [gn.uri('https://example.com/')] }), l)).toBe(false);
    expect(ok(subject({ san: [gn.uri('mailto:a@example.com')] }), l)).toBe(false);
    expect(ok(subject({ san: [gn.uri('https://10.0.0.1/')] }), l)).toBe(false);
  });

  it('directoryName: the subject DN and directoryName SANs must start with the constraint', () => {
    const l = layer([gn.dn('C=DE, O=semper')]);
    expect(ok(subject({ dn: 'C=DE, O=semper, CN=a' }), l)).toBe(true);
    expect(ok(subject({ dn: 'C=DE, O=other, CN=a' }), l)).toBe(false);
    expect(ok(subject({ dn: 'C=DE, O=semper, CN=a', san: [gn.dn('C=FR, CN=b')] }), l)).toBe(false);
    expect(ok(subject({ san: [gn.dns('x.example')] }), l)).toBe(true); // empty subject: nothing to check
    expect(ok(subject({ dn: 'C=DE, O=semper, CN=a' }), layer([], [gn.dn('C=DE')]))).toBe(false);
  });

  it('applies every layer (intersection) and ignores forms a layer does not constrain', () => {
    const a = subject({ san: [gn.dns('foo.example.com')] });
    expect(
      ok(a, layer([gn.dns('foo.example.com'), gn.dns('bar.example.com')]), layer([gn.dns('bar.example.com')])),
    ).toBe(false);
    expect(ok(a, layer([gn.ip(192, 0, 2, 0, 255, 255, 255, 0)]))).toBe(true);
  });

  it('refuses constrained forms it does not compare, and quadratic blow-ups', () => {
    const on = gn.otherName('1.2.3.4', Uint8Array.of(5, 0));
    expect(ok(subject({ san: [on] }), layer([], [on]))).toBe(false);
    expect(ok(subject({ san: [gn.dns('x.example')] }), layer([], [on]))).toBe(true);
    const many = Array.from({ length: 600 }, (_, i) => gn.dns(`n${i}.example`));
    const reason = checkNameConstraints(subject({ san: many }), [layer(many)], { used: 0 });
    expect(600 * 600).toBeGreaterThan(MAX_NAME_COMPARISONS);
    expect(reason).toContain('comparisons');
  });
});
