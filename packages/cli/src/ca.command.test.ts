// `semper ca` and `semper ra` on one CA folder: the enrolment flow end to end (ca init → ra register → req new
// → ra enrol → cert verify and openssl verify), each misuse of an enrolment refused with nothing issued,
// issuance from an openssl request, revocation and CRLs that openssl uses.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, opensslOk, type Scratch, scratch } from '../../../test/support/openssl.js';
import { errorLine, type RunResult, run, words } from './run.test-util.js';

let s: Scratch;
const env: Record<string, string> = { CAPASS: 'correct horse battery staple', WRONG: 'Tr0ub4dor&3-wrong' };
const semper = (line: string, ...extra: string[]): Promise<RunResult> =>
  run(words(line, ...extra), { cwd: s.dir, env });

async function ok(line: string, ...extra: string[]): Promise<RunResult> {
  const r = await semper(line, ...extra);
  if (r.code !== 0) throw new Error(`semper ${line} → ${r.code}: ${r.stderr}`);
  expect(r.stderr).toBe('');
  return r;
}

const ossl = (line: string): Promise<string> => opensslOk(words(line), { cwd: s.dir }).then((b) => b.toString());

interface Ticket {
  registrationId: string;
  secret: string;
  status: string;
  attempts: number;
  maxAttempts: number;
  expiresAt: string;
}

/** `ra register … --json`; the secret goes into the environment as SECRET_<name>. */
async function register(name: string, subject: string, flags = ''): Promise<Ticket> {
  const r = await ok(`ra register --dir ca --profile signing --json ${flags} --subject`, subject);
  const ticket = JSON.parse(r.stdout) as Ticket;
  env[`SECRET_${name}`] = ticket.secret;
  return ticket;
}

function enrol(id: string, secretVar: string, csr: string, out: string, pass = 'CAPASS'): Promise<RunResult> {
  return semper(
    `ra enrol --dir ca --id ${id} --secret-in env:${secretVar} --in ${csr} --out ${out} --passin env:${pass}`,
  );
}

async function show(id: string): Promise<Ticket> {
  return JSON.parse((await ok(`ra show --dir ca --id ${id} --json`)).stdout) as Ticket;
}

interface Listed {
  cas: { caId: string; subject: string; parentCaId: string | null; issuesByDefault: boolean }[];
  certificates: {
    caId: string;
    serialNumber: string;
    subject: string;
    profile: string;
    registrationId: string | null;
    revocation: { reason: string } | null;
  }[];
}

const list = async (): Promise<Listed> => JSON.parse((await ok('ca list --dir ca --json')).stdout) as Listed;

/** A refused enrolment: exit 1, the typed reason as the one error line, no certificate written. */
function expectRefused(r: RunResult, code: string, out: string): { code: string; message: string } {
  expect(r.code, r.stderr).toBe(1);
  const e = errorLine(r.stderr);
  expect(e.code).toBe(code);
  expect(existsSync(s.path(out))).toBe(false);
  return e;
}

let expiring: Ticket;
let expiringAt: number;

beforeAll(async () => {
  s = await scratch('semper-cli-ca-');
  await ok(
    'ca init --dir ca --passout env:CAPASS --subject',
    'CN=Example Root CA,O=Example',
    '--intermediate-subject',
    'CN=Example Issuing CA,O=Example',
  );
  // Registered first, so that its one second has passed by the time the expiry is tested.
  expiring = await register('EXPIRING', 'CN=Late Larry,O=Example', '--expires-in 1s');
  expiringAt = Date.now();
  await Promise.all(
    ['alice', 'bob', 'carol', 'larry', 'mallory'].map((who) =>
      opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${who}.key`], {
        cwd: s.dir,
      }),
    ),
  );
}, 120_000);
afterAll(async () => {
  await s?.dispose();
});

describe('ca init', () => {
  it('makes a root (pathlen 1) and an intermediate (pathlen 0) that openssl reads, and the folder', async () => {
    expect((await readdir(s.path('ca'))).sort()).toEqual(['intermediate.pem', 'pgdata', 'root.pem', 'semper-ca.json']);
    const root = await ossl('x509 -in ca/root.pem -noout -text');
    expect(root).toMatch(/CA:TRUE, pathlen:1/);
    expect(root).toMatch(/Certificate Sign, CRL Sign/);
    expect(root).toMatch(/ASN1 OID: secp384r1/);
    const int = await ossl('x509 -in ca/intermediate.pem -noout -text');
    expect(int).toMatch(/CA:TRUE, pathlen:0/);
    expect(int).toMatch(/Issuer: CN = Example Root CA, O = Example/);
    expect(await ossl('verify -CAfile ca/root.pem ca/intermediate.pem')).toContain('OK');
    const { cas } = await list();
    expect(cas.map((c) => [c.caId, c.parentCaId, c.issuesByDefault])).toEqual([
      ['root', null, false],
      ['intermediate', 'root', true],
    ]);
  });

  it('refuses a folder that holds a CA, a short passphrase, a bad subject; a failed init leaves nothing', async () => {
    let r = await semper('ca init --dir ca --passout env:CAPASS --subject CN=Again');
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toMatchObject({ code: 'ERR_CLI_CA_FOLDER', message: 'ca already holds a CA' });
    r = await run(words('ca init --dir short --passout pass:tooshort --subject CN=Short'), { cwd: s.dir });
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr).code).toBe('ERR_CLI_PASSPHRASE');
    r = await semper('ca init --dir bad --passout env:CAPASS --subject', 'not a name');
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr).message).toMatch(/^--subject: /);
    expect(existsSync(s.path('short'))).toBe(false);
    expect(existsSync(s.path('bad'))).toBe(false);
  });

  it('commands on a folder that is not a CA folder: exit 2, nothing made', async () => {
    const r = await semper('ra register --dir nowhere --subject CN=X --profile signing');
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toMatchObject({
      code: 'ERR_CLI_CA_FOLDER',
      message: expect.stringMatching(/^nowhere is not a CA folder/),
    });
    expect(existsSync(s.path('nowhere'))).toBe(false);
  });
});

describe('enrolment, end to end with the CLI', () => {
  let alice: Ticket;

  it('ra register → req new → ra enrol → cert verify and openssl verify', async () => {
    // The subject as registered and as requested differ in case and spaces: names match by RFC 5280 §7.1.
    const r = await ok('ra register --dir ca --profile signing --subject', 'cn=alice, o=example');
    const id = /^Registration (reg_\w+)\n/.exec(r.stdout)?.[1];
    const secret = /^secret: +([0-9A-Z]{4}(?:-[0-9A-Z]{4}){7})$/m.exec(r.stdout)?.[1];
    expect(r.stdout).toMatch(/^status: +pending$/m);
    expect(r.stdout).toMatch(/^wrong secrets: +0 of 5 allowed$/m);
    expect(r.stdout).toContain('This is the only time the secret is shown');
    expect(id).toBeDefined();
    expect(secret).toBeDefined();
    alice = { registrationId: id as string, secret: secret as string } as Ticket;
    env.SECRET_ALICE = alice.secret;
    await ok('req new --inkey alice.key --out alice.csr --subject', 'CN=Alice,O=Example');
    expect(await ossl('req -in alice.csr -noout -verify -subject')).toMatch(/subject=CN = Alice, O = Example/);
    const e = await enrol(alice.registrationId, 'SECRET_ALICE', 'alice.csr', 'alice.pem');
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/^Enrolled: certificate issued\n/);
    expect(await ossl('x509 -in alice.pem -noout -subject -nameopt RFC2253')).toBe('subject=O=example,CN=alice\n');
    const text = await ossl('x509 -in alice.pem -noout -text');
    expect(text).toMatch(/Digital Signature, Non Repudiation/);
    expect(text).toMatch(/E-mail Protection/);
    // semper and openssl both validate it, for signing.
    const v = await ok('cert verify alice.pem --CAfile ca/root.pem --untrusted ca/intermediate.pem --purpose sign');
    expect(v.stdout).toMatch(/^alice\.pem: OK\n/);
    expect(await ossl('verify -CAfile ca/root.pem -untrusted ca/intermediate.pem alice.pem')).toBe('alice.pem: OK\n');
    expect(await ossl('verify -CAfile ca/root.pem -untrusted ca/intermediate.pem -purpose smimesign alice.pem')).toBe(
      'alice.pem: OK\n',
    );
    expect(await show(alice.registrationId)).toMatchObject({ status: 'used' });
  });

  it('the secret used again: refused (ENROLMENT_USED), nothing issued', async () => {
    const r = await enrol(alice.registrationId, 'SECRET_ALICE', 'alice.csr', 'alice-again.pem');
    expectRefused(r, 'ERR_CERTIFICATES_ENROLMENT_USED', 'alice-again.pem');
  });

  let bob: Ticket;

  it('a wrong secret: refused (BAD_SECRET), counted', async () => {
    bob = await register('BOB', 'CN=Bob,O=Example', '--max-attempts 2');
    await ok('req new --inkey bob.key --out bob.csr --subject', 'CN=Bob,O=Example');
    env.NOT_BOBS = alice.secret;
    const r = await enrol(bob.registrationId, 'NOT_BOBS', 'bob.csr', 'bob.pem');
    const e = expectRefused(r, 'ERR_CERTIFICATES_ENROLMENT_BAD_SECRET', 'bob.pem');
    expect(e.message).toMatch(/\(1 wrong secret left\)$/);
    expect(r.stderr).not.toContain(alice.secret);
    expect(await show(bob.registrationId)).toMatchObject({ status: 'pending', attempts: 1 });
  });

  it('lockout after --max-attempts wrong secrets: then the right one is refused too (LOCKED)', async () => {
    env.TYPO = `${bob.secret.slice(0, -1)}${bob.secret.endsWith('0') ? '1' : '0'}`;
    const r = await semper(
      `ra enrol --dir ca --id ${bob.registrationId} --secret-in env:TYPO --in bob.csr --out bob.pem --passin env:CAPASS --json`,
    );
    expectRefused(r, 'ERR_CERTIFICATES_ENROLMENT_BAD_SECRET', 'bob.pem');
    expect(JSON.parse(r.stdout)).toMatchObject({
      enrolled: false,
      error: { code: 'ERR_CERTIFICATES_ENROLMENT_BAD_SECRET', message: expect.stringContaining('now locked') },
      attemptsRemaining: 0,
    });
    expectRefused(
      await enrol(bob.registrationId, 'SECRET_BOB', 'bob.csr', 'bob.pem'),
      'ERR_CERTIFICATES_ENROLMENT_LOCKED',
      'bob.pem',
    );
    expect(await show(bob.registrationId)).toMatchObject({ status: 'locked', attempts: 2 });
  });

  it('an operator lifts the lockout with ra renew: the old secret stops working, the new one enrols', async () => {
    const renewed = JSON.parse((await ok(`ra renew --dir ca --id ${bob.registrationId} --json`)).stdout) as Ticket;
    expect(renewed).toMatchObject({ status: 'pending', attempts: 0 });
    env.SECRET_BOB2 = renewed.secret;
    expectRefused(
      await enrol(bob.registrationId, 'SECRET_BOB', 'bob.csr', 'bob.pem'),
      'ERR_CERTIFICATES_ENROLMENT_BAD_SECRET',
      'bob.pem',
    );
    const r = await enrol(bob.registrationId, 'SECRET_BOB2', 'bob.csr', 'bob.pem');
    expect(r.code, r.stderr).toBe(0);
  });

  it('an expired registration: refused (EXPIRED), with the right secret', async () => {
    await new Promise((done) => setTimeout(done, Math.max(0, expiringAt + 1100 - Date.now())));
    await ok('req new --inkey larry.key --out larry.csr --subject', 'CN=Late Larry,O=Example');
    const r = await enrol(expiring.registrationId, 'SECRET_EXPIRING', 'larry.csr', 'larry.pem');
    expectRefused(r, 'ERR_CERTIFICATES_ENROLMENT_EXPIRED', 'larry.pem');
  });

  it('a request for another subject: refused (SUBJECT_MISMATCH); the registration stays usable', async () => {
    const carol = await register('CAROL', 'CN=Carol,O=Example');
    await ok('req new --inkey mallory.key --out mallory.csr --subject', 'CN=Mallory,O=Example');
    const e = expectRefused(
      await enrol(carol.registrationId, 'SECRET_CAROL', 'mallory.csr', 'carol.pem'),
      'ERR_CERTIFICATES_SUBJECT_MISMATCH',
      'carol.pem',
    );
    expect(e.message).toContain("'CN=Mallory, O=Example'");
    // The right request with a wrong CA passphrase: an input error (2), and the registration is not used up.
    await ok('req new --inkey carol.key --out carol.csr --subject', 'CN=Carol,O=Example');
    const r = await enrol(carol.registrationId, 'SECRET_CAROL', 'carol.csr', 'carol.pem', 'WRONG');
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr).code).toBe('ERR_CERTIFICATES_CA_KEY_UNAVAILABLE');
    expect(await show(carol.registrationId)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('no misuse issued anything: the CA lists exactly the intermediate, alice and bob (after the renewal)', async () => {
    const { certificates } = await list();
    expect(certificates.map((c) => [c.subject, c.profile, c.caId]).sort()).toEqual([
      ['CN=Bob, O=Example', 'signing', 'intermediate'],
      ['CN=Example Issuing CA, O=Example', 'ca', 'root'],
      ['CN=alice, O=example', 'signing', 'intermediate'],
    ]);
    expect(certificates.find((c) => c.subject.startsWith('CN=alice'))?.registrationId).toBe(alice.registrationId);
  });

  it('usage: --secret-out - and an unknown registration (exit 2)', async () => {
    let r = await semper('ra register --dir ca --subject CN=X --profile signing --secret-out -');
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr).code).toBe('ERR_CLI_USAGE');
    r = await semper('ra show --dir ca --id reg_nope');
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr).code).toBe('ERR_CERTIFICATES_REGISTRATION_NOT_FOUND');
  });
});

describe('ca issue, revoke, crl', () => {
  let encSerial: string;

  it('issues from an openssl request (RSA, encryption profile): keyEncipherment, openssl smimeencrypt OK', async () => {
    await opensslOk(words('req -new -newkey rsa:2048 -nodes -keyout dave.key -out dave.csr -subj /CN=Dave/O=Example'), {
      cwd: s.dir,
    });
    const r = await ok(
      'ca issue --dir ca --in dave.csr --profile encryption --out dave.pem --days 30 --chain --json --passin env:CAPASS',
    );
    const issued = JSON.parse(r.stdout) as { serialNumber: string; profile: string; caId: string };
    expect(issued).toMatchObject({ profile: 'encryption', caId: 'intermediate' });
    encSerial = issued.serialNumber;
    const text = await ossl('x509 -in dave.pem -noout -text');
    expect(text).toMatch(/Key Encipherment/);
    expect(text).not.toMatch(/Digital Signature/);
    expect((await s.read('dave.pem')).toString().match(/BEGIN CERTIFICATE/g)).toHaveLength(2); // --chain
    expect(await ossl('verify -CAfile ca/root.pem -untrusted ca/intermediate.pem -purpose smimeencrypt dave.pem')).toBe(
      'dave.pem: OK\n',
    );
  });

  it('refuses a request without proof of possession (exit 2) before opening the CA', async () => {
    const der = Buffer.from(await opensslOk(words('req -in dave.csr -outform DER'), { cwd: s.dir }));
    der[der.length - 3] ^= 0x01; // inside the signature
    await s.write('forged.csr', der);
    const r = await semper('ca issue --dir ca --in forged.csr --profile signing --out forged.pem --passin env:CAPASS');
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr).code).toMatch(/^ERR_CERTIFICATES_(POP_FAILED|MALFORMED)$/);
    expect(existsSync(s.path('forged.pem'))).toBe(false);
  });

  it('revokes; the CRLs are accepted by openssl verify -crl_check / -crl_check_all and by semper', async () => {
    const serial = (await ossl('x509 -in alice.pem -noout -serial')).trim(); // serial=…, as openssl prints it
    const r = await ok(`ca revoke --dir ca --serial ${serial} --reason keyCompromise --json`);
    expect(JSON.parse(r.stdout)).toMatchObject({ caId: 'intermediate', reason: 'keyCompromise' });
    const again = await semper(`ca revoke --dir ca --serial ${serial} --reason superseded`);
    expect(again.code).toBe(2);
    expect(errorLine(again.stderr).code).toBe('ERR_CERTIFICATES_ALREADY_REVOKED');
    const crl = JSON.parse((await ok('ca crl --dir ca --out ca.crl --all --days 2 --json --passin env:CAPASS')).stdout);
    expect(crl.map((c: { caId: string; revoked: number }) => [c.caId, c.revoked])).toEqual([
      ['root', 0],
      ['intermediate', 1],
    ]);
    // openssl crl reads the first CRL of a file: the intermediate's is the second.
    const blocks = (await s.read('ca.crl')).toString().match(/-----BEGIN X509 CRL-----[^-]+-----END X509 CRL-----\n/g);
    expect(blocks).toHaveLength(2);
    await s.write('intermediate.crl', blocks?.[1] ?? '');
    const text = await ossl('crl -in intermediate.crl -noout -text -CAfile ca/intermediate.pem');
    expect(text).toContain(serial.replace('serial=', ''));
    expect(text).toContain('Key Compromise');
    const base = '-CAfile ca/root.pem -untrusted ca/intermediate.pem -CRLfile ca.crl';
    const revoked = await openssl(words(`verify -crl_check ${base} alice.pem`), { cwd: s.dir });
    expect(revoked.code).not.toBe(0);
    expect(`${revoked.stdout}${revoked.stderr}`).toMatch(/certificate revoked/);
    expect(await ossl(`verify -crl_check_all ${base} dave.pem`)).toBe('dave.pem: OK\n');
    const v = await semper(
      'cert verify alice.pem --CAfile ca/root.pem --untrusted ca/intermediate.pem --CRLfile ca.crl',
    );
    expect(v.code).toBe(1);
    expect(errorLine(v.stderr).message).toMatch(/^REVOKED: /);
    await ok(
      'cert verify dave.pem --CAfile ca/root.pem --untrusted ca/intermediate.pem --CRLfile ca.crl --crl-check-all',
    );
    const listed = await list();
    expect(listed.certificates.find((c) => c.serialNumber === encSerial)?.revocation).toBeNull();
    expect(listed.certificates.filter((c) => c.revocation !== null).map((c) => c.subject)).toEqual([
      'CN=alice, O=example',
    ]);
  });

  it('a wrong CA passphrase: exit 2, no CRL, the passphrase not echoed', async () => {
    const r = await semper('ca crl --dir ca --out x.crl --passin env:WRONG');
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toMatchObject({
      code: 'ERR_CERTIFICATES_CA_KEY_UNAVAILABLE',
      message: expect.stringContaining('wrong passphrase'),
    });
    expect(r.stderr).not.toContain(env.WRONG);
    expect(existsSync(s.path('x.crl'))).toBe(false);
  });
});
