// Interoperability with `openssl cms` (OpenSSL 3.0), both ways.
//   semper → OpenSSL: every kind's statement passes `openssl cms -verify -binary -inform DER -CAfile root.pem`,
//   which outputs exactly the canonical envelope, whose `openssl dgst -sha256` is the statement's digest; a
//   changed byte fails there too.
//   OpenSSL → semper: `openssl cms -sign -econtent_type <statement content type>` over a canonical envelope is a
//   statement verifyStatement accepts (DER, or BER with -stream); with two signers, the id-data content type or
//   non-canonical content it is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslOk, openssl, type Scratch, scratch } from '../../../test/support/openssl.js';
import { encodeStatementContent, STATEMENT_CONTENT_TYPE } from './envelope.js';
import { order, validExamples } from './examples.test-util.js';
import { createFixture, type Fixture, rejection } from './fixture.test-util.js';
import { BUILTIN_STATEMENT_KINDS } from './kinds/builtin.js';
import { StatementsError } from './errors.js';

let f: Fixture;
let s: Scratch;
let n = 0;

beforeAll(async () => {
  [f, s] = await Promise.all([createFixture(), scratch('semper-statements-openssl-')]);
  await s.write('root.pem', f.pki.root.certificate.toPem());
  await s.write('int.pem', f.pki.intermediate.certificate.toPem());
  for (const [name, id] of [
    ['merchant', f.merchant],
    ['buyer', f.buyer],
  ] as const) {
    await s.write(`${name}.pem`, id.certificate.toPem());
    await s.write(`${name}.key`, id.privateKey.toPem());
  }
});

afterAll(async () => {
  await s?.dispose();
});

async function opensslVerify(bytes: Uint8Array): Promise<{ code: number; content?: Buffer }> {
  const k = ++n;
  await s.write(`v${k}.der`, bytes);
  const r = await openssl(
    ['cms', '-verify', '-binary', '-inform', 'DER', '-in', `v${k}.der`, '-CAfile', 'root.pem', '-out', `v${k}.json`],
    { cwd: s.dir },
  );
  return r.code === 0 ? { code: 0, content: await s.read(`v${k}.json`) } : { code: r.code };
}

async function opensslSign(content: Uint8Array | string, extra: string[]): Promise<Uint8Array> {
  const k = ++n;
  await s.write(`c${k}.json`, content);
  await opensslOk(
    [
      'cms',
      '-sign',
      '-binary',
      '-nodetach',
      '-md',
      'sha256',
      '-in',
      `c${k}.json`,
      '-outform',
      'DER',
      '-out',
      `s${k}.der`,
      ...extra,
    ],
    { cwd: s.dir },
  );
  return new Uint8Array(await s.read(`s${k}.der`));
}

const asMerchant = ['-signer', 'merchant.pem', '-inkey', 'merchant.key', '-certfile', 'int.pem'];

describe('semper → OpenSSL', () => {
  it('openssl cms -verify accepts a statement of every kind and outputs its canonical envelope', async () => {
    for (const kind of BUILTIN_STATEMENT_KINDS) {
      const body = Object.values(validExamples[kind.kind])[0];
      const signed = await f.statements.signStatement(kind.kind, body, f.merchant);
      const { code, content } = await opensslVerify(signed.bytes);
      expect(code, kind.kind).toBe(0);
      expect(content?.toString('utf8')).toBe(
        Buffer.from(encodeStatementContent({ kind: kind.kind, version: kind.version, body: signed.body })).toString(
          'utf8',
        ),
      );
    }
  });

  it("openssl dgst -sha256 of the content is the statement's digest", async () => {
    const signed = await f.statements.signStatement('order', order, f.buyer);
    const { content } = await opensslVerify(signed.bytes);
    await s.write('digest-input.json', content as Buffer);
    const out = (await opensslOk(['dgst', '-sha256', '-r', 'digest-input.json'], { cwd: s.dir })).toString('utf8');
    expect(`sha-256:${out.split(' ')[0]}`).toBe(signed.digest);
  });

  it('openssl cms -verify refuses a statement with a changed byte', async () => {
    const signed = await f.statements.signStatement('order', order, f.buyer);
    const tampered = Buffer.from(signed.bytes);
    tampered[tampered.indexOf('"paymentMethod"') + 3] ^= 0x20;
    expect((await opensslVerify(new Uint8Array(tampered))).code).not.toBe(0);
  });
});

describe('OpenSSL → semper', () => {
  const content = () => encodeStatementContent({ kind: 'order', version: 1, body: JSON.parse(JSON.stringify(order)) });

  it('a statement signed by openssl cms -sign verifies, in DER and in BER (-stream)', async () => {
    for (const stream of [[], ['-stream']]) {
      const bytes = await opensslSign(content(), [...asMerchant, '-econtent_type', STATEMENT_CONTENT_TYPE, ...stream]);
      const verified = await f.statements.verifyStatement(bytes, { trust: f.pki.trust, kinds: ['order'] });
      expect(verified.kind).toBe('order');
      expect(verified.signer.subject).toBe('CN=Librairie Etoile, O=Etoile SARL, C=FR');
      const again = await f.statements.signStatement('order', order, f.buyer);
      expect(verified.digest).toBe(again.digest);
    }
  });

  it('is refused with two signers, with the id-data content type, or with non-canonical content', async () => {
    const codeOf = async (bytes: Uint8Array) => {
      const err = await rejection(f.statements.verifyStatement(bytes, { trust: f.pki.trust }));
      expect(err).toBeInstanceOf(StatementsError);
      return (err as StatementsError).code;
    };
    const two = await opensslSign(content(), [
      ...asMerchant,
      '-signer',
      'buyer.pem',
      '-inkey',
      'buyer.key',
      '-econtent_type',
      STATEMENT_CONTENT_TYPE,
    ]);
    expect(await codeOf(two)).toBe('ERR_STATEMENTS_MALFORMED');
    expect(await codeOf(await opensslSign(content(), asMerchant))).toBe('ERR_STATEMENTS_MALFORMED');
    const pretty = `${JSON.stringify(JSON.parse(Buffer.from(content()).toString('utf8')), null, 2)}\n`;
    const loose = await opensslSign(pretty, [...asMerchant, '-econtent_type', STATEMENT_CONTENT_TYPE]);
    expect(await codeOf(loose)).toBe('ERR_STATEMENTS_NOT_CANONICAL');
  });
});
