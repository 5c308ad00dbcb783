import { createIdentity, encryptData, generateKeyPair, signData, type Identity, TrustStore } from '@semper/crypto';
import { createTestPki, type TestPki } from '@semper/crypto/testing';
import { canonicalBytes } from '@semper/statements';
import { beforeAll, describe, expect, it } from 'vitest';
import { inspectSdc, openSdc, SDC_ECONTENT_TYPE, sealSdc } from './container.js';
import { SdcError, type SdcErrorCode } from './errors.js';
import { forgeSdc, validHeader } from './forge.test-util.js';
import { makeSdcHeader, SDC_TYPES, sdcPartyId } from './header.js';
import { SDC_LIMITS } from './limits.js';

let pki: TestPki;
let agency: Identity;
let hub: Identity;
let hubRsa: Identity;

beforeAll(async () => {
  pki = await createTestPki();
  agency = await pki.issue('CN=agency-1, O=Example Transfers');
  hub = await pki.issue('CN=hub, O=Example Transfers');
  hubRsa = await pki.issue('CN=hub, O=Example Transfers', { key: { type: 'rsa', modulusLength: 2048 } });
});

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<SdcErrorCode> {
  let e: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    e = err;
  }
  expect(e, 'expected an SdcError').toBeInstanceOf(SdcError);
  const err = e as SdcError;
  // No stack-trace text or key material in the message, and a stable code.
  expect(err.message).not.toMatch(/\n\s+at |PRIVATE KEY/);
  return err.code;
}

const body = { table: 'transfers', rows: [{ Numero: 1, Status: 2, amount: '1250', currency: 'EUR' }] };

describe('sealSdc / openSdc / inspectSdc', () => {
  it('round-trips a header and a body to an EC and to an RSA recipient, the header readable without the key', async () => {
    for (const recipient of [hub, hubRsa]) {
      const bytes = await sealSdc(
        { header: { type: 'export', sequence: 7n, id: 'sdc_test_1' }, body },
        { signer: agency, recipient: recipient.certificate },
      );
      const seen = inspectSdc(bytes);
      expect(seen.header).toMatchObject({
        format: 'semper-sdc/1',
        id: 'sdc_test_1',
        type: 'export',
        sender: 'agency-1',
        recipient: 'hub',
        sequence: '7',
      });
      expect(seen.recipients).toBe(1);
      expect(seen.contentEncryption).toBe('2.16.840.1.101.3.4.1.46'); // id-aes256-GCM
      expect(seen.sizes.container).toBe(bytes.length);
      expect(seen.sizes.header).toBe(canonicalBytes(seen.header).length);

      const opened = await openSdc(bytes, { identity: recipient, trust: pki.trust });
      expect(opened.header).toEqual(seen.header);
      expect(opened.body).toEqual(body);
      expect(opened.signer.subject).toBe(agency.certificate.subject);
      expect(opened.chain.map((c) => c.subject)).toEqual([
        agency.certificate.subject,
        'CN=semper test intermediate',
        'CN=semper test root',
      ]);
      // signing-time is a UTCTime: whole seconds of createdAt
      expect(opened.signingTime?.getTime()).toBe(Math.floor(Date.parse(opened.header.createdAt) / 1000) * 1000);
    }
  });

  it('carries every container type, inReplyTo, and sequence numbers up to 2^64 - 1', async () => {
    for (const type of SDC_TYPES) {
      const bytes = await sealSdc(
        {
          header: { type, sequence: '18446744073709551615', inReplyTo: 'sdc_01JD3Q4ZC0M2G4ZCQ5V0NB7XQ8' },
          body: [type],
        },
        { signer: agency, recipient: hub.certificate },
      );
      const opened = await openSdc(bytes, { identity: hub, trust: pki.trust });
      expect(opened.header).toMatchObject({
        type,
        sequence: '18446744073709551615',
        inReplyTo: 'sdc_01JD3Q4ZC0M2G4ZCQ5V0NB7XQ8',
      });
      expect(opened.body).toEqual([type]);
    }
  });

  it('takes caller party ids through partyOf, at sealing and at opening', async () => {
    const directory = new Map([
      [agency.certificate.serialNumber, 'AG-0001'],
      [hub.certificate.serialNumber, 'HUB'],
    ]);
    const partyOf = (c: { serialNumber: string }) => directory.get(c.serialNumber) ?? '?';
    const bytes = await sealSdc(
      { header: { type: 'message', sequence: 1 }, body: null },
      { signer: agency, recipient: hub.certificate, partyOf },
    );
    expect(inspectSdc(bytes).header).toMatchObject({ sender: 'AG-0001', recipient: 'HUB' });
    expect((await openSdc(bytes, { identity: hub, trust: pki.trust, partyOf })).header.sender).toBe('AG-0001');
    // The default mapping (the CN) does not see the same parties.
    expect(await codeOf(openSdc(bytes, { identity: hub, trust: pki.trust }))).toBe('ERR_SDC_WRONG_RECIPIENT');
    expect(await codeOf(openSdc(bytes, { identity: hub, trust: pki.trust, recipient: 'HUB' }))).toBe(
      'ERR_SDC_SENDER_MISMATCH',
    );
  });

  it('refuses to seal a bad header or a body that is not JSON data', async () => {
    const o = { signer: agency, recipient: hub.certificate };
    expect(await codeOf(sealSdc({ header: { type: 'export', sequence: -1 }, body }, o))).toBe(
      'ERR_SDC_INVALID_ARGUMENT',
    );
    expect(await codeOf(sealSdc({ header: { type: 'export', sequence: 1.5 }, body }, o))).toBe(
      'ERR_SDC_INVALID_ARGUMENT',
    );
    expect(await codeOf(sealSdc({ header: { type: 'export', sequence: 2n ** 64n }, body }, o))).toBe(
      'ERR_SDC_INVALID_ARGUMENT',
    );
    expect(await codeOf(sealSdc({ header: { type: 'nope' as 'export', sequence: 1 }, body }, o))).toBe(
      'ERR_SDC_INVALID_ARGUMENT',
    );
    expect(await codeOf(sealSdc({ header: { type: 'export', sequence: 1, id: 'has space' }, body }, o))).toBe(
      'ERR_SDC_INVALID_ARGUMENT',
    );
    expect(await codeOf(sealSdc({ header: { type: 'export', sequence: 1, createdAt: 'yesterday' }, body }, o))).toBe(
      'ERR_SDC_INVALID_ARGUMENT',
    );
    expect(await codeOf(sealSdc({ header: { type: 'export', sequence: 1 }, body: { n: 1n } }, o))).toBe(
      'ERR_SDC_INVALID_ARGUMENT',
    );
    expect(await codeOf(sealSdc({ header: { type: 'export', sequence: 1 }, body: { d: new Date() } }, o))).toBe(
      'ERR_SDC_INVALID_ARGUMENT',
    );
    let deep: unknown = 1;
    for (let i = 0; i < SDC_LIMITS.maxJsonDepth; i++) deep = [deep];
    expect(await codeOf(sealSdc({ header: { type: 'export', sequence: 1 }, body: deep }, o))).toBe(
      'ERR_SDC_INVALID_ARGUMENT',
    );
    // A "__proto__" member (an own property, as JSON.parse makes it), at the top or nested: refused.
    for (const text of ['{"__proto__":0}', '{"rows":[{"a":1},{"__proto__":{"admin":true}}]}']) {
      const err = await sealSdc({ header: { type: 'export', sequence: 1 }, body: JSON.parse(text) }, o).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SdcError);
      expect((err as SdcError).code).toBe('ERR_SDC_INVALID_ARGUMENT');
      expect((err as SdcError).message).toMatch(/__proto__/);
    }
    // A member merely called "constructor" or "prototype" is ordinary data.
    const ok = await sealSdc({ header: { type: 'export', sequence: 1 }, body: { constructor: 1, prototype: [2] } }, o);
    expect((await openSdc(ok, { identity: hub, trust: pki.trust })).body).toEqual({ constructor: 1, prototype: [2] });
  });

  it('seals and opens a 12 MiB body; refuses at sealing what would pass the limits', async () => {
    const big = { rows: ['x'.repeat(12 * 1024 * 1024)] };
    const bytes = await sealSdc(
      { header: { type: 'export', sequence: 1 }, body: big },
      { signer: agency, recipient: hub.certificate },
    );
    expect(bytes.length).toBeLessThanOrEqual(SDC_LIMITS.maxContainerBytes);
    expect(((await openSdc(bytes, { identity: hub, trust: pki.trust })).body as typeof big).rows[0]?.length).toBe(
      12 * 1024 * 1024,
    );
    const tooBig = { rows: ['x'.repeat(SDC_LIMITS.maxContentBytes)] };
    expect(
      await codeOf(
        sealSdc(
          { header: { type: 'export', sequence: 1 }, body: tooBig },
          { signer: agency, recipient: hub.certificate },
        ),
      ),
    ).toBe('ERR_SDC_TOO_LARGE');
  });

  it('makeSdcHeader fills the defaults and sdcPartyId reads the CN, escapes included', async () => {
    const h = makeSdcHeader({ type: 'receipt', sender: 'a', recipient: 'b', sequence: 3, createdAt: new Date(0) });
    expect(h).toMatchObject({ format: 'semper-sdc/1', createdAt: '1970-01-01T00:00:00.000Z', sequence: '3' });
    expect(h.id).toMatch(/^sdc_[0-9A-Z]{26}$/);
    const odd = await createIdentity({ subject: 'O=X, CN=Agence Zürich\\, Nord' });
    expect(sdcPartyId(odd.certificate)).toBe('Agence Zürich, Nord');
    const noCn = await createIdentity({ subject: 'O=Nobody' });
    expect(sdcPartyId(noCn.certificate)).toBe('O=Nobody');
  });
});

describe('openSdc refuses each defect with its typed reason', () => {
  let sealed: Uint8Array;
  beforeAll(async () => {
    sealed = await sealSdc(
      { header: { type: 'export', sequence: 1, id: 'sdc_defects' }, body },
      { signer: agency, recipient: hub.certificate },
    );
  });
  const open = (bytes: Uint8Array, o: Partial<Parameters<typeof openSdc>[1]> = {}) =>
    openSdc(bytes, { identity: hub, trust: pki.trust, ...o });

  it('a tampered byte of the ciphertext, the MAC or the key delivery: ERR_SDC_DECRYPT_FAILED', async () => {
    const seen = inspectSdc(sealed);
    const headerAt = sealed.length - seen.sizes.header;
    // The last bytes before the clear header attribute are the GCM tag; well inside is ciphertext.
    for (const at of [Math.floor(headerAt / 2), headerAt - 60]) {
      const bad = new Uint8Array(sealed);
      bad[at] = (bad[at] as number) ^ 0x01;
      expect(await codeOf(open(bad)), `byte ${at}`).toMatch(/ERR_SDC_DECRYPT_FAILED|ERR_SDC_MALFORMED/);
    }
    const ctOnly = new Uint8Array(sealed);
    const mid = Math.floor(headerAt * 0.75);
    ctOnly[mid] = (ctOnly[mid] as number) ^ 0x80;
    expect(await codeOf(open(ctOnly))).toBe('ERR_SDC_DECRYPT_FAILED');
  });

  it('a changed clear header byte: refused (mismatch, or not canonical)', async () => {
    const at = Buffer.from(sealed).lastIndexOf('"sequence":"1"') + '"sequence":"'.length;
    const bad = new Uint8Array(sealed);
    bad[at] = '2'.charCodeAt(0);
    expect(await codeOf(open(bad))).toBe('ERR_SDC_HEADER_MISMATCH');
    expect(inspectSdc(bad).header.sequence).toBe('2'); // inspect shows it: the clear header is not authenticated by itself
  });

  it('a clear header swapped from another container: ERR_SDC_HEADER_MISMATCH', async () => {
    const other = makeSdcHeader({ type: 'export', sender: 'agency-1', recipient: 'hub', sequence: 2, id: 'sdc_other' });
    const signedHeader = validHeader({ id: 'sdc_mine' });
    const forged = await forgeSdc({
      header: signedHeader,
      body,
      clearHeader: canonicalBytes(other),
      signer: agency,
      recipient: hub.certificate,
    });
    expect(inspectSdc(forged).header.id).toBe('sdc_other');
    expect(await codeOf(open(forged))).toBe('ERR_SDC_HEADER_MISMATCH');
  });

  it('the wrong recipient key, or a container for another recipient: ERR_SDC_DECRYPT_FAILED / ERR_SDC_WRONG_RECIPIENT', async () => {
    const otherKey = await generateKeyPair({ type: 'ec', curve: 'P-256' });
    const impostor: Identity = { privateKey: otherKey.privateKey, certificate: hub.certificate, chain: hub.chain };
    expect(await codeOf(open(sealed, { identity: impostor }))).toBe('ERR_SDC_DECRYPT_FAILED');
    const hub2 = await pki.issue('CN=hub, O=Example Transfers');
    expect(await codeOf(open(sealed, { identity: hub2 }))).toBe('ERR_SDC_WRONG_RECIPIENT'); // same party, no recipient info
    expect(await codeOf(open(sealed, { identity: agency }))).toBe('ERR_SDC_WRONG_RECIPIENT'); // header names hub
    const misaddressed = await sealSdc(
      { header: { type: 'export', sequence: 1, recipient: 'agency-2' }, body },
      { signer: agency, recipient: hub.certificate },
    );
    expect(await codeOf(open(misaddressed))).toBe('ERR_SDC_WRONG_RECIPIENT');
  });

  it('an untrusted or expired signer: ERR_SDC_UNTRUSTED_SIGNER', async () => {
    const self = await createIdentity({ subject: 'CN=agency-1' });
    const bytes = await sealSdc(
      { header: { type: 'export', sequence: 1 }, body },
      { signer: self, recipient: hub.certificate },
    );
    expect(await codeOf(open(bytes))).toBe('ERR_SDC_UNTRUSTED_SIGNER');
    expect(await codeOf(open(sealed, { trust: new TrustStore([self.certificate]) }))).toBe('ERR_SDC_UNTRUSTED_SIGNER');
    expect(await codeOf(open(sealed, { at: new Date(Date.now() + 400 * 86_400_000) }))).toBe(
      'ERR_SDC_UNTRUSTED_SIGNER',
    );
  });

  it('a bad signature inside a valid encryption: ERR_SDC_BAD_SIGNATURE', async () => {
    const forged = await forgeSdc({
      header: validHeader(),
      body,
      signer: agency,
      recipient: hub.certificate,
      tamperSigned: (der) => {
        der[der.length - 1] = (der[der.length - 1] as number) ^ 0x01; // the last octet of the signature value
        return der;
      },
    });
    expect(await codeOf(open(forged))).toBe('ERR_SDC_BAD_SIGNATURE');
  });

  it('a signer who is not the sender: ERR_SDC_SENDER_MISMATCH', async () => {
    const bytes = await sealSdc(
      { header: { type: 'export', sequence: 1, sender: 'agency-2' }, body },
      { signer: agency, recipient: hub.certificate },
    );
    expect(await codeOf(open(bytes))).toBe('ERR_SDC_SENDER_MISMATCH');
  });

  it('another format version: ERR_SDC_UNSUPPORTED_VERSION, from the clear header (before decrypting) and from the signed one', async () => {
    const v2 = validHeader({ format: 'semper-sdc/2' });
    const forged = await forgeSdc({ header: v2, body, signer: agency, recipient: hub.certificate });
    expect(await codeOf(() => inspectSdc(forged))).toBe('ERR_SDC_UNSUPPORTED_VERSION');
    expect(await codeOf(open(forged))).toBe('ERR_SDC_UNSUPPORTED_VERSION');
    const inner = await forgeSdc({
      header: v2,
      body,
      clearHeader: canonicalBytes(validHeader()),
      signer: agency,
      recipient: hub.certificate,
    });
    expect(await codeOf(open(inner))).toBe('ERR_SDC_UNSUPPORTED_VERSION');
  });

  it('oversized input, header or content: ERR_SDC_TOO_LARGE, before parsing', async () => {
    const huge = new Uint8Array(SDC_LIMITS.maxContainerBytes + 1); // zeros: not even DER, refused by size first
    expect(await codeOf(open(huge))).toBe('ERR_SDC_TOO_LARGE');
    expect(await codeOf(() => inspectSdc(huge))).toBe('ERR_SDC_TOO_LARGE');
    expect(await codeOf(open(sealed, { limits: { maxContainerBytes: sealed.length - 1 } }))).toBe('ERR_SDC_TOO_LARGE');
    const bigHeader = await forgeSdc({
      header: validHeader({ recipient: 'hub' }),
      clearHeader: new TextEncoder().encode(`{"pad":"${'x'.repeat(SDC_LIMITS.maxHeaderBytes)}"}`),
      signer: agency,
      recipient: hub.certificate,
    });
    expect(await codeOf(open(bigHeader))).toBe('ERR_SDC_TOO_LARGE');
    expect(await codeOf(open(sealed, { limits: { maxContentBytes: 64 } }))).toBe('ERR_SDC_TOO_LARGE');
    expect(await codeOf(open(sealed, { limits: { maxContainerBytes: 0 } }))).toBe('ERR_SDC_INVALID_ARGUMENT');
  });

  it('truncations and trailing bytes: ERR_SDC_MALFORMED', async () => {
    for (const n of [0, 1, 2, 10, Math.floor(sealed.length / 2), sealed.length - 1]) {
      expect(await codeOf(open(sealed.subarray(0, n))), `length ${n}`).toBe('ERR_SDC_MALFORMED');
    }
    const longer = new Uint8Array(sealed.length + 1);
    longer.set(sealed);
    expect(await codeOf(open(longer))).toBe('ERR_SDC_MALFORMED');
  });

  it('deeply nested ASN.1: ERR_SDC_TOO_DEEP', async () => {
    const depth = 200;
    // 60 nested SEQUENCEs, each with a one-octet length: well-formed DER, deeper than maxAsn1Depth.
    const chain = new Uint8Array(2 * 60);
    for (let i = 0; i < 60; i++) {
      chain[2 * i] = 0x30;
      chain[2 * i + 1] = 2 * (60 - i - 1);
    }
    expect(await codeOf(open(chain))).toBe('ERR_SDC_TOO_DEEP');
    const indefinite = new Uint8Array([
      ...Array.from({ length: depth }, () => [0x30, 0x80]).flat(),
      ...new Array(depth * 2).fill(0),
    ]);
    expect(await codeOf(open(indefinite))).toMatch(/ERR_SDC_TOO_DEEP|ERR_SDC_MALFORMED/);
  });

  it('deeply nested or non-canonical JSON inside, and a foreign content type: refused', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < SDC_LIMITS.maxJsonDepth + 4; i++) deep = [deep];
    const tooDeep = await forgeSdc({
      content: new TextEncoder().encode(JSON.stringify({ body: deep, header: validHeader() })),
      header: validHeader(),
      signer: agency,
      recipient: hub.certificate,
    });
    expect(await codeOf(open(tooDeep))).toBe('ERR_SDC_TOO_DEEP');
    const spaced = await forgeSdc({
      content: new TextEncoder().encode(JSON.stringify({ body: 1, header: validHeader() }, null, 1)),
      header: validHeader(),
      signer: agency,
      recipient: hub.certificate,
    });
    expect(await codeOf(open(spaced))).toBe('ERR_SDC_MALFORMED');
    const extra = await forgeSdc({
      content: canonicalBytes({ body: 1, header: validHeader(), more: true }),
      header: validHeader(),
      signer: agency,
      recipient: hub.certificate,
    });
    expect(await codeOf(open(extra))).toBe('ERR_SDC_MALFORMED');
    const noBody = await forgeSdc({
      content: canonicalBytes({ header: validHeader() }),
      header: validHeader(),
      signer: agency,
      recipient: hub.certificate,
    });
    expect(await codeOf(open(noBody))).toBe('ERR_SDC_MALFORMED');
    // A "__proto__" member, signed by a writer that does not refuse it: zod would drop it on the way out,
    // so the body handed on would not be the body that was signed. Refused, wherever it is.
    for (const inner of ['{"__proto__":0}', '[1,{"x":{"__proto__":{"admin":true}}}]']) {
      const text = `{"body":${inner},"header":${new TextDecoder().decode(canonicalBytes(validHeader()))}}`;
      const proto = await forgeSdc({
        content: new TextEncoder().encode(text),
        header: validHeader(),
        signer: agency,
        recipient: hub.certificate,
      });
      expect(await codeOf(open(proto)), inner).toBe('ERR_SDC_MALFORMED');
    }
    const idData = await forgeSdc({
      header: validHeader(),
      body,
      signer: agency,
      recipient: hub.certificate,
      contentType: '1.2.840.113549.1.7.1',
    });
    expect(await codeOf(open(idData))).toBe('ERR_SDC_MALFORMED');
    expect(SDC_ECONTENT_TYPE).toMatch(/^2\.25\.\d+$/);
  });

  it('a clear header with unknown members or an unknown type: ERR_SDC_MALFORMED', async () => {
    for (const h of [
      validHeader({ extra: 1 }),
      validHeader({ type: 'transfer' }),
      validHeader({ sequence: 1 }),
      validHeader({ sequence: '01' }),
    ]) {
      const forged = await forgeSdc({ header: h, body, signer: agency, recipient: hub.certificate });
      expect(await codeOf(() => inspectSdc(forged))).toBe('ERR_SDC_MALFORMED');
    }
  });

  it('no clear header at all (as `openssl cms -encrypt` makes it), or not a ContentInfo: ERR_SDC_MALFORMED', async () => {
    const signed = await signData(canonicalBytes({ body, header: validHeader() }), {
      signer: agency,
      contentType: SDC_ECONTENT_TYPE,
    });
    const bare = await encryptData(signed, { recipients: [hub.certificate], contentEncryption: 'AES-256-GCM' });
    expect(await codeOf(() => inspectSdc(bare))).toBe('ERR_SDC_MALFORMED');
    expect(await codeOf(open(bare))).toBe('ERR_SDC_MALFORMED');
    const cbc = await encryptData(signed, { recipients: [hub.certificate], contentEncryption: 'AES-256-CBC' });
    expect(await codeOf(open(cbc))).toBe('ERR_SDC_MALFORMED'); // EnvelopedData is not an SDC
    expect(await codeOf(open(new Uint8Array([0x30, 0x03, 0x06, 0x01, 0x00])))).toBe('ERR_SDC_MALFORMED');
  });
});

describe('messages of refusals', () => {
  it('stay one short line when the input puts control characters or long names in the header', async () => {
    const pki2 = await createTestPki();
    const a = await pki2.issue('CN=agency-1');
    const h = await pki2.issue('CN=hub');
    const nasty = { ...validHeader(), [`x\n\u2028${'y'.repeat(500)}`]: 1 };
    const forged = await forgeSdc({ header: nasty, body: 1, signer: a, recipient: h.certificate });
    let message = '';
    try {
      inspectSdc(forged);
    } catch (e) {
      expect((e as SdcError).code).toBe('ERR_SDC_MALFORMED');
      message = (e as SdcError).message;
    }
    expect(message).toMatch(/^the clear header is invalid: /);
    expect(message).not.toMatch(/[\n\u2028]/);
    expect(message.length).toBeLessThan(340);
  });
});
