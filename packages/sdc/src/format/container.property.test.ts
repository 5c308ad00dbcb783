// Property: whatever header and JSON body, openSdc(sealSdc(x)) gives x back (the body as its canonical
// JSON reads), inspectSdc shows the same header, and no single changed byte opens.
import type { Identity } from '@semper/crypto';
import { createTestPki, type TestPki } from '@semper/crypto/testing';
import { canonicalize } from '@semper/statements';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { inspectSdc, openSdc, sealSdc } from './container.js';
import { SdcError } from './errors.js';
import { hasProtoMember } from './forge.test-util.js';
import { SDC_TYPES } from './header.js';

let pki: TestPki;
let agency: Identity;
let hub: Identity;

beforeAll(async () => {
  pki = await createTestPki();
  agency = await pki.issue('CN=agency-1');
  hub = await pki.issue('CN=hub');
});

const idArb = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/);
const headerArb = fc.record(
  {
    type: fc.constantFrom(...SDC_TYPES),
    sequence: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    id: idArb,
    inReplyTo: idArb,
    createdAt: fc.date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2099-12-31T23:59:59Z'),
      noInvalidDate: true,
    }),
  },
  { requiredKeys: ['type', 'sequence'] },
);

describe('sealSdc / openSdc properties', () => {
  it('round-trips any header and JSON body; inspect agrees; a flipped byte never opens', async () => {
    await fc.assert(
      fc.asyncProperty(
        headerArb,
        fc.jsonValue({ maxDepth: 6 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (h, body, pos, xor) => {
          const sealing = sealSdc({ header: h, body }, { signer: agency, recipient: hub.certificate });
          if (hasProtoMember(body)) {
            // fast-check makes "__proto__" members (own properties): refused at sealing (format §4).
            const err = await sealing.then(
              () => undefined,
              (e: unknown) => e,
            );
            expect(err).toBeInstanceOf(SdcError);
            expect((err as SdcError).code).toBe('ERR_SDC_INVALID_ARGUMENT');
            return;
          }
          const bytes = await sealing;
          const opened = await openSdc(bytes, { identity: hub, trust: pki.trust });
          expect(opened.header).toEqual(inspectSdc(bytes).header);
          expect(opened.header.sequence).toBe(h.sequence.toString());
          expect(opened.header.type).toBe(h.type);
          if (h.id !== undefined) expect(opened.header.id).toBe(h.id);
          expect(opened.header.inReplyTo).toBe(h.inReplyTo);
          if (h.createdAt !== undefined) expect(opened.header.createdAt).toBe(h.createdAt.toISOString());
          expect(opened.body).toEqual(JSON.parse(canonicalize(body)));

          const bad = new Uint8Array(bytes);
          const at = pos % bad.length;
          bad[at] = (bad[at] as number) ^ xor;
          const err = await openSdc(bad, { identity: hub, trust: pki.trust }).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err, `byte ${at} ^ ${xor}`).toBeInstanceOf(SdcError);
        },
      ),
      { numRuns: 150 },
    );
  });
});
