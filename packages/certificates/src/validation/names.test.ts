import { encodeName } from '@semper/crypto';
import { describe, expect, it } from 'vitest';
import { T, tlv } from './der.js';
import {
  emailAttributes,
  formatName,
  isDnsName,
  isNamePrefix,
  namesMatch,
  parseName,
  readGeneralName,
  splitMailbox,
  uriHost,
} from './names.js';
import { readTlv } from './der.js';
import { gn } from './test-pki.test-util.js';

/** A Name of one RDN per [oid, tag, value]. */
function name(...avas: [string, number, string][]): Uint8Array {
  const oidDer: Record<string, Uint8Array> = {
    cn: Uint8Array.of(0x06, 0x03, 0x55, 0x04, 0x03),
    o: Uint8Array.of(0x06, 0x03, 0x55, 0x04, 0x0a),
  };
  return tlv(
    T.sequence,
    ...avas.map(([type, tag, v]) => tlv(T.set, tlv(T.sequence, oidDer[type], tlv(tag, new TextEncoder().encode(v))))),
  );
}

describe('Names', () => {
  it('match by RFC 5280 §7.1: case, spaces and string type do not matter', () => {
    expect(namesMatch(encodeName('CN=Alice, O=Example'), encodeName('CN=Alice, O=Example'))).toBe(true);
    expect(
      namesMatch(name(['cn', T.printableString, 'Alice  Smith']), name(['cn', T.utf8String, ' alice smith '])),
    ).toBe(true);
    expect(namesMatch(name(['cn', T.utf8String, 'Alice']), name(['cn', T.utf8String, 'Alicia']))).toBe(false);
    expect(namesMatch(encodeName('CN=A, O=B'), encodeName('O=B, CN=A'))).toBe(false); // RDN order matters
    expect(namesMatch(encodeName('CN=A+O=B'), encodeName('O=B+CN=A'))).toBe(true); // AVA order in an RDN does not
    expect(namesMatch(encodeName('CN=A'), Uint8Array.of(0x30, 0x03, 0x31, 0x01))).toBe(false); // malformed: no match
  });

  it('tests directory-name prefixes', () => {
    const base = parseName(encodeName('C=DE, O=semper'));
    expect(isNamePrefix(base, parseName(encodeName('C=DE, O=Semper, CN=Alice')))).toBe(true);
    expect(isNamePrefix(base, parseName(encodeName('C=DE, CN=Alice')))).toBe(false);
    expect(isNamePrefix([], parseName(encodeName('CN=x')))).toBe(true);
    expect(isNamePrefix(parseName(encodeName('C=DE, O=semper, OU=x')), base)).toBe(false);
  });

  it('formats RFC 4514 text and finds e-mail attributes', () => {
    expect(formatName(encodeName('CN=Alice\\, Jr., O=Example, E=alice@example.com'))).toBe(
      'CN=Alice\\, Jr., O=Example, E=alice@example.com',
    );
    expect(emailAttributes(parseName(encodeName('CN=A, E=a@example.com, E=b@example.com')))).toEqual([
      'a@example.com',
      'b@example.com',
    ]);
    expect(
      formatName(
        tlv(T.sequence, tlv(T.set, tlv(T.sequence, Uint8Array.of(0x06, 0x01, 0x2a), Uint8Array.of(0x02, 0x01, 0x05)))),
      ),
    ).toBe('1.2=#020105');
  });

  it('reads GeneralNames strictly', () => {
    const read = (b: Uint8Array) => readGeneralName(readTlv(b));
    expect(read(gn.dns('example.com'))).toMatchObject({ type: 'dNSName', value: 'example.com' });
    expect(read(gn.email('a@example.com'))).toMatchObject({ type: 'rfc822Name', value: 'a@example.com' });
    expect(read(gn.uri('https://x.example/'))).toMatchObject({ type: 'uniformResourceIdentifier' });
    expect(read(gn.ip(10, 0, 0, 1))).toMatchObject({ type: 'iPAddress', bytes: Uint8Array.of(10, 0, 0, 1) });
    expect(read(gn.dn('CN=x'))).toMatchObject({ type: 'directoryName' });
    expect(read(gn.otherName('1.2.3', Uint8Array.of(5, 0)))).toMatchObject({ type: 'otherName', typeId: '1.2.3' });
    expect(read(Uint8Array.of(0x88, 0x02, 0x2a, 0x03))).toMatchObject({ type: 'registeredID', oid: '1.2.3' });
    expect(() => read(Uint8Array.of(0x82, 0x01, 0xe9))).toThrow(); // not IA5
    expect(() => read(Uint8Array.of(0x89, 0x00))).toThrow(); // no such form
  });

  it('knows the syntax of DNS names, mailboxes and URIs', () => {
    for (const ok of ['example.com', 'a-b.example', 'localhost', 'xn--bcher-kva.example', '1.example.com'])
      expect(isDnsName(ok), ok).toBe(true);
    for (const bad of [
      '',
      '.example.com',
      'example.com.',
      'a_b.example',
      '-a.example',
      'a..b',
      '8.8.8.8',
      '*.example.com',
      'é.example',
    ]) {
      expect(isDnsName(bad), bad).toBe(false);
    }
    expect(isDnsName('*.example.com', true)).toBe(true);
    expect(isDnsName('*', true)).toBe(false);
    expect(isDnsName('a*.example.com', true)).toBe(false);
    expect(splitMailbox('alice@example.com')).toEqual({ local: 'alice', domain: 'example.com' });
    expect(splitMailbox('"a@b"@example.com')).toEqual({ local: '"a@b"', domain: 'example.com' });
    expect(splitMailbox('a@b@example.com')).toBeUndefined();
    expect(splitMailbox('@example.com')).toBeUndefined();
    expect(splitMailbox('alice@')).toBeUndefined();
    expect(uriHost('https://user@API.Example.com:8443/x?y#z')).toBe('api.example.com');
    expect(uriHost('http://[::1]/')).toBe('[::1]');
    expect(uriHost('urn:isbn:123')).toBeNull();
    expect(uriHost('not a uri')).toBeUndefined();
    expect(uriHost('http:///path')).toBeUndefined();
  });
});
