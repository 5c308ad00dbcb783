import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedInputError } from './errors.js';
import { fromPem, readPemBlocks, toPem } from './pem.js';

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Labels as RFC 7468 defines them: printable characters, single inner spaces or hyphens. */
const labelChar = fc.constantFrom(
  ...Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).filter((c) => c !== '-'),
);
const label = fc
  .array(fc.tuple(fc.constantFrom('', '-', ' '), fc.string({ unit: labelChar, minLength: 1, maxLength: 6 })), {
    minLength: 1,
    maxLength: 4,
  })
  .map((parts) => parts.map(([sep, word], i) => (i === 0 ? word : sep + word)).join(''));

describe('toPem', () => {
  it('writes 64-character lines, BEGIN/END with the label and a final newline', () => {
    const der = Uint8Array.from({ length: 100 }, (_, i) => i);
    const text = toPem('CERTIFICATE', der);
    const lines = text.split('\n');
    expect(lines[0]).toBe('-----BEGIN CERTIFICATE-----');
    // 100 bytes are 136 base64 characters: 64 + 64 + 8.
    expect(lines.slice(1, 4).map((l) => l.length)).toEqual([64, 64, 8]);
    expect(lines[4]).toBe('-----END CERTIFICATE-----');
    expect(lines[5]).toBe('');
    expect(lines).toHaveLength(6);
    expect(Buffer.from(lines.slice(1, 4).join(''), 'base64').equals(Buffer.from(der))).toBe(true);
  });

  it('writes an empty body as BEGIN and END lines only', () => {
    expect(toPem('CMS', new Uint8Array(0))).toBe('-----BEGIN CMS-----\n-----END CMS-----\n');
  });

  it('refuses labels that are not RFC 7468 labels', () => {
    for (const bad of ['', ' X', 'X ', 'A--B', 'A  B', '-X', 'X-', 'CERT\nIFICATE', 'ÄÖ', 'A-----B']) {
      const err = thrown(() => toPem(bad, new Uint8Array(1)));
      expect(err, JSON.stringify(bad)).toBeInstanceOf(MalformedInputError);
      expect(err).toMatchObject({ code: 'ERR_CRYPTO_MALFORMED' });
    }
  });

  it('accepts labels with inner spaces and hyphens', () => {
    expect(toPem('ENCRYPTED PRIVATE KEY', Uint8Array.of(1))).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----');
    expect(toPem('X509-CRL', Uint8Array.of(1))).toContain('-----END X509-CRL-----');
  });

  it('round-trips any label and any bytes (property)', () => {
    fc.assert(
      fc.property(label, fc.uint8Array({ maxLength: 400 }), (l, der) => {
        const blocks = fromPem(toPem(l, der));
        expect(blocks).toHaveLength(1);
        expect(blocks[0].label).toBe(l);
        expect(Buffer.from(blocks[0].der).equals(Buffer.from(der))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips several blocks with CRLF line ends and text between them (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(label, fc.uint8Array({ maxLength: 200 })), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        fc.string({ unit: fc.constantFrom('a', 'b', ' ', '.', '#'), maxLength: 20 }),
        (items, crlf, between) => {
          let text = items.map(([l, d]) => `${between}\n${toPem(l, d)}`).join('');
          if (crlf) text = text.replace(/\n/g, '\r\n');
          const blocks = fromPem(text);
          expect(blocks.map((b) => b.label)).toEqual(items.map(([l]) => l));
          blocks.forEach((b, i) => {
            expect(Buffer.from(b.der).equals(Buffer.from(items[i][1]))).toBe(true);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('fromPem', () => {
  const der = Uint8Array.from({ length: 90 }, (_, i) => (i * 7) & 0xff);
  const cert = toPem('CERTIFICATE', der);
  const key = toPem('PRIVATE KEY', Uint8Array.of(1, 2, 3));

  it('returns every block in order and ignores the text around them', () => {
    const text = `Bag Attributes: ignored\n${key}subject=CN=x\n${cert}trailing words\n`;
    const blocks = fromPem(text);
    expect(blocks.map((b) => b.label)).toEqual(['PRIVATE KEY', 'CERTIFICATE']);
    expect([...blocks[0].der]).toEqual([1, 2, 3]);
    expect(Buffer.from(blocks[1].der).equals(Buffer.from(der))).toBe(true);
  });

  it('filters by label', () => {
    const text = cert + key + cert;
    expect(fromPem(text, 'CERTIFICATE')).toHaveLength(2);
    expect(fromPem(text, 'PRIVATE KEY')).toHaveLength(1);
    const err = thrown(() => fromPem(text, 'X509 CRL'));
    expect(err).toBeInstanceOf(MalformedInputError);
    expect(err).toMatchObject({ code: 'ERR_CRYPTO_MALFORMED', message: 'no PEM block labelled X509 CRL found' });
  });

  it('reads CRLF, lone CR, trailing whitespace on lines and other line lengths', () => {
    const b64 = Buffer.from(der).toString('base64');
    const variants = [
      cert.replace(/\n/g, '\r\n'),
      cert.replace(/\n/g, '\r'),
      `-----BEGIN CERTIFICATE-----  \n${b64.slice(0, 10)}  \n\t${b64.slice(10)}\n-----END CERTIFICATE----- \n`,
      `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----`,
      `-----BEGIN CERTIFICATE-----\n\n${b64.slice(0, 76)}\n\n${b64.slice(76)}\n-----END CERTIFICATE-----\n`,
    ];
    for (const v of variants) {
      const [block] = fromPem(v);
      expect(Buffer.from(block.der).equals(Buffer.from(der)), JSON.stringify(v)).toBe(true);
    }
  });

  it('refuses text without any block', () => {
    for (const text of ['', 'hello', '-----BEGIN-----\n-----END-----\n', Buffer.from(der).toString('base64')]) {
      const err = thrown(() => fromPem(text));
      expect(err).toBeInstanceOf(MalformedInputError);
      expect(err).toMatchObject({ code: 'ERR_CRYPTO_MALFORMED', message: 'no PEM block found' });
    }
    expect(readPemBlocks('nothing here')).toEqual([]);
  });

  it('refuses RFC 1421 headers (legacy encrypted PEM)', () => {
    const legacy =
      '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n';
    const err = thrown(() => fromPem(legacy));
    expect(err).toBeInstanceOf(MalformedInputError);
    expect(err).toMatchObject({ code: 'ERR_CRYPTO_MALFORMED' });
    expect((err as Error).message).toMatch(/RFC 1421 headers/);
  });

  it('refuses bad base64', () => {
    const bodies = ['AAA', 'AA!A', 'A===', 'AA==AA==', 'AB CD', 'QUJD\nR', '====', 'ÀÁÂÃ'];
    for (const body of bodies) {
      const err = thrown(() => fromPem(`-----BEGIN X-----\n${body}\n-----END X-----\n`));
      expect(err, body).toBeInstanceOf(MalformedInputError);
      expect(err).toMatchObject({ code: 'ERR_CRYPTO_MALFORMED', message: 'PEM block X is not valid base64' });
    }
  });

  it('refuses a block without END line, and a mismatched END label', () => {
    const noEnd = thrown(() => fromPem('-----BEGIN CERTIFICATE-----\nAAAA\n'));
    expect(noEnd).toMatchObject({ code: 'ERR_CRYPTO_MALFORMED', message: 'PEM block CERTIFICATE has no END line' });
    const mismatch = thrown(() => fromPem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END PRIVATE KEY-----\n'));
    expect(mismatch).toBeInstanceOf(MalformedInputError);
    expect((mismatch as Error).message).toMatch(/ends with END PRIVATE KEY/);
    // A bad block is an error even when a good one comes first.
    expect(thrown(() => fromPem(`${cert}-----BEGIN X-----\nAA\n-----END X-----\n`))).toBeInstanceOf(
      MalformedInputError,
    );
  });

  it('refuses non-text input and text over the size limit', () => {
    expect(thrown(() => fromPem(Uint8Array.of(1) as unknown as string))).toMatchObject({
      code: 'ERR_CRYPTO_MALFORMED',
    });
    const big = 'A'.repeat(96 * 1024 * 1024 + 1);
    expect(thrown(() => fromPem(big))).toMatchObject({ code: 'ERR_CRYPTO_TOO_LARGE' });
  });

  it('never throws anything but MalformedInputError on arbitrary text (property)', () => {
    const pieces = fc.constantFrom(
      '-----BEGIN X-----',
      '-----END X-----',
      '-----END Y-----',
      '\n',
      '\r\n',
      'AAAA',
      'QQ==',
      ':',
      ' ',
      '=',
      '-',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.string({ maxLength: 4 })), { maxLength: 30 }), (parts) => {
        const text = parts.join('');
        try {
          const blocks = fromPem(text);
          expect(blocks.length).toBeGreaterThan(0);
        } catch (e) {
          expect(e).toBeInstanceOf(MalformedInputError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
