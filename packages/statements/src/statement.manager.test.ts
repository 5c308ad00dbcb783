import { createHash } from 'node:crypto';
import { Money, SemperError } from '@semper/core';
import { type ChainValidator, CryptoError, type Identity, TrustStore, verifySignedData } from '@semper/crypto';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { canonicalBytes } from './canonical-json.js';
import { certificateFingerprint, encodeStatementContent, STATEMENT_CONTENT_TYPE, statementDigest } from './envelope.js';
import { InvalidBodyError, StatementsError } from './errors.js';
import {
  contract,
  DIGEST_B,
  ids,
  offer,
  offerWithMoneyAndDates,
  order,
  orderConfirmation,
  validExamples,
} from './examples.test-util.js';
import { createFixture, type Fixture, rejection, signRaw } from './fixture.test-util.js';
import { BUILTIN_STATEMENT_KINDS, builtinStatementKinds } from './kinds/builtin.js';
import { type OfferBody, offerKind } from './kinds/offer.kind.js';
import { type OrderBody, orderKind } from './kinds/order.kind.js';
import { partySchema, textSchema } from './schemas.js';
import { statementRef } from './statement.js';
import { StatementManager } from './statement.manager.js';
import { defineStatementKind, StatementKinds } from './statement-kind.js';

let f: Fixture;
let rsa: Identity;
let ed25519: Identity;
beforeAll(async () => {
  f = await createFixture();
  [rsa, ed25519] = await Promise.all([
    f.pki.issue('CN=RSA Merchant', { key: { type: 'rsa', modulusLength: 2048 } }),
    f.pki.issue('CN=Ed25519 Merchant', { key: { type: 'ed25519' } }),
  ]);
});

async function code(promise: Promise<unknown>): Promise<string> {
  const err = await rejection(promise);
  expect(err).toBeInstanceOf(SemperError);
  return (err as SemperError).code;
}

const noteKind = defineStatementKind({
  kind: 'acme.note',
  version: 1,
  description: 'A note from anyone; for the tests.',
  schema: z.strictObject({ text: textSchema({ max: 100_000, multiline: true }) }),
  maxBodyBytes: 64,
});

describe('signStatement and verifyStatement', () => {
  it('round-trips every built-in kind, with EC P-256, RSA and Ed25519 signers', async () => {
    const signers = [f.merchant, rsa, ed25519];
    let n = 0;
    for (const kind of BUILTIN_STATEMENT_KINDS) {
      for (const body of Object.values(validExamples[kind.kind])) {
        const signer = signers[n++ % signers.length];
        const signed = await f.statements.signStatement(kind.kind, body, signer);
        const verified = await f.statements.verifyStatement(signed.bytes, { trust: f.pki.trust });
        expect(verified).toMatchObject({ kind: kind.kind, version: 1, digest: signed.digest });
        expect(verified.body).toEqual(signed.body);
        expect(verified.signer.equals(signer.certificate)).toBe(true);
        expect(verified.chain.map((c) => c.subject)).toEqual([
          signer.certificate.subject,
          'CN=semper test intermediate',
          'CN=semper test root',
        ]);
      }
    }
    expect(n).toBeGreaterThan(15);
  });

  it('signs the canonical envelope, and the digest is the SHA-256 of that content', async () => {
    const signed = await f.statements.signStatement('order', order, f.buyer);
    const { content, contentType, signingTime } = await verifySignedData(signed.bytes, { trust: f.pki.trust });
    expect(contentType).toBe(STATEMENT_CONTENT_TYPE);
    expect(Buffer.from(content).toString('utf8')).toBe(
      `{"body":${Buffer.from(canonicalBytes(signed.body)).toString('utf8')},"format":"semper-statement/1","kind":"order","version":1}`,
    );
    expect(signed.digest).toBe(`sha-256:${createHash('sha256').update(content).digest('hex')}`);
    expect(signed.digest).toBe(statementDigest(content));
    expect(signingTime?.getTime()).toBe(signed.signingTime.getTime());
  });

  it('returns bodies frozen all the way down, and never freezes the caller’s input', async () => {
    const input = structuredClone(order);
    const signed = await f.statements.signStatement('order', input, f.buyer);
    expect(Object.isFrozen(signed.body) && Object.isFrozen(signed.body.items[0].unitPrice)).toBe(true);
    expect(Object.isFrozen(input) || Object.isFrozen(input.items[0])).toBe(false);
    const verified = await f.statements.verifyStatement(signed.bytes, { trust: f.pki.trust, kinds: [orderKind] });
    expect(Object.isFrozen(verified) && Object.isFrozen(verified.body.buyer.address)).toBe(true);
    expect(() => {
      (verified.body.totals.total as { amount: string }).amount = '1';
    }).toThrow(TypeError);
  });

  it('takes the signing time from the clock or the options, in whole seconds', async () => {
    const now = f.clock.now();
    const signed = await f.statements.signStatement('offer', offer, f.merchant);
    expect(signed.signingTime.getTime()).toBe(Math.floor(now.getTime() / 1000) * 1000);
    const at = new Date(now.getTime() - 30_000 + 789);
    const earlier = await f.statements.signStatement('offer', offer, f.merchant, { signingTime: at });
    expect(earlier.signingTime.getTime()).toBe(Math.floor(at.getTime() / 1000) * 1000);
    const verified = await f.statements.verifyStatement(earlier.bytes, { trust: f.pki.trust });
    expect(verified.signingTime).toEqual(earlier.signingTime);
    expect(
      await code(f.statements.signStatement('offer', offer, f.merchant, { signingTime: new Date(Number.NaN) })),
    ).toBe('ERR_STATEMENTS_INVALID_ARGUMENT');
  });

  it('accepts Money and Date on the way in and signs their JSON forms', async () => {
    const signed = await f.statements.signStatement('offer', offerWithMoneyAndDates, f.merchant);
    expect(signed.body.totals.total).toEqual({ amount: '2990', currency: 'EUR' });
    expect(signed.body.validFrom).toBe('2030-01-01T10:00:00.000Z');
    const verified = await f.statements.verifyStatement(signed.bytes, { trust: f.pki.trust, kinds: [offerKind] });
    expect(Money.fromJSON(verified.body.totals.total).toString()).toBe('29.90 EUR');
  });

  it('types bodies by kind name or definition', async () => {
    const signed = await f.statements.signStatement('order', order, f.buyer);
    expectTypeOf(signed.body).toEqualTypeOf<OrderBody>();
    const byDefinition = await f.statements.verifyStatement(signed.bytes, { trust: f.pki.trust, kinds: [orderKind] });
    expectTypeOf(byDefinition.body).toEqualTypeOf<OrderBody>();
    expectTypeOf(byDefinition.kind).toEqualTypeOf<'order'>();
    const byName = await f.statements.verifyStatement(signed.bytes, { trust: f.pki.trust, kinds: ['offer', 'order'] });
    if (byName.kind === 'order') expectTypeOf(byName.body).toEqualTypeOf<OrderBody>();
    if (byName.kind === 'offer') expectTypeOf(byName.body).toEqualTypeOf<OfferBody>();
    expect(byName.kind === 'order' && byName.body.paymentMethod).toBe('payment-ecash');
    const untyped = await f.statements.verifyStatement(signed.bytes, { trust: f.pki.trust });
    expectTypeOf(untyped.body).toBeUnknown();
  });

  it('chains statements by reference: an order refers to the offer it accepts', async () => {
    const signedOffer = await f.statements.signStatement('offer', offer, f.merchant);
    const received = await f.statements.verifyStatement(signedOffer.bytes, { trust: f.pki.trust, kinds: [offerKind] });
    const signedOrder = await f.statements.signStatement(
      'order',
      { ...order, offerId: received.body.offerId, offer: statementRef(received) },
      f.buyer,
    );
    expect(signedOrder.body.offer).toEqual({ kind: 'offer', digest: signedOffer.digest });
  });
});

describe('verifyStatement refuses', () => {
  it('any change of the signed content, kind included, as a bad signature (crypto error, unchanged)', async () => {
    const signed = await f.statements.signStatement('offer', offer, f.merchant);
    const der = Buffer.from(signed.bytes);
    const changeAt = (needle: string, replacement: string) => {
      const i = der.indexOf(needle);
      expect(i).toBeGreaterThan(0);
      const copy = Buffer.from(der);
      copy.write(replacement, i, 'latin1');
      return new Uint8Array(copy);
    };
    for (const tampered of [
      changeAt('"kind":"offer"', '"kind":"ordeR"'),
      changeAt('"amount":"2990"', '"amount":"0990"'),
      changeAt('"version":1', '"version":2'),
    ]) {
      const err = await rejection(f.statements.verifyStatement(tampered, { trust: f.pki.trust }));
      expect(err).toBeInstanceOf(CryptoError);
      expect((err as CryptoError).code).toBe('ERR_CRYPTO_BAD_SIGNATURE');
    }
  });

  it("a changed signer certificate in the message as an untrusted signer (its issuer's signature breaks)", async () => {
    const signed = await f.statements.signStatement('offer', offer, f.merchant);
    const der = Buffer.from(signed.bytes);
    const at = der.indexOf('Librairie Etoile');
    expect(at).toBeGreaterThan(0);
    expect(der.indexOf('Librairie Etoile', at + 1)).toBe(-1); // only in the leaf's subject
    der.write('M', at, 'latin1');
    expect(await code(f.statements.verifyStatement(new Uint8Array(der), { trust: f.pki.trust }))).toBe(
      'ERR_CRYPTO_UNTRUSTED_SIGNER',
    );
  });

  it('a signer the trust anchors do not cover, or outside its validity, as an untrusted signer', async () => {
    const bySelfSigned = await f.statements.signStatement('offer', offer, f.stranger);
    expect(await code(f.statements.verifyStatement(bySelfSigned.bytes, { trust: f.pki.trust }))).toBe(
      'ERR_CRYPTO_UNTRUSTED_SIGNER',
    );
    const signed = await f.statements.signStatement('offer', offer, f.merchant);
    const later = new Date(Date.now() + 40 * 86_400_000);
    expect(await code(f.statements.verifyStatement(signed.bytes, { trust: f.pki.trust, at: later }))).toBe(
      'ERR_CRYPTO_UNTRUSTED_SIGNER',
    );
    // Trusting the stranger itself works.
    const trusted = await f.statements.verifyStatement(bySelfSigned.bytes, {
      trust: new TrustStore([f.stranger.certificate]),
    });
    expect(trusted.chain).toHaveLength(1);
  });

  it("passes the chain validator's errors through untouched (a revoked signer)", async () => {
    const revoked = new SemperError('ERR_CERTIFICATES_REVOKED', 'the certificate of CN=Librairie Etoile is revoked');
    const validator: ChainValidator = {
      async buildChain(leaf, intermediates, at) {
        const chain = await f.pki.trust.buildChain(leaf, intermediates, at);
        if (leaf.equals(f.merchant.certificate)) throw revoked;
        return chain;
      },
    };
    const signed = await f.statements.signStatement('offer', offer, f.merchant);
    expect(await rejection(f.statements.verifyStatement(signed.bytes, { trust: validator }))).toBe(revoked);
    const other = await f.statements.signStatement('order', order, f.buyer);
    expect((await f.statements.verifyStatement(other.bytes, { trust: validator })).kind).toBe('order');
  });

  it('content that is validly signed but not canonical', async () => {
    const envelope = {
      format: 'semper-statement/1',
      kind: 'offer',
      version: 1,
      body: JSON.parse(JSON.stringify(offer)),
    };
    for (const text of [
      JSON.stringify(envelope), // members not sorted
      JSON.stringify(JSON.parse(Buffer.from(encodeStatementContent(envelope)).toString()), null, 2), // whitespace
      Buffer.from(encodeStatementContent(envelope)).toString().replace('"version":1', '"version":1.0'),
      Buffer.from(encodeStatementContent(envelope)).toString().replace('"kind":"offer"', '"kind":"\\u006ffer"'),
    ]) {
      const bytes = await signRaw(text, f.merchant);
      expect(await code(f.statements.verifyStatement(bytes, { trust: f.pki.trust })), text.slice(0, 40)).toBe(
        'ERR_STATEMENTS_NOT_CANONICAL',
      );
    }
  });

  it('what is not a statement: another content type, not JSON, not an envelope', async () => {
    const content = encodeStatementContent({ kind: 'offer', version: 1, body: JSON.parse(JSON.stringify(offer)) });
    const asData = await signRaw(content, f.merchant, '1.2.840.113549.1.7.1');
    expect(await code(f.statements.verifyStatement(asData, { trust: f.pki.trust }))).toBe('ERR_STATEMENTS_MALFORMED');
    for (const text of [
      'not json',
      '\u00ff',
      '[]',
      '{"body":{},"kind":"offer","version":1}',
      '{"body":{},"extra":1,"format":"semper-statement/1","kind":"offer","version":1}',
      '{"body":{},"format":"semper-statement/1","kind":"Offer","version":1}',
      '{"body":{},"format":"semper-statement/1","kind":"offer","version":0}',
      '{"body":{},"format":"semper-statement/1","kind":"offer","version":"1"}',
      '{"body":{},"format":"pgp","kind":"offer","version":1}',
    ]) {
      const bytes = await signRaw(text, f.merchant);
      expect(await code(f.statements.verifyStatement(bytes, { trust: f.pki.trust })), text).toBe(
        'ERR_STATEMENTS_MALFORMED',
      );
    }
    expect(
      await code(f.statements.verifyStatement(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), { trust: f.pki.trust })),
    ).toBe('ERR_CRYPTO_MALFORMED');
  });

  it('a format this version does not read', async () => {
    const bytes = await signRaw('{"body":{},"format":"semper-statement/2","kind":"offer","version":1}', f.merchant);
    expect(await code(f.statements.verifyStatement(bytes, { trust: f.pki.trust }))).toBe(
      'ERR_STATEMENTS_UNSUPPORTED_FORMAT',
    );
  });

  it('unknown kinds and versions, and kinds not accepted here', async () => {
    const unknown = await signRaw(encodeStatementContent({ kind: 'acme.unknown', version: 1, body: {} }), f.merchant);
    const err = await rejection(f.statements.verifyStatement(unknown, { trust: f.pki.trust }));
    expect((err as StatementsError).code).toBe('ERR_STATEMENTS_UNKNOWN_KIND');
    const v2 = await signRaw(encodeStatementContent({ kind: 'offer', version: 2, body: {} }), f.merchant);
    const err2 = await rejection(f.statements.verifyStatement(v2, { trust: f.pki.trust }));
    expect((err2 as StatementsError).code).toBe('ERR_STATEMENTS_UNKNOWN_KIND');
    expect((err2 as StatementsError).message).toContain('versions held: 1');
    const signed = await f.statements.signStatement('offer', offer, f.merchant);
    expect(await code(f.statements.verifyStatement(signed.bytes, { trust: f.pki.trust, kinds: ['order'] }))).toBe(
      'ERR_STATEMENTS_KIND_NOT_ALLOWED',
    );
    expect(await code(f.statements.verifyStatement(signed.bytes, { trust: f.pki.trust, kinds: [] }))).toBe(
      'ERR_STATEMENTS_KIND_NOT_ALLOWED',
    );
    expect(await code(f.statements.verifyStatement(unknown, { trust: f.pki.trust, kinds: ['offer'] }))).toBe(
      'ERR_STATEMENTS_KIND_NOT_ALLOWED',
    );
    expect(await code(f.statements.verifyStatement(unknown, { trust: f.pki.trust, kinds: ['acme.unknown'] }))).toBe(
      'ERR_STATEMENTS_UNKNOWN_KIND',
    );
    // A definition given in `kinds` is used even if the registry does not hold it.
    const noteBytes = await signRaw(
      encodeStatementContent({ kind: 'acme.note', version: 1, body: { text: 'hi' } }),
      f.merchant,
    );
    const note = await f.statements.verifyStatement(noteBytes, { trust: f.pki.trust, kinds: [noteKind] });
    expect(note.body.text).toBe('hi');
  });

  it('validly signed bodies that do not match their schema, listing paths but no values', async () => {
    const body = {
      ...JSON.parse(JSON.stringify(offer)),
      discountCode: 'SECRET-42-XYZ',
      validUntil: '2029-01-01T00:00:00Z',
    };
    const bytes = await signRaw(encodeStatementContent({ kind: 'offer', version: 1, body }), f.merchant);
    const err = await rejection(f.statements.verifyStatement(bytes, { trust: f.pki.trust }));
    expect(err).toBeInstanceOf(InvalidBodyError);
    const e = err as InvalidBodyError;
    expect(e.code).toBe('ERR_STATEMENTS_INVALID_BODY');
    expect(e.message).toContain('discountCode (unrecognized_key)');
    expect(e.message).not.toContain('SECRET-42');
    expect(e.issues.map((i) => i.path)).toContain('discountCode');
    expect(JSON.stringify(e.issues)).not.toContain('SECRET-42');
    expect(e.cause).toBeUndefined();
  });

  it('statements and bodies over the limits, before parsing them', async () => {
    const small = new StatementManager(builtinStatementKinds, f.clock, { limits: { maxStatementBytes: 2000 } });
    const signed = await f.statements.signStatement('contract', contract, f.merchant);
    expect(signed.bytes.length).toBeGreaterThan(2000);
    expect(await code(small.verifyStatement(signed.bytes, { trust: f.pki.trust }))).toBe('ERR_STATEMENTS_TOO_LARGE');
    expect(await code(small.signStatement('contract', contract, f.merchant))).toBe('ERR_STATEMENTS_TOO_LARGE');
    expect(await code(small.showStatement(signed.bytes))).toBe('ERR_STATEMENTS_TOO_LARGE');

    const notes = new StatementManager(new StatementKinds([noteKind]), f.clock);
    expect(await code(notes.signStatement(noteKind, { text: 'x'.repeat(60) }, f.merchant))).toBe(
      'ERR_STATEMENTS_TOO_LARGE',
    );
    const big = await signRaw(
      encodeStatementContent({ kind: 'acme.note', version: 1, body: { text: 'x'.repeat(60) } }),
      f.merchant,
    );
    expect(await code(notes.verifyStatement(big, { trust: f.pki.trust }))).toBe('ERR_STATEMENTS_TOO_LARGE');

    let deep: unknown = 'x';
    for (let i = 0; i < 40; i++) deep = [deep];
    const nested = await signRaw(encodeStatementContent({ kind: 'acme.note', version: 1, body: deep }), f.merchant);
    expect(await code(notes.verifyStatement(nested, { trust: f.pki.trust }))).toBe('ERR_STATEMENTS_TOO_LARGE');
  });
});

describe('signer binding', () => {
  it('a body that pins its signing party’s certificate must be signed with that certificate', async () => {
    const pinned = {
      ...offer,
      merchant: { ...offer.merchant, certificate: certificateFingerprint(f.merchant.certificate) },
    };
    const signed = await f.statements.signStatement('offer', pinned, f.merchant);
    expect((await f.statements.verifyStatement(signed.bytes, { trust: f.pki.trust })).kind).toBe('offer');
    expect(await code(f.statements.signStatement('offer', pinned, f.buyer))).toBe('ERR_STATEMENTS_SIGNER_MISMATCH');
    const forged = await signRaw(encodeStatementContent({ kind: 'offer', version: 1, body: signed.body }), f.buyer);
    const err = await rejection(f.statements.verifyStatement(forged, { trust: f.pki.trust }));
    expect((err as StatementsError).code).toBe('ERR_STATEMENTS_SIGNER_MISMATCH');
    expect((err as StatementsError).message).toContain('CN=Juergen Gross');
  });

  it('a contract is signed by one of its parties when all pin their certificates', async () => {
    const parties = [
      { ...contract.parties[0], certificate: certificateFingerprint(f.merchant.certificate) },
      { ...contract.parties[1], certificate: certificateFingerprint(f.buyer.certificate) },
    ];
    const both = { ...contract, parties };
    for (const signer of [f.merchant, f.buyer]) {
      const signed = await f.statements.signStatement('contract', both, signer);
      expect(
        (await f.statements.verifyStatement(signed.bytes, { trust: f.pki.trust })).signer.equals(signer.certificate),
      ).toBe(true);
    }
    expect(await code(f.statements.signStatement('contract', both, rsa))).toBe('ERR_STATEMENTS_SIGNER_MISMATCH');
    // A party without a pinned certificate could be anyone: no binding can be checked.
    const oneUnpinned = { ...contract, parties: [parties[0], contract.parties[1]] };
    expect((await f.statements.signStatement('contract', oneUnpinned, rsa)).kind).toBe('contract');
  });
});

describe('signStatement refuses', () => {
  it('bodies that do not match the schema, naming the paths', async () => {
    const err = await rejection(
      f.statements.signStatement(
        'order-confirmation',
        { ...orderConfirmation, total: { amount: '1.5', currency: 'EUR' } },
        f.merchant,
      ),
    );
    expect(err).toBeInstanceOf(InvalidBodyError);
    expect((err as InvalidBodyError).issues).toEqual([
      { path: 'total.amount', code: 'invalid_format', message: 'must be an integer count of minor units, as a string' },
    ]);
    expect((err as InvalidBodyError).message).toBe(
      'invalid order-confirmation v1 body at total.amount (invalid_format)',
    );
  });

  it('unknown kinds, conflicting definitions, bad arguments', async () => {
    expect(await code(f.statements.signStatement('acme.unknown', {}, f.merchant))).toBe('ERR_STATEMENTS_UNKNOWN_KIND');
    expect(await code(f.statements.signStatement('offer', offer, f.merchant, { version: 2 }))).toBe(
      'ERR_STATEMENTS_UNKNOWN_KIND',
    );
    const impostor = defineStatementKind({
      kind: 'offer',
      version: 1,
      description: 'Not the real one.',
      schema: z.unknown(),
    });
    expect(await code(f.statements.signStatement(impostor, {}, f.merchant))).toBe('ERR_STATEMENTS_KIND_CONFLICT');
    expect(await code(f.statements.signStatement(offerKind, offer, f.merchant, { version: 2 }))).toBe(
      'ERR_STATEMENTS_INVALID_ARGUMENT',
    );
    expect(await code(f.statements.signStatement('Offer', offer, f.merchant))).toBe('ERR_STATEMENTS_INVALID_ARGUMENT');
    expect(await code(f.statements.signStatement({ kind: 'x' } as never, offer, f.merchant))).toBe(
      'ERR_STATEMENTS_INVALID_ARGUMENT',
    );
    expect(await code(f.statements.signStatement('offer', offer, {} as never))).toBe('ERR_STATEMENTS_INVALID_ARGUMENT');
    expect(await code(f.statements.verifyStatement('bytes' as never, { trust: f.pki.trust }))).toBe(
      'ERR_STATEMENTS_INVALID_ARGUMENT',
    );
    expect(await code(f.statements.verifyStatement(new Uint8Array(1), {}))).toBe('ERR_STATEMENTS_INVALID_ARGUMENT');
    expect(await code(f.statements.verifyStatement(new Uint8Array(1), { trust: f.pki.trust, kinds: ['Bad'] }))).toBe(
      'ERR_STATEMENTS_INVALID_ARGUMENT',
    );
    expect(await code(f.statements.verifyStatement(new Uint8Array(1), { trust: f.pki.trust, at: new Date('x') }))).toBe(
      'ERR_STATEMENTS_INVALID_ARGUMENT',
    );
  });

  it('a schema whose output is not JSON data (a kind writer’s bug)', async () => {
    const broken = defineStatementKind({
      kind: 'acme.broken',
      version: 1,
      description: 'Outputs a bigint.',
      schema: z.strictObject({ n: z.string().transform((s) => BigInt(s.length)) }),
    });
    const statements = new StatementManager(new StatementKinds([broken]), f.clock);
    expect(await code(statements.signStatement(broken, { n: 'abc' }, f.merchant))).toBe('ERR_STATEMENTS_NOT_JSON');
  });

  it('a schema that throws becomes an invalid body, without the thrown value', async () => {
    const throwing = defineStatementKind({
      kind: 'acme.throwing',
      version: 1,
      description: 'Throws.',
      schema: z.string().refine((s) => BigInt(s) > 0n),
    });
    const statements = new StatementManager(new StatementKinds([throwing]), f.clock);
    const err = await rejection(statements.signStatement(throwing, 'secret-value', f.merchant));
    expect(err).toBeInstanceOf(InvalidBodyError);
    expect((err as Error).message).not.toContain('secret-value');
    expect((err as InvalidBodyError).issues[0].code).toBe('schema_exception');
  });
});

describe('showStatement', () => {
  it('decodes without verifying trust, marked unverified', async () => {
    const signed = await f.statements.signStatement('order', order, f.stranger);
    const shown = await f.statements.showStatement(signed.bytes);
    expect(shown).toMatchObject({
      unverified: true,
      format: 'semper-statement/1',
      kind: 'order',
      version: 1,
      canonical: true,
      known: true,
      valid: true,
      issues: [],
      signerSubject: 'CN=Stranger',
      digest: signed.digest,
    });
    expect(shown.body).toEqual(signed.body);
    expect(shown.signingTime).toEqual(signed.signingTime);
  });

  it('shows what verifyStatement refuses: non-canonical content, unknown kinds, invalid bodies', async () => {
    const loose = await signRaw(
      '{"version":1, "kind":"offer", "format":"semper-statement/1", "body":{"x":1}}',
      f.merchant,
    );
    expect(await f.statements.showStatement(loose)).toMatchObject({
      canonical: false,
      known: true,
      valid: false,
      body: { x: 1 },
    });
    const unknown = await signRaw(encodeStatementContent({ kind: 'acme.unknown', version: 3, body: [1] }), f.merchant);
    expect(await f.statements.showStatement(unknown)).toMatchObject({
      known: false,
      valid: undefined,
      kind: 'acme.unknown',
      version: 3,
    });
    const invalid = await signRaw(
      encodeStatementContent({ kind: 'order-confirmation', version: 1, body: { ...orderConfirmation, total: 5 } }),
      f.merchant,
    );
    const shown = await f.statements.showStatement(invalid);
    expect(shown.valid).toBe(false);
    expect(shown.issues.map((i) => i.path)).toEqual(['total']);
  });

  it('still refuses what is not an intact statement', async () => {
    const signed = await f.statements.signStatement('order', order, f.buyer);
    const broken = Buffer.from(signed.bytes);
    broken[broken.indexOf('"orderId"') + 2] ^= 1;
    expect(await code(f.statements.showStatement(new Uint8Array(broken)))).toBe('ERR_CRYPTO_BAD_SIGNATURE');
    expect(await code(f.statements.showStatement(await signRaw('{}', f.buyer, '1.2.840.113549.1.7.1')))).toBe(
      'ERR_STATEMENTS_MALFORMED',
    );
    expect(await code(f.statements.showStatement(await signRaw('oops', f.buyer)))).toBe('ERR_STATEMENTS_MALFORMED');
    expect(await code(f.statements.showStatement(null as never))).toBe('ERR_STATEMENTS_INVALID_ARGUMENT');
  });
});

describe('StatementManager construction', () => {
  it('uses a default chain validator when a call gives none', async () => {
    const statements = new StatementManager(builtinStatementKinds, f.clock, { trust: f.pki.trust });
    const signed = await statements.signStatement(
      'order-confirmation',
      { ...orderConfirmation, order: { kind: 'order', digest: DIGEST_B } },
      f.merchant,
    );
    expect((await statements.verifyStatement(signed.bytes, { kinds: ['order-confirmation'] })).body.orderId).toBe(
      ids.order,
    );
    expect(statements.limits).toEqual({ maxStatementBytes: 1024 * 1024, maxDepth: 32 });
  });

  it('refuses bad arguments', () => {
    expect(() => new StatementManager({} as never)).toThrow(StatementsError);
    expect(() => new StatementManager(builtinStatementKinds, {} as never)).toThrow(StatementsError);
    expect(() => new StatementManager(builtinStatementKinds, f.clock, { trust: {} as never })).toThrow(StatementsError);
    expect(() => new StatementManager(builtinStatementKinds, f.clock, { limits: { maxDepth: 0 } })).toThrow(
      StatementsError,
    );
    expect(() => new StatementManager(builtinStatementKinds, f.clock, { limits: { maxStatementBytes: 1.5 } })).toThrow(
      StatementsError,
    );
    expect(new StatementManager().kinds).toBe(builtinStatementKinds);
  });

  it('parties are plain schemas a kind writer can reuse', () => {
    expect(partySchema.safeParse({ name: 'A', certificate: certificateFingerprint(f.buyer.certificate) }).success).toBe(
      true,
    );
  });
});
