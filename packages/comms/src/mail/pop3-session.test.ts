import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommsError, MessageTooLargeError } from '../errors.js';
import { MultilineReader } from './pop3-session.js';

/** A message as a POP3 server sends it: status line, dot-stuffed lines, the terminator. */
function answer(message: string, status = '+OK 123 octets'): Buffer {
  const stuffed = message.replace(/(^|\r\n)\./g, '$1..');
  return Buffer.from(`${status}\r\n${stuffed}.\r\n`, 'latin1');
}

function unstuffed(data: Buffer): string {
  return data.toString('latin1').replace(/(^|\r\n)\.\./g, '$1.');
}

/** Feeds `bytes` to a reader in chunks cut at `cuts`; returns what it returned and after how many bytes. */
function feed(reader: MultilineReader, bytes: Buffer, cuts: number[]): { data: Buffer | undefined; at: number } {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const to of [...points, bytes.length]) {
    if (to <= from) continue;
    const data = reader.push(bytes.subarray(from, to));
    if (data) return { data, at: to };
    from = to;
  }
  return { data: undefined, at: bytes.length };
}

describe('MultilineReader (POP3 multi-line answers off the socket)', () => {
  it('reads an answer however TCP cuts it: split status line, split terminator, lone-dot chunks (property)', () => {
    const line = fc.stringMatching(/^[\x20-\x7e]{0,80}$/);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 12 }), (lines, cuts) => {
        const message = lines.map((l) => `${l}\r\n`).join('');
        const bytes = answer(message);
        const { data, at } = feed(new MultilineReader(1 << 20), bytes, cuts);
        expect(data).toBeDefined();
        expect(at).toBe(bytes.length);
        expect(unstuffed(data!)).toBe(message);
      }),
      { numRuns: 500 },
    );
  });

  it('skips the rest of an earlier single-line answer before the status line', () => {
    const reader = new MultilineReader(1024);
    expect(reader.push(Buffer.from('ked to be deleted.\r\n+OK 5 oct'))).toBeUndefined();
    expect(reader.push(Buffer.from('ets\r\nabc\r\n.'))).toBeUndefined();
    expect(reader.push(Buffer.from('\r\n'))?.toString()).toBe('abc\r\n');
  });

  it('reads an empty answer, and a line "." inside the data (dot-stuffed)', () => {
    expect(new MultilineReader(10).push(Buffer.from('+OK\r\n.\r\n'))?.length).toBe(0);
    expect(unstuffed(new MultilineReader(100).push(answer('a\r\n.\r\n..b\r\n'))!)).toBe('a\r\n.\r\n..b\r\n');
  });

  it('throws on -ERR and on an answer over the limit (so the session is dropped, not read to the end)', () => {
    expect(() => new MultilineReader(10).push(Buffer.from('-ERR no such message\r\n'))).toThrow(CommsError);
    const reader = new MultilineReader(10);
    expect(() => reader.push(Buffer.from(`+OK\r\n${'x'.repeat(20)}`))).toThrow(MessageTooLargeError);
  });
});
