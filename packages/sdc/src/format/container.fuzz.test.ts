// Format-level fuzz: 10,000 inputs — byte mutations, insertions and deletions of valid containers,
// truncations, clear headers spliced between containers, random bytes, deeply nested ASN.1, and the
// same through the armoured and S/MIME readers — each refused by openSdc with a typed SdcError, never
// opened, never another exception. (The 100k intake fuzz with databases is in services/.)
import type { Identity } from '@semper/crypto';
import { createTestPki, type TestPki } from '@semper/crypto/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { inspectSdc, openSdc, sealSdc } from './container.js';
import { tlv } from './der.js';
import { SdcError } from './errors.js';
import { armorSdc, dearmorSdc, fromSmime, toSmime } from './text.js';

const RUNS = 10_000;
const SEED = Number(process.env.SDC_FUZZ_SEED ?? 0x5dc2026);

let pki: TestPki;
let agency: Identity;
let hub: Identity;
let valid: Uint8Array[];

beforeAll(async () => {
  pki = await createTestPki();
  agency = await pki.issue('CN=agency-1');
  hub = await pki.issue('CN=hub');
  valid = [];
  for (let i = 0; i < 4; i++) {
    const rows = Array.from({ length: i * 3 }, (_, n) => ({ Numero: n, Status: 2, name: `row ${n}` }));
    valid.push(
      await sealSdc(
        { header: { type: 'export', sequence: i + 1 }, body: { table: 't', rows } },
        { signer: agency, recipient: hub.certificate },
      ),
    );
  }
});

/** xorshift32: reproducible from SEED. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

function nested(depth: number, leaf: Uint8Array, tag: number): Uint8Array {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = tlv(tag, v);
  return v;
}

describe('format fuzz', () => {
  it(`${RUNS} malformed inputs: every one a typed SdcError, none opens`, async () => {
    const r = rng(SEED);
    const int = (n: number) => Math.floor(r() * n);
    const pick = <T>(a: readonly T[]): T => a[int(a.length)] as T;
    const counts = new Map<string, number>();
    const kinds = new Map<string, number>();
    const t0 = performance.now();
    for (let run = 0; run < RUNS; run++) {
      const base = pick(valid);
      let input: Uint8Array;
      let kind: string;
      let text: 'armour' | 'smime' | undefined;
      const k = int(10);
      if (k <= 2) {
        kind = 'flip';
        input = new Uint8Array(base);
        const flips = 1 + int(3);
        for (let f = 0; f < flips; f++) {
          const at = int(input.length);
          input[at] = (input[at] as number) ^ (1 + int(255));
        }
      } else if (k === 3) {
        kind = 'truncate';
        input = base.slice(0, int(base.length));
      } else if (k === 4) {
        kind = 'insert-delete';
        const at = int(base.length);
        input =
          r() < 0.5
            ? Uint8Array.from([...base.subarray(0, at), int(256), ...base.subarray(at)])
            : Uint8Array.from([...base.subarray(0, at), ...base.subarray(at + 1)]);
      } else if (k === 5) {
        kind = 'splice';
        // The head of one container with the tail of another, cut at the same offset.
        const other = pick(valid.filter((v) => v !== base));
        const at = int(Math.min(base.length, other.length));
        input = Uint8Array.from([...base.subarray(0, at), ...other.subarray(at)]);
        // Cut at 0 or past the last difference, it is simply the other container: make it one byte off.
        if (valid.some((v) => v.length === input.length && v.every((b, i) => b === input[i]))) input[0] = 0x31;
      } else if (k === 6) {
        kind = 'random';
        input = Uint8Array.from({ length: int(2048) }, () => int(256));
        if (r() < 0.5 && input.length > 4) {
          input[0] = 0x30; // plausible DER start
          input[1] = 0x82;
          input[2] = ((input.length - 4) >> 8) & 0xff;
          input[3] = (input.length - 4) & 0xff;
        }
      } else if (k === 7) {
        kind = 'deep-asn1';
        input = nested(33 + int(2000), new Uint8Array([0x05, 0x00]), pick([0x30, 0x31, 0xa0, 0xa2, 0x24]));
      } else {
        kind = k === 8 ? 'armour' : 'smime';
        text = kind as 'armour' | 'smime';
        input = new Uint8Array(base);
        const at = int(input.length);
        input[at] = (input[at] as number) ^ (1 + int(255));
      }
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      let err: unknown;
      try {
        let der = input;
        if (text === 'armour') {
          let t = armorSdc(input);
          if (r() < 0.3) t = t.slice(0, int(t.length));
          der = dearmorSdc(t);
        } else if (text === 'smime') {
          let t = toSmime(input);
          if (r() < 0.3) t = t.slice(0, int(t.length));
          der = fromSmime(t);
        }
        try {
          inspectSdc(der);
        } catch (e) {
          if (!(e instanceof SdcError)) throw e;
        }
        await openSdc(der, { identity: hub, trust: pki.trust });
      } catch (e) {
        err = e;
      }
      if (!(err instanceof SdcError)) {
        throw new Error(`run ${run} (${kind}, seed ${SEED}): ${err === undefined ? 'opened' : String(err)}`);
      }
      counts.set(err.code, (counts.get(err.code) ?? 0) + 1);
    }
    const ms = performance.now() - t0;
    console.info(
      `sdc format fuzz: ${RUNS} inputs in ${ms.toFixed(0)} ms (seed ${SEED}); kinds ${JSON.stringify(Object.fromEntries(kinds))}; codes ${JSON.stringify(Object.fromEntries(counts))}`,
    );
    // Each family of defect reached the check meant for it.
    for (const code of ['ERR_SDC_MALFORMED', 'ERR_SDC_TOO_DEEP', 'ERR_SDC_DECRYPT_FAILED', 'ERR_SDC_HEADER_MISMATCH']) {
      expect(counts.get(code) ?? 0, code).toBeGreaterThan(0);
    }
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(RUNS);
  });
});
