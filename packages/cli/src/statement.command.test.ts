// `semper statement sign|verify|show`: statements the CLI signs verify with `openssl cms -verify`; statements
// openssl signs over crafted envelopes show which failures are verdicts (exit 1) and which input errors (2).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { issueCrl } from '@semper/certificates';
import { Certificate, PrivateKey } from '@semper/crypto';
import { canonicalize, certificateFingerprint, STATEMENT_CONTENT_TYPE, STATEMENT_FORMAT } from '@semper/statements';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslOk, type Scratch, scratch } from '../../../test/support/openssl.js';
import { makePki, tamper } from './pki.test-util.js';
import { errorLine, type RunResult, run, words } from './run.test-util.js';

let s: Scratch;
const semper = (line: string, ...extra: string[]): Promise<RunResult> => run(words(line, ...extra), { cwd: s.dir });
const ossl = (line: string): Promise<Buffer> => opensslOk(words(line), { cwd: s.dir });

async function ok(line: string, ...extra: string[]): Promise<RunResult> {
  const r = await semper(line, ...extra);
  if (r.code !== 0) throw new Error(`semper ${line} → ${r.code}: ${r.stderr}`);
  return r;
}

const cert = async (name: string): Promise<Certificate> =>
  Certificate.fromPem(await readFile(s.path(`${name}.pem`), 'utf8'))[0];

/** A cancellation by `by` (with its certificate pinned when given). */
function cancellation(by: { name: string; certificate?: string }): Record<string, unknown> {
  return {
    cancellationId: 'cancel_01JD3Q4ZC0M2G4ZCQ5V0NB7XQ8',
    cancels: { kind: 'order', digest: `sha-256:${'b2'.repeat(32)}` },
    orderId: 'order_01JD3Q4ZC0M2G4ZCQ5V0NB7XQ8',
    by,
    reason: 'buyer-request',
  };
}

/** A statement openssl signs over `content` (the envelope bytes), as semper's format describes. */
async function opensslStatement(name: string, content: string, signer = 'alice'): Promise<void> {
  await s.write(`${name}.json`, content);
  await ossl(
    `cms -sign -binary -nodetach -md sha256 -econtent_type ${STATEMENT_CONTENT_TYPE} -in ${name}.json ` +
      `-signer ${signer}.pem -inkey ${signer}.key -outform DER -out ${name}.p7m`,
  );
}

const envelope = (kind: string, body: unknown): string =>
  canonicalize({ body, format: STATEMENT_FORMAT, kind, version: 1 });

beforeAll(async () => {
  s = await scratch('semper-cli-statement-');
  await makePki(s);
  const alice = await cert('alice');
  await s.write(
    'alice-cancels.json',
    JSON.stringify(cancellation({ name: 'Alice', certificate: certificateFingerprint(alice) })),
  );
  await s.write('bob-cancels.json', JSON.stringify(cancellation({ name: 'Bob' })));
  // A CRL of the CA revoking bob.
  const crl = await issueCrl({
    issuer: { privateKey: PrivateKey.fromPem(await readFile(s.path('ca.key'), 'utf8')), certificate: await cert('ca') },
    entries: [
      {
        serialNumber: (await cert('bob')).serialNumber,
        revocationDate: new Date(Date.now() - 60_000),
        reason: 'keyCompromise',
      },
    ],
    thisUpdate: new Date(Date.now() - 60_000),
    nextUpdate: new Date(Date.now() + 7 * 86_400_000),
    crlNumber: 1n,
  });
  await s.write('ca.crl', crl.toPem());
  await Promise.all([
    ok(
      'statement sign --kind cancellation --in alice-cancels.json --out alice.p7m --signer alice.pem --inkey alice.key',
    ),
    ok('statement sign --kind cancellation --in bob-cancels.json --out bob.p7m --signer bob.pem --inkey bob.key --pem'),
  ]);
}, 120_000);
afterAll(async () => {
  await s?.dispose();
});

describe('statement sign → openssl cms -verify and statement verify', () => {
  it.each([
    ['alice (EC P-256), DER', 'alice.p7m', 'DER'],
    ['bob (RSA 2048), --pem', 'bob.p7m', 'PEM'],
  ])('%s', async (_, file, form) => {
    const content = (await ossl(`cms -verify -binary -inform ${form} -in ${file} -CAfile ca.pem`)).toString();
    const parsed = JSON.parse(content);
    expect(parsed).toMatchObject({ format: 'semper-statement/1', kind: 'cancellation', version: 1 });
    expect(canonicalize(parsed)).toBe(content); // the signed content is the canonical envelope
    const r = await ok(`statement verify --in ${file} --CAfile ca.pem --kinds cancellation,order --json`);
    const v = JSON.parse(r.stdout);
    expect(v).toMatchObject({ verified: true, kind: 'cancellation', version: 1, body: parsed.body });
    expect(v.digest).toBe(`sha-256:${createHash('sha256').update(content).digest('hex')}`);
  });

  it('--out writes the body as signed (canonical JSON); the report names the signer', async () => {
    const r = await ok('statement verify --in alice.p7m --CAfile ca.pem --out body.json');
    expect(r.stdout).toMatch(/^Statement verified\nkind: +cancellation v1\n/);
    expect(r.stdout).toMatch(/signer: +CN=alice/);
    const body = (await s.read('body.json')).toString();
    expect(JSON.parse(body)).toEqual(
      cancellation({ name: 'Alice', certificate: certificateFingerprint(await cert('alice')) }),
    );
    expect(canonicalize(JSON.parse(body))).toBe(body);
  });

  it('refuses to sign an invalid body, non-JSON, or a body that pins another signer (exit 2, nothing written)', async () => {
    await s.write('no-reason.json', JSON.stringify({ ...cancellation({ name: 'Alice' }), reason: undefined }));
    await s.write('not.json', '{"cancellationId": ');
    const cases: [string, string][] = [
      ['no-reason.json', 'ERR_STATEMENTS_INVALID_BODY'],
      ['not.json', 'ERR_CLI_BAD_INPUT'],
      ['alice-cancels.json', 'ERR_STATEMENTS_SIGNER_MISMATCH'], // pins alice's certificate; bob signs
    ];
    for (const [body, code] of cases) {
      const r = await semper(
        `statement sign --kind cancellation --in ${body} --out refused.p7m --signer bob.pem --inkey bob.key`,
      );
      expect(r.code, body).toBe(2);
      expect(errorLine(r.stderr).code).toBe(code);
    }
    const r = await semper(
      'statement sign --kind cancellation --in no-reason.json --out refused.p7m --signer bob.pem --inkey bob.key',
    );
    expect(errorLine(r.stderr).message).toContain('reason');
    await expect(s.read('refused.p7m')).rejects.toThrow();
  });
});

describe('statement verify: verdicts (exit 1) and input errors (exit 2)', () => {
  beforeAll(async () => {
    const aliceFp = certificateFingerprint(await cert('alice'));
    const bobFp = certificateFingerprint(await cert('bob'));
    await Promise.all([
      opensslStatement('o-valid', envelope('cancellation', cancellation({ name: 'Alice', certificate: aliceFp }))),
      opensslStatement(
        'o-invalid-body',
        envelope('cancellation', { ...cancellation({ name: 'Alice' }), reason: 'whim' }),
      ),
      opensslStatement('o-pins-bob', envelope('cancellation', cancellation({ name: 'Bob', certificate: bobFp }))),
      opensslStatement(
        'o-not-canonical',
        JSON.stringify(
          { body: cancellation({ name: 'Alice' }), format: STATEMENT_FORMAT, kind: 'cancellation', version: 1 },
          null,
          1,
        ),
      ),
      opensslStatement('o-unknown-kind', envelope('acme.thing', { what: 'ever' })),
      opensslStatement('o-mallory', envelope('cancellation', cancellation({ name: 'Mallory' })), 'mallory'),
    ]);
    await ok('cms sign --in alice-cancels.json --out plain-cms.der --signer alice.pem --inkey alice.key');
    await s.write('tampered.p7m', tamper(await s.read('alice.p7m'), 'buyer-request'));
    await s.write('garbage.p7m', 'not a statement at all');
  });

  it('a statement openssl signed over a canonical envelope verifies', async () => {
    await ok('statement verify --in o-valid.p7m --CAfile ca.pem');
  });

  const verdicts: [string, string, string, RegExp][] = [
    ['a changed byte', 'tampered.p7m', 'ERR_CRYPTO_BAD_SIGNATURE', /digest/],
    ['a signer nobody trusts', 'o-mallory.p7m', 'ERR_CRYPTO_UNTRUSTED_SIGNER', /NO_ISSUER|UNTRUSTED/],
    ['a body its kind refuses', 'o-invalid-body.p7m', 'ERR_STATEMENTS_INVALID_BODY', /reason/],
    ['a body that pins another signer', 'o-pins-bob.p7m', 'ERR_STATEMENTS_SIGNER_MISMATCH', /CN=alice/],
    ['content that is not canonical JSON', 'o-not-canonical.p7m', 'ERR_STATEMENTS_NOT_CANONICAL', /canonical/],
  ];
  it.each(verdicts)('%s: exit 1, %s', async (_, file, code, message) => {
    const r = await semper(`statement verify --in ${file} --CAfile ca.pem --out never.json --json`);
    expect(r.code, r.stderr).toBe(1);
    const e = errorLine(r.stderr);
    expect(e).toMatchObject({ code, message: expect.stringMatching(message) });
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: false, error: { code } });
    await expect(s.read('never.json')).rejects.toThrow();
  });

  it('a kind not in --kinds: exit 1', async () => {
    const r = await semper('statement verify --in alice.p7m --CAfile ca.pem --kinds order,offer');
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr).code).toBe('ERR_STATEMENTS_KIND_NOT_ALLOWED');
  });

  it('a revoked signer (--CRLfile): exit 1 with the validator reason; the CRL clears alice', async () => {
    const r = await semper('statement verify --in bob.p7m --CAfile ca.pem --CRLfile ca.crl --json');
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatchObject({
      code: 'ERR_CRYPTO_UNTRUSTED_SIGNER',
      message: expect.stringContaining('REVOKED'),
    });
    expect(JSON.parse(r.stdout)).toMatchObject({
      verified: false,
      failure: { code: 'REVOKED', certificate: expect.stringMatching(/^CN=bob/) },
    });
    await ok('statement verify --in alice.p7m --CAfile ca.pem --CRLfile ca.crl');
    const noCrl = await semper('statement verify --in alice.p7m --CAfile ca.pem --crl-check');
    expect(noCrl.code).toBe(1);
    expect(errorLine(noCrl.stderr).message).toContain('CRL_UNAVAILABLE');
  });

  const inputErrors: [string, string, string][] = [
    ['not CMS at all', 'garbage.p7m', 'ERR_CRYPTO_MALFORMED'],
    ['a CMS signature that is not a statement', 'plain-cms.der', 'ERR_STATEMENTS_MALFORMED'],
    ['a kind this semper does not know', 'o-unknown-kind.p7m', 'ERR_STATEMENTS_UNKNOWN_KIND'],
    ['a missing file', 'missing.p7m', 'ERR_CLI_READ'],
  ];
  it.each(inputErrors)('%s: exit 2, %s', async (_, file, code) => {
    const r = await semper(`statement verify --in ${file} --CAfile ca.pem`);
    expect(r.code, r.stderr).toBe(2);
    expect(errorLine(r.stderr).code).toBe(code);
  });
});

describe('statement show', () => {
  it('labels what it prints UNVERIFIED, and shows a statement whose signer is not trusted', async () => {
    const r = await ok('statement show --in o-mallory.p7m');
    expect(r.stdout).toMatch(/^UNVERIFIED: /);
    expect(r.stdout).toMatch(/signer: +CN=mallory.* \(UNVERIFIED\)/);
    expect(r.stdout).toContain('"name": "Mallory"');
  });

  it('--json: unverified true; a body its kind refuses is shown with its issues', async () => {
    const r = await ok('statement show --in o-invalid-body.p7m --json');
    const shown = JSON.parse(r.stdout);
    expect(shown).toMatchObject({ unverified: true, kind: 'cancellation', known: true, valid: false, canonical: true });
    expect(shown.issues.map((i: { path: string }) => i.path)).toContain('reason');
  });

  it('a changed byte is still refused (exit 1): the signature must be intact', async () => {
    const r = await semper('statement show --in tampered.p7m');
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr).code).toBe('ERR_CRYPTO_BAD_SIGNATURE');
  });
});
