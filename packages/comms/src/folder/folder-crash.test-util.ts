// Shared by the crash test and its child writer: deterministic message contents, so that the receiver can
// check each message byte for byte without the writer telling it anything.
import { createHash } from 'node:crypto';

/** The size of message `index` of a run: a quarter tiny, the rest up to 128 KiB (kills land mid-write too). */
export function sizeFor(seed: string, index: number): number {
  const h = createHash('sha256').update(`${seed}/${index}/size`).digest();
  const n = h.readUInt32BE(0);
  return n % 4 === 0 ? n % 64 : n % 131_072;
}

/** The body of message `index` of a run. */
export function bodyFor(seed: string, index: number): Uint8Array {
  const size = sizeFor(seed, index);
  const out = new Uint8Array(size);
  let block = createHash('sha256').update(`${seed}/${index}/body`).digest();
  for (let at = 0; at < size; at += block.length) {
    out.set(block.subarray(0, Math.min(block.length, size - at)), at);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

/** The id of message `index` of a run. */
export function idFor(seed: string, index: number): string {
  return `msg_crash_${seed}_${String(index).padStart(6, '0')}`;
}
