import { describe, expect, it } from 'vitest';
import { SdcError, type SdcErrorCode } from './errors.js';
import { SDC_LIMITS } from './limits.js';
import { armorSdc, dearmorSdc, fromSmime, SDC_SMIME_CONTENT_TYPE, toSmime } from './text.js';

const bytes = Uint8Array.from({ length: 200 }, (_, i) => (i * 37) & 0xff);

function codeOf(f: () => unknown): SdcErrorCode {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SdcError);
    return (e as SdcError).code;
  }
  throw new Error('expected an SdcError');
}

describe('armoured .sdc form', () => {
  it('writes 64-character base64 lines between the SEMPER SDC lines and reads them back, LF or CRLF', () => {
    const text = armorSdc(bytes);
    const lines = text.split('\n');
    expect(lines[0]).toBe('-----BEGIN SEMPER SDC-----');
    expect(lines.at(-2)).toBe('-----END SEMPER SDC-----');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(1, -3).every((l) => l.length === 64)).toBe(true);
    expect(dearmorSdc(text)).toEqual(bytes);
    expect(dearmorSdc(`\r\n${text.replaceAll('\n', '\r\n')}\r\n`)).toEqual(bytes);
  });

  it('refuses anything else: other labels, text around, headers, bad or non-canonical base64, oversize', () => {
    const text = armorSdc(bytes);
    expect(codeOf(() => dearmorSdc(text.replace('SEMPER SDC', 'CMS')))).toBe('ERR_SDC_MALFORMED');
    expect(codeOf(() => dearmorSdc(`hello\n${text}`))).toBe('ERR_SDC_MALFORMED');
    expect(codeOf(() => dearmorSdc(`${text}bye\n`))).toBe('ERR_SDC_MALFORMED');
    expect(codeOf(() => dearmorSdc(text.replace('-----\n', '-----\nType: export\n\n')))).toBe('ERR_SDC_MALFORMED');
    expect(codeOf(() => dearmorSdc(text.replace(/\n[A-Za-z0-9+/]/, '\n*')))).toBe('ERR_SDC_MALFORMED');
    expect(codeOf(() => dearmorSdc('-----BEGIN SEMPER SDC-----\nAB==\n-----END SEMPER SDC-----\n'))).toBe(
      'ERR_SDC_MALFORMED',
    ); // AB== is not canonical (A===)
    expect(codeOf(() => dearmorSdc('-----BEGIN SEMPER SDC-----\n-----END SEMPER SDC-----\n'))).toBe(
      'ERR_SDC_MALFORMED',
    );
    expect(codeOf(() => dearmorSdc('x'.repeat(SDC_LIMITS.maxTextChars + 1)))).toBe('ERR_SDC_TOO_LARGE');
    expect(codeOf(() => dearmorSdc(text, { limits: { maxContainerBytes: 100 } }))).toBe('ERR_SDC_TOO_LARGE');
    expect(codeOf(() => dearmorSdc(42 as unknown as string))).toBe('ERR_SDC_INVALID_ARGUMENT');
  });
});

describe('S/MIME form', () => {
  it('is an application/pkcs7-mime entity with CRLF lines, extra fields first, and reads back', () => {
    const mime = toSmime(bytes, { From: 'agency-1@example.org', Subject: 'SDC export 7' });
    const [head, body] = mime.split('\r\n\r\n');
    expect(head?.split('\r\n')).toEqual([
      'From: agency-1@example.org',
      'Subject: SDC export 7',
      'MIME-Version: 1.0',
      'Content-Disposition: attachment; filename="smime.p7m"',
      `Content-Type: ${SDC_SMIME_CONTENT_TYPE}`,
      'Content-Transfer-Encoding: base64',
    ]);
    expect(body?.split('\r\n').every((l) => l.length <= 64)).toBe(true);
    expect(fromSmime(mime)).toEqual(bytes);
    // What a mail server hands back: LF lines, folded header fields, the legacy x- type.
    const relayed = mime
      .replaceAll('\r\n', '\n')
      .replace(
        `Content-Type: ${SDC_SMIME_CONTENT_TYPE}`,
        'Content-Type: application/x-pkcs7-mime;\n\tsmime-type=authEnveloped-data',
      );
    expect(fromSmime(relayed)).toEqual(bytes);
  });

  it('refuses header injection when writing, and other entities when reading', () => {
    expect(codeOf(() => toSmime(bytes, { Subject: 'a\r\nBcc: x@example.org' }))).toBe('ERR_SDC_INVALID_ARGUMENT');
    expect(codeOf(() => toSmime(bytes, { 'Content-Type': 'text/plain' }))).toBe('ERR_SDC_INVALID_ARGUMENT');
    expect(codeOf(() => toSmime(bytes, { 'Bad Name': 'x' }))).toBe('ERR_SDC_INVALID_ARGUMENT');
    const mime = toSmime(bytes);
    expect(codeOf(() => fromSmime(mime.replace('application/pkcs7-mime', 'text/plain')))).toBe('ERR_SDC_MALFORMED');
    expect(codeOf(() => fromSmime(mime.replace('base64', 'quoted-printable')))).toBe('ERR_SDC_MALFORMED');
    expect(codeOf(() => fromSmime(mime.replace('\r\n\r\n', '\r\n')))).toBe('ERR_SDC_MALFORMED');
    expect(codeOf(() => fromSmime(`${mime}!!!!\r\n`))).toBe('ERR_SDC_MALFORMED');
    expect(codeOf(() => fromSmime(`no colon here\r\n${mime}`))).toBe('ERR_SDC_MALFORMED');
    expect(codeOf(() => fromSmime('x'.repeat(SDC_LIMITS.maxTextChars + 1)))).toBe('ERR_SDC_TOO_LARGE');
  });
});
