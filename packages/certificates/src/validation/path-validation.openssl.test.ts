// Path validation and CRLs against OpenSSL 3.0, the interoperability oracle. Every chain and CRL here is
// made by `openssl req`, `openssl x509 -req` and `openssl ca` (one scratch folder, made once in beforeAll);
// for each defect the verdict of semper's PathValidator must equal that of `openssl verify -CAfile …
// -untrusted … [-crl_check[_all] -CRLfile …] [-attime …] [-purpose …]`, and both are asserted. CRLs go both
// ways: OpenSSL's (`openssl ca -gencrl`) are read by semper, semper's (`issueCrl`) by `openssl crl` and used
// by `openssl verify -crl_check`.
import { readFile } from 'node:fs/promises';
import { Certificate, PrivateKey } from '@semper/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, opensslOk, type Scratch, scratch } from '../../../../test/support/openssl.js';
import { OPENSSL_CA_SECTIONS, OpensslCa } from '../../../../test/support/openssl-ca.js';
import { CertificateRevocationList, issueCrl } from '../crl.js';
import { type PathValidationOptions, PathValidator } from './path-validator.js';

const DAY = 86_400;
let s: Scratch;
let now: number; // seconds

const CONFIG = `${OPENSSL_CA_SECTIONS}[ca_no_keycertsign]
basicConstraints = critical,CA:TRUE
keyUsage = critical,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ca_eku_email]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ca_nc]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
nameConstraints = critical,permitted;DNS:semper.example,excluded;DNS:secret.semper.example,permitted;email:semper.example,permitted;email:.semper.example,permitted;IP:10.0.0.0/255.0.0.0,permitted;dirName:nc_dn
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyAgreement
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf_enc]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf_server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf_client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf_crit]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
1.3.6.1.4.1.55738.666.1 = critical,ASN1:NULL
[leaf_no_aki]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = none
[san_ok]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:www.semper.example,email:alice@semper.example,email:bob@mail.semper.example,IP:10.1.2.3
[san_dns_outside]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:www.evil.example
[san_dns_excluded]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:secret.semper.example
[san_ip_outside]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = IP:192.168.1.1
[san_email_outside]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:carol@evil.example
`;

const certs = new Map<string, Certificate>();
let ca: OpensslCa;
const root = (name: string, subject: string) => ca.root(name, subject);
const issue = (name: string, subject: string, issuer: string, section: string, days = 3650, o: { ca?: boolean } = {}) =>
  ca.issue(name, subject, issuer, section, { days, ...(o.ca ? { ca: true, crlNumber: 2000 } : {}) });

async function cert(name: string): Promise<Certificate> {
  let c = certs.get(name);
  if (c === undefined) {
    [c] = Certificate.fromPem(await readFile(s.path(`${name}.pem`), 'utf8'));
    certs.set(name, c);
  }
  return c;
}

interface Case {
  readonly leaf: string;
  readonly anchors?: readonly string[];
  readonly intermediates?: readonly string[];
  readonly crls?: readonly string[];
  /** -crl_check (leaf) or -crl_check_all (chain). */
  readonly revocation?: 'leaf' | 'chain';
  /** Seconds from now. */
  readonly at?: number;
  /** OpenSSL -purpose, and what semper is asked for instead. */
  readonly purpose?: { readonly openssl: string; readonly semper: PathValidationOptions };
  readonly strict?: boolean;
}

/** OpenSSL's verdict: exit 0 and "OK", or the error line. */
async function opensslVerdict(c: Case): Promise<{ valid: boolean; detail: string }> {
  const args = ['verify', '-CAfile', `${(c.anchors ?? ['root'])[0]}.pem`];
  for (const i of c.intermediates ?? []) args.push('-untrusted', `${i}.pem`);
  if (c.revocation) args.push(c.revocation === 'chain' ? '-crl_check_all' : '-crl_check');
  for (const crl of c.crls ?? []) args.push('-CRLfile', `${crl}.crl`);
  if (c.at !== undefined) args.push('-attime', String(now + c.at));
  if (c.purpose) args.push('-purpose', c.purpose.openssl);
  args.push(`${c.leaf}.pem`);
  const r = await openssl(args, { cwd: s.dir });
  const out = `${r.stdout.toString()}${r.stderr}`;
  return {
    valid: r.code === 0 && /: OK\s*$/.test(out),
    detail: out.split('\n').find((l) => /error \d+/.test(l)) ?? out.trim(),
  };
}

async function semperVerdict(c: Case): Promise<{ valid: boolean; code: string }> {
  const anchors = await Promise.all((c.anchors ?? ['root']).map(cert));
  const crls = await Promise.all(
    (c.crls ?? []).map(async (n) => CertificateRevocationList.fromPem(await readFile(s.path(`${n}.crl`), 'utf8'))[0]),
  );
  const r = await new PathValidator(anchors).validate(await cert(c.leaf), {
    intermediates: await Promise.all((c.intermediates ?? []).map(cert)),
    crls,
    revocation: c.revocation ?? 'none',
    at: new Date((now + (c.at ?? 0)) * 1000),
    ...(c.strict === undefined ? {} : { strict: c.strict }),
    ...c.purpose?.semper,
  });
  return r.valid ? { valid: true, code: 'VALID' } : { valid: false, code: r.code };
}

/** Runs `c` through both and asserts both verdicts: valid, or invalid with the semper code and OpenSSL error. */
async function agree(c: Case, expected: 'VALID' | { semper: string; openssl: RegExp }): Promise<void> {
  const [o, m] = await Promise.all([opensslVerdict(c), semperVerdict(c)]);
  if (expected === 'VALID') {
    expect(o, 'openssl').toMatchObject({ valid: true });
    expect(m, 'semper').toEqual({ valid: true, code: 'VALID' });
  } else {
    expect(o.valid, `openssl: ${o.detail}`).toBe(false);
    expect(o.detail).toMatch(expected.openssl);
    expect(m).toEqual({ valid: false, code: expected.semper });
  }
  expect(m.valid).toBe(o.valid);
}

beforeAll(async () => {
  s = await scratch('semper-path-openssl-');
  ca = await OpensslCa.create(s, CONFIG);
  await Promise.all([root('root', '/CN=semper test root/O=semper'), root('other', '/CN=Other root')]);
  await Promise.all([
    issue('int', '/CN=semper intermediate/O=semper', 'root', 'ca_ext', 3650, { ca: true }),
    issue('int_pl0', '/CN=Pathlen 0 CA', 'root', 'ca_pathlen0'),
    issue('int_not_ca', '/CN=Not a CA', 'root', 'ca_not_ca'),
    issue('int_no_kcs', '/CN=No keyCertSign CA', 'root', 'ca_no_keycertsign'),
    issue('int_email', '/CN=Mail CA', 'root', 'ca_eku_email'),
    issue('int_nc', '/CN=Constrained CA', 'root', 'ca_nc'),
    // The same name as `int`, another key: a certificate it signs claims to come from `int`.
    issue('rogue', '/CN=semper intermediate/O=semper', 'other', 'ca_ext'),
  ]);
  await issue('int_pl0_sub', '/CN=Below pathlen 0', 'int_pl0', 'ca_ext');
  await Promise.all([
    issue('leaf', '/CN=Alice/O=semper', 'int', 'leaf', 30),
    issue('leaf_revoked', '/CN=Revoked Bob/O=semper', 'int', 'leaf', 30),
    issue('leaf_enc', '/CN=Encryption only', 'int', 'leaf_enc', 30),
    issue('leaf_server', '/CN=Server', 'int', 'leaf_server', 30),
    issue('leaf_client', '/CN=Client', 'int', 'leaf_client', 30),
    issue('leaf_crit', '/CN=Critical', 'int', 'leaf_crit', 30),
    issue('leaf_rogue', '/CN=Forged', 'rogue', 'leaf', 30),
    issue('leaf_rogue_noaki', '/CN=Forged no AKI', 'rogue', 'leaf_no_aki', 30),
    issue('leaf_pl', '/CN=Too deep', 'int_pl0_sub', 'leaf', 30),
    issue('leaf_not_ca', '/CN=Under a non-CA', 'int_not_ca', 'leaf', 30),
    issue('leaf_no_kcs', '/CN=Under no keyCertSign', 'int_no_kcs', 'leaf', 30),
    issue('leaf_email_ca', '/CN=Server under mail CA', 'int_email', 'leaf_server', 30),
    issue('nc_ok', '/O=semper/CN=Inside', 'int_nc', 'san_ok', 30),
    issue('nc_dns', '/O=semper/CN=Outside DNS', 'int_nc', 'san_dns_outside', 30),
    issue('nc_excluded', '/O=semper/CN=Excluded DNS', 'int_nc', 'san_dns_excluded', 30),
    issue('nc_ip', '/O=semper/CN=Outside IP', 'int_nc', 'san_ip_outside', 30),
    issue('nc_email', '/O=semper/CN=Outside email', 'int_nc', 'san_email_outside', 30),
    issue('nc_dn', '/O=other/CN=Outside DN', 'int_nc', 'san_ok', 30),
    issue('nc_dn_email', '/O=semper/CN=DN email/emailAddress=dave@evil.example', 'int_nc', 'san_ok', 30),
  ]);
  // CRLs: `int` revokes leaf_revoked; `root` issues one empty CRL and, separately, one revoking `int`.
  await opensslOk(['ca', '-config', 'int.ca.cnf', '-revoke', 'leaf_revoked.pem', '-crl_reason', 'keyCompromise'], {
    cwd: s.dir,
  });
  await opensslOk(['ca', '-config', 'int.ca.cnf', '-gencrl', '-out', 'int.crl'], { cwd: s.dir });
  await opensslOk(['ca', '-config', 'root.ca.cnf', '-gencrl', '-out', 'root.crl'], { cwd: s.dir });
  await opensslOk(['ca', '-config', 'root.ca.cnf', '-revoke', 'int.pem', '-crl_reason', 'cACompromise'], {
    cwd: s.dir,
  });
  await opensslOk(['ca', '-config', 'root.ca.cnf', '-gencrl', '-out', 'root_revoking_int.crl'], { cwd: s.dir });
  // The validation time of the cases: after every certificate and CRL was made (their validity starts then).
  now = Math.floor(Date.now() / 1000) + 1;
  // semper's CRL for `int`, revoking leaf_revoked (and an unrelated serial).
  const intKey = PrivateKey.fromPem(await readFile(s.path('int.key'), 'utf8'));
  const semperCrl = await issueCrl({
    issuer: { privateKey: intKey, certificate: await cert('int') },
    entries: [
      {
        serialNumber: (await cert('leaf_revoked')).serialNumber,
        revocationDate: new Date((now - 60) * 1000),
        reason: 'keyCompromise',
      },
      {
        serialNumber: '7fffffff',
        revocationDate: new Date((now - 60) * 1000),
        reason: 'superseded',
        invalidityDate: new Date((now - 3600) * 1000),
      },
    ],
    thisUpdate: new Date((now - 60) * 1000),
    nextUpdate: new Date((now + 7 * DAY) * 1000),
    crlNumber: 5n,
  });
  await s.write('semper.crl', semperCrl.toPem());
  await s.write('semper.crl.der', semperCrl.der);
}, 120_000);

afterAll(async () => {
  await s?.dispose();
});

const chain = { intermediates: ['int'] };

describe('path validation agrees with openssl verify', () => {
  it('a valid chain', async () => {
    await agree({ leaf: 'leaf', ...chain }, 'VALID');
  });

  it('an untrusted root, a missing intermediate', async () => {
    await agree(
      { leaf: 'leaf', ...chain, anchors: ['other'] },
      { semper: 'NO_ISSUER', openssl: /unable to get (local )?issuer certificate/ },
    );
    await agree({ leaf: 'leaf' }, { semper: 'NO_ISSUER', openssl: /unable to get local issuer certificate/ });
  });

  it('expired, not yet valid (-attime)', async () => {
    await agree({ leaf: 'leaf', ...chain, at: 40 * DAY }, { semper: 'EXPIRED', openssl: /certificate has expired/ });
    await agree(
      { leaf: 'leaf', ...chain, at: -DAY },
      { semper: 'NOT_YET_VALID', openssl: /certificate is not yet valid/ },
    );
    await agree({ leaf: 'leaf', ...chain, at: 29 * DAY }, 'VALID');
  });

  it('the wrong issuer: a CA of the same name with another key', async () => {
    // With an authority key identifier, neither finds an issuer; without one, the signature fails.
    await agree(
      { leaf: 'leaf_rogue', ...chain },
      { semper: 'NO_ISSUER', openssl: /unable to get local issuer certificate/ },
    );
    await agree(
      { leaf: 'leaf_rogue_noaki', ...chain, strict: false },
      { semper: 'BAD_SIGNATURE', openssl: /certificate signature failure/ },
    );
  });

  it('the CA flag missing, keyCertSign missing', async () => {
    await agree(
      { leaf: 'leaf_not_ca', intermediates: ['int_not_ca'] },
      { semper: 'NOT_A_CA', openssl: /invalid CA certificate/ },
    );
    await agree(
      { leaf: 'leaf_no_kcs', intermediates: ['int_no_kcs'], strict: false },
      { semper: 'KEY_USAGE', openssl: /invalid CA certificate|key usage does not include certificate signing/ },
    );
    // In strict mode semper names the profile rule (a CA whose keyUsage lacks keyCertSign) first.
    await agree(
      { leaf: 'leaf_no_kcs', intermediates: ['int_no_kcs'] },
      { semper: 'PROFILE_VIOLATION', openssl: /invalid CA certificate|key usage does not include certificate signing/ },
    );
  });

  it('the path length exceeded', async () => {
    await agree(
      { leaf: 'leaf_pl', intermediates: ['int_pl0', 'int_pl0_sub'] },
      { semper: 'PATH_LENGTH_EXCEEDED', openssl: /path length constraint exceeded/ },
    );
  });

  it('the key usage wrong for the purpose (-purpose smimesign / smimeencrypt)', async () => {
    const sign = { openssl: 'smimesign', semper: { purpose: 'sign' } as const };
    const encrypt = { openssl: 'smimeencrypt', semper: { purpose: 'encrypt' } as const };
    await agree(
      { leaf: 'leaf_enc', ...chain, purpose: sign },
      { semper: 'KEY_USAGE', openssl: /error 26 .*(unsuitable|unsupported) certificate purpose/ },
    );
    await agree({ leaf: 'leaf_enc', ...chain, purpose: encrypt }, 'VALID');
    await agree({ leaf: 'leaf', ...chain, purpose: sign }, 'VALID');
  });

  it('the extended key usage wrong, in the leaf or in a CA (-purpose sslserver)', async () => {
    const server = { openssl: 'sslserver', semper: { extendedKeyUsage: ['serverAuth'] } };
    await agree({ leaf: 'leaf_server', ...chain, purpose: server }, 'VALID');
    await agree(
      { leaf: 'leaf_client', ...chain, purpose: server },
      { semper: 'EXTENDED_KEY_USAGE', openssl: /error 26 .*(unsuitable|unsupported) certificate purpose/ },
    );
    await agree(
      { leaf: 'leaf_email_ca', intermediates: ['int_email'], purpose: server },
      { semper: 'EXTENDED_KEY_USAGE', openssl: /error 26 .*(unsuitable|unsupported) certificate purpose/ },
    );
  });

  it('name constraints: DNS, e-mail, IP, directory name, e-mail addresses in the subject DN', async () => {
    const nc = { intermediates: ['int_nc'] };
    await agree({ leaf: 'nc_ok', ...nc }, 'VALID');
    await agree({ leaf: 'nc_dns', ...nc }, { semper: 'NAME_CONSTRAINTS', openssl: /permitted subtree violation/ });
    await agree({ leaf: 'nc_excluded', ...nc }, { semper: 'NAME_CONSTRAINTS', openssl: /excluded subtree violation/ });
    await agree({ leaf: 'nc_ip', ...nc }, { semper: 'NAME_CONSTRAINTS', openssl: /permitted subtree violation/ });
    await agree({ leaf: 'nc_email', ...nc }, { semper: 'NAME_CONSTRAINTS', openssl: /permitted subtree violation/ });
    await agree({ leaf: 'nc_dn', ...nc }, { semper: 'NAME_CONSTRAINTS', openssl: /permitted subtree violation/ });
    await agree({ leaf: 'nc_dn_email', ...nc }, { semper: 'NAME_CONSTRAINTS', openssl: /permitted subtree violation/ });
  });

  it('an unknown critical extension', async () => {
    await agree(
      { leaf: 'leaf_crit', ...chain },
      { semper: 'UNKNOWN_CRITICAL_EXTENSION', openssl: /unhandled critical extension|unsupported/ },
    );
  });

  it('revoked by a CRL (-crl_check), not revoked, no CRL, a stale CRL', async () => {
    await agree(
      { leaf: 'leaf_revoked', ...chain, revocation: 'leaf', crls: ['int'] },
      { semper: 'REVOKED', openssl: /certificate revoked/ },
    );
    await agree({ leaf: 'leaf', ...chain, revocation: 'leaf', crls: ['int'] }, 'VALID');
    await agree(
      { leaf: 'leaf', ...chain, revocation: 'leaf' },
      { semper: 'CRL_UNAVAILABLE', openssl: /unable to get certificate CRL/ },
    );
    await agree(
      { leaf: 'leaf', ...chain, revocation: 'leaf', crls: ['int'], at: 8 * DAY },
      { semper: 'CRL_EXPIRED', openssl: /CRL has expired/ },
    );
  });

  it('the whole chain (-crl_check_all): every CRL needed, an intermediate revoked', async () => {
    await agree({ leaf: 'leaf', ...chain, revocation: 'chain', crls: ['int', 'root'] }, 'VALID');
    await agree(
      { leaf: 'leaf', ...chain, revocation: 'chain', crls: ['int'] },
      { semper: 'CRL_UNAVAILABLE', openssl: /unable to get certificate CRL/ },
    );
    await agree(
      { leaf: 'leaf', ...chain, revocation: 'chain', crls: ['int', 'root_revoking_int'] },
      { semper: 'REVOKED', openssl: /certificate revoked/ },
    );
  });
});

describe('CRLs between semper and OpenSSL', () => {
  it('semper reads the CRLs of openssl ca -gencrl', async () => {
    const [crl] = CertificateRevocationList.fromPem(await readFile(s.path('int.crl'), 'utf8'));
    const revoked = await cert('leaf_revoked');
    expect(crl.version).toBe(2);
    expect(crl.issuer).toBe((await cert('int')).subject);
    expect(crl.crlNumber).toBe(0x2000n);
    expect(crl.authorityKeyIdentifier).toEqual((await cert('int')).subjectKeyIdentifier);
    expect(crl.nextUpdate!.getTime() - crl.thisUpdate.getTime()).toBe(7 * DAY * 1000);
    expect(crl.entries).toHaveLength(1);
    expect(crl.entries[0].serialNumber).toBe(revoked.serialNumber);
    expect(crl.entries[0].reason).toBe('keyCompromise');
    expect(crl.isRevoked(revoked.serialDer)).toBe(true);
    expect(crl.isRevoked((await cert('leaf')).serialDer)).toBe(false);
    expect(await crl.verifySignature(await cert('int'))).toBe(true);
    expect(await crl.verifySignature(await cert('root'))).toBe(false);
    const [empty] = CertificateRevocationList.fromPem(await readFile(s.path('root.crl'), 'utf8'));
    expect(empty.entries).toEqual([]);
    expect(empty.crlNumber).toBe(0x1000n);
    const der = await opensslOk(['crl', '-in', 'int.crl', '-outform', 'DER'], { cwd: s.dir });
    expect(CertificateRevocationList.fromDer(der).der).toEqual(crl.der);
  });

  it("openssl crl reads and verifies semper's CRLs, PEM and DER", async () => {
    const text = (await opensslOk(['crl', '-in', 'semper.crl', '-noout', '-text'], { cwd: s.dir })).toString();
    expect(text).toContain('Version 2 (0x1)');
    expect(text).toContain('Issuer: CN = semper intermediate, O = semper');
    expect(text).toMatch(/X509v3 CRL Number:\s+5/);
    expect(text).toContain('X509v3 Authority Key Identifier');
    expect(text).toContain((await cert('leaf_revoked')).serialNumber.toUpperCase());
    expect(text).toContain('Key Compromise');
    expect(text).toContain('Superseded');
    expect(text).toContain('Invalidity Date');
    const der = (
      await opensslOk(['crl', '-inform', 'DER', '-in', 'semper.crl.der', '-noout', '-text'], { cwd: s.dir })
    ).toString();
    expect(der).toBe(text);
    const verified = await openssl(['crl', '-in', 'semper.crl', '-CAfile', 'int.pem', '-noout'], { cwd: s.dir });
    expect(verified.code).toBe(0);
    expect(verified.stderr).toMatch(/verify OK/);
    // A CA of the same name with another key: the signature does not verify.
    const wrongCa = await openssl(['crl', '-in', 'semper.crl', '-CAfile', 'rogue.pem', '-noout'], { cwd: s.dir });
    expect(wrongCa.stderr).toMatch(/verify failure/);
  });

  it("openssl verify -crl_check uses semper's CRL", async () => {
    await agree(
      { leaf: 'leaf_revoked', ...chain, revocation: 'leaf', crls: ['semper'] },
      { semper: 'REVOKED', openssl: /certificate revoked/ },
    );
    await agree({ leaf: 'leaf', ...chain, revocation: 'leaf', crls: ['semper'] }, 'VALID');
  });
});
