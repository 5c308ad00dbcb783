import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedMailError, MessageTooLargeError } from '../errors.js';
import type { Message } from '../message.js';
import { base64MailBytes, composeMail, mailboxOf, maxMailBytes, parseMail } from './mime.js';

const opts = { fromMailbox: 'hub@sdc.test', toMailbox: 'agency1@sdc.test', date: new Date('2025-12-01T20:00:00Z') };
const limit = 1024 * 1024;

function message(body: Uint8Array, extra: Partial<Message> = {}): Message {
  return {
    id: 'msg_01JD3Q4ZC0M2G4ZCQ5V0NB7XQ8',
    from: 'mailto:hub@sdc.test',
    to: 'mailto:agency1@sdc.test',
    contentType: 'application/cms; smime-type=enveloped-data',
    body,
    headers: { 'sdc-batch': '17', empty: '' },
    ...extra,
  };
}

const text = (raw: Buffer) => raw.toString('latin1');
const defectOf = (raw: string | Buffer, max = limit) => {
  try {
    parseMail(typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw, { maxMessageBytes: max });
    return 'parsed';
  } catch (err) {
    if (err instanceof MalformedMailError) return err.defect;
    if (err instanceof MessageTooLargeError) return 'too-large';
    throw err;
  }
};

describe('composeMail', () => {
  it('writes one 7-bit application/pkcs7-mime part in base64, the envelope in X-Semper headers, lines under 78', () => {
    const raw = composeMail(message(new Uint8Array(5000).fill(7)), opts);
    const [head, body] = text(raw).split('\r\n\r\n');
    expect(head).toContain('From: <hub@sdc.test>');
    expect(head).toContain('To: <agency1@sdc.test>');
    expect(head).toContain('X-Semper-Id: msg_01JD3Q4ZC0M2G4ZCQ5V0NB7XQ8');
    expect(head).toContain('Content-Type: application/pkcs7-mime; name="smime.p7m";\r\n smime-type=enveloped-data');
    expect(head).toContain('Content-Transfer-Encoding: base64');
    expect(head).toMatch(/^Message-ID: <semper\.[0-9a-f]{40}@sdc\.test>$/m);
    expect(head).toMatch(/^X-Semper-Envelope:\r\n [A-Za-z0-9+/=]+/m);
    for (const line of text(raw).split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
    expect([...raw].every((b) => b < 0x80)).toBe(true);
    expect(Buffer.from(body!.replace(/\r\n/g, ''), 'base64').equals(Buffer.alloc(5000, 7))).toBe(true);
    expect(raw.length).toBeLessThanOrEqual(base64MailBytes(5000) + 2048);
  });

  it('gives the same Message-ID to the same semper id (a resent message is recognisable)', () => {
    const a = text(composeMail(message(new Uint8Array(1)), opts));
    const b = text(composeMail(message(new Uint8Array(2)), opts));
    const id = (t: string) => /^Message-ID: (.*)$/m.exec(t)?.[1];
    expect(id(a)).toBe(id(b));
  });
});

describe('parseMail', () => {
  it('round-trips any message: id, addresses, content type, headers, every byte (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 4096 }),
        fc.stringMatching(/^[\x21-\x7e]{1,60}$/),
        fc.dictionary(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/), fc.stringMatching(/^[\x20-\x7e]{0,200}$/), {
          maxKeys: 8,
        }),
        (body, id, headers) => {
          const m = message(body, { id, headers });
          const back = parseMail(composeMail(m, opts), { maxMessageBytes: limit });
          expect(back.id).toBe(id);
          expect(back.from).toBe(m.from);
          expect(back.to).toBe(m.to);
          expect(back.contentType).toBe(m.contentType);
          expect(back.headers).toEqual(headers);
          expect(Buffer.from(back.body).equals(Buffer.from(body))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads a mail with LF line ends and the headers a server adds (Received, Return-Path)', () => {
    const raw = text(composeMail(message(new Uint8Array([1, 2, 3])), opts));
    const relayed = `Return-Path: <hub@sdc.test>\r\nDelivered-To: agency1@sdc.test\r\nReceived: from mail.sdc.test\r\n\tby mail.sdc.test (Postfix) with ESMTPSA id 4Xy\r\n${raw}`;
    expect([
      ...parseMail(Buffer.from(relayed.replace(/\r\n/g, '\n'), 'latin1'), { maxMessageBytes: limit }).body,
    ]).toEqual([1, 2, 3]);
  });

  it('finds the single pkcs7 part of a multipart/mixed mail (a gateway that wrapped it)', () => {
    const raw = text(composeMail(message(new Uint8Array([9, 8, 7])), opts));
    const [head, body] = [raw.slice(0, raw.indexOf('\r\n\r\n')), raw.slice(raw.indexOf('\r\n\r\n') + 4)];
    const topHeaders = head
      .split(/\r\n(?=\S)/)
      .filter((h) => !/^Content-(Type|Transfer-Encoding|Disposition):/i.test(h))
      .join('\r\n');
    const wrapped = `${topHeaders}\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n--b1\r\nContent-Type: application/pkcs7-mime; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n${body}--b1--\r\n`;
    expect([...parseMail(Buffer.from(wrapped, 'latin1'), { maxMessageBytes: limit }).body]).toEqual([9, 8, 7]);
  });

  it('names what is wrong with a mail that is not a semper message (MalformedMailError.defect)', () => {
    const good = text(composeMail(message(new Uint8Array(3000).fill(1)), opts));
    const at = good.indexOf('\r\n\r\n') + 4;
    const withBody = (b: string) => good.slice(0, at) + b;
    const body = good.slice(at);
    expect(defectOf(good)).toBe('parsed');
    expect(defectOf('Subject: hi\r\n\r\nhello\r\n')).toBe('no-envelope');
    expect(defectOf(good.replace('Content-Type: application/pkcs7-mime', 'Content-Type: text/plain'))).toBe(
      'no-pkcs7-part',
    );
    expect(defectOf(good.replace('Content-Transfer-Encoding: base64', 'Content-Transfer-Encoding: 7bit'))).toBe(
      'bad-transfer-encoding',
    );
    expect(defectOf(withBody(`${body.slice(0, 10)}*${body.slice(11)}`))).toBe('bad-base64');
    expect(defectOf(withBody(body.slice(4)))).toBe('length-mismatch');
    expect(defectOf(withBody(`${body[0] === 'A' ? 'B' : 'A'}${body.slice(1)}`))).toBe('digest-mismatch');
    expect(defectOf(good.replace('Subject: semper message', 'Subject: semp\xe9r'))).toBe('not-7bit');
    expect(defectOf(good.replace('X-Semper-Id: msg_', 'X-Semper-Id: other_'))).toBe('bad-envelope');
    expect(
      defectOf(`Subject: x\r\n${good}`.replace('Subject: semper message', 'X-Semper-Id: a\r\nX-Semper-Id: b')),
    ).toBe('bad-header');
    expect(defectOf(good.replace(/X-Semper-Envelope:(\r\n [^\r]+)+/, 'X-Semper-Envelope: e30='))).toBe('bad-envelope'); // {}
    expect(defectOf(good.replace(/X-Semper-Envelope:(\r\n [^\r]+)+/, 'X-Semper-Envelope: not*base64'))).toBe(
      'bad-envelope',
    );
    expect(defectOf(`no colon line\r\n${good}`)).toBe('bad-header');
  });

  it('refuses an announced body over the limit before decoding it, and a raw mail over maxMailBytes', () => {
    const raw = composeMail(message(new Uint8Array(2000)), opts);
    expect(defectOf(raw, 1999)).toBe('too-large');
    expect(defectOf(raw, 2000)).toBe('parsed');
    expect(defectOf(Buffer.alloc(maxMailBytes(1000) + 1, 0x41), 1000)).toBe('too-large');
    // Each says which limit: the decoded body against maxMessageBytes, the raw mail against maxMailBytes.
    const errorOf = (bytes: Buffer, max: number) => {
      try {
        parseMail(bytes, { maxMessageBytes: max });
      } catch (err) {
        return err as MessageTooLargeError;
      }
      throw new Error('parsed');
    };
    expect(errorOf(raw, 1999)).toMatchObject({ kind: 'body', size: 2000, limit: 1999 });
    expect(errorOf(Buffer.alloc(maxMailBytes(1000) + 1, 0x41), 1000)).toMatchObject({
      kind: 'raw',
      size: maxMailBytes(1000) + 1,
      limit: maxMailBytes(1000),
      message: `raw message of ${maxMailBytes(1000) + 1} bytes exceeds the raw limit of ${maxMailBytes(1000)} bytes by 1 byte`,
    });
    // A body of the limit fits in the raw limit, base64 and all (about 1.37 times the body).
    const full = composeMail(message(new Uint8Array(300_000)), opts);
    expect(full.length).toBeGreaterThan(300_000 * 1.33);
    expect(full.length).toBeLessThanOrEqual(maxMailBytes(300_000));
    expect(defectOf(full, 300_000)).toBe('parsed');
  });

  it('never throws anything but MalformedMailError or MessageTooLargeError, whatever the bytes (property)', () => {
    const good = composeMail(message(new Uint8Array(300).fill(3)), opts);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.nat(good.length), fc.nat(good.length), (junk, from, to) => {
        for (const raw of [
          Buffer.from(junk),
          Buffer.concat([good.subarray(0, from), Buffer.from(junk), good.subarray(to)]),
        ]) {
          const outcome = defectOf(raw);
          expect(typeof outcome).toBe('string');
          if (outcome === 'parsed') {
            // Only a mail that still carries the announced body, digest and all, parses.
            const m = parseMail(raw, { maxMessageBytes: limit });
            expect(createHash('sha256').update(m.body).digest('hex')).toBe(
              createHash('sha256').update(new Uint8Array(300).fill(3)).digest('hex'),
            );
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('mailboxOf', () => {
  it('takes plain mailto:local@domain only', () => {
    expect(mailboxOf('mailto:hub@sdc.test')).toBe('hub@sdc.test');
    expect(mailboxOf('mailto:a.b+c@x-y.example.org')).toBe('a.b+c@x-y.example.org');
    for (const bad of [
      'hub@sdc.test',
      'mailto:',
      'mailto:hub',
      'mailto:a@b,c@d',
      'mailto:a@b?subject=x',
      'mailto:a..b@c',
      'mem:hub',
      'mailto:<a@b>',
    ]) {
      expect(mailboxOf(bad), bad).toBeUndefined();
    }
  });
});
