// `semper cert verify` against `openssl verify` on chains openssl made, one per defect: both verdicts are
// asserted in every case (and the one deliberate difference, EC keys for encryption, is shown as such).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, type Scratch, scratch } from '../../../test/support/openssl.js';
import { makeChains } from './chains.test-util.js';
import { errorLine, run } from './run.test-util.js';

const DAY = 86_400;
let s: Scratch;
let now: number;

interface Case {
  readonly leaf: string;
  readonly anchor?: string;
  readonly untrusted?: readonly string[];
  readonly crls?: readonly string[];
  readonly crl?: 'leaf' | 'chain';
  /** Seconds from now. */
  readonly at?: number;
  readonly purpose?: 'sign' | 'encrypt';
}

/** semper's `--purpose` and openssl's `-purpose`. */
const OPENSSL_PURPOSE = { sign: 'smimesign', encrypt: 'smimeencrypt' } as const;

async function semperVerdict(c: Case): Promise<{ code: number; failure: string }> {
  const args = ['cert', 'verify', `${c.leaf}.pem`, '--CAfile', `${c.anchor ?? 'root'}.pem`];
  for (const u of c.untrusted ?? []) args.push('--untrusted', `${u}.pem`);
  for (const crl of c.crls ?? []) args.push('--CRLfile', `${crl}.crl`);
  if (c.crl) args.push(c.crl === 'chain' ? '--crl-check-all' : '--crl-check');
  if (c.at !== undefined) args.push('--attime', String(now + c.at));
  if (c.purpose) args.push('--purpose', c.purpose);
  const r = await run(args, { cwd: s.dir });
  if (r.code === 0) {
    expect(r.stdout).toMatch(new RegExp(`^${c.leaf}\\.pem: OK\\n`));
    expect(r.stderr).toBe('');
    return { code: 0, failure: 'VALID' };
  }
  const e = errorLine(r.stderr);
  expect(e.code).toBe('ERR_CERTIFICATES_PATH_INVALID');
  return { code: r.code, failure: e.message.split(':')[0] };
}

async function opensslVerdict(c: Case): Promise<{ valid: boolean; detail: string }> {
  const args = ['verify', '-CAfile', `${c.anchor ?? 'root'}.pem`];
  for (const u of c.untrusted ?? []) args.push('-untrusted', `${u}.pem`);
  if (c.crl) args.push(c.crl === 'chain' ? '-crl_check_all' : '-crl_check');
  for (const crl of c.crls ?? []) args.push('-CRLfile', `${crl}.crl`);
  if (c.at !== undefined) args.push('-attime', String(now + c.at));
  if (c.purpose) args.push('-purpose', OPENSSL_PURPOSE[c.purpose]);
  args.push(`${c.leaf}.pem`);
  const r = await openssl(args, { cwd: s.dir });
  const out = `${r.stdout.toString()}${r.stderr}`;
  return {
    valid: r.code === 0 && /: OK\s*$/.test(out),
    detail: out.split('\n').find((l) => /error \d+/.test(l)) ?? out.trim(),
  };
}

/** Both verdicts: valid for both, or invalid for both with semper's failure code and openssl's error. */
async function agree(c: Case, expected: 'VALID' | { semper: string; openssl: RegExp }): Promise<void> {
  const [m, o] = await Promise.all([semperVerdict(c), opensslVerdict(c)]);
  if (expected === 'VALID') {
    expect(o, 'openssl').toMatchObject({ valid: true });
    expect(m, 'semper').toEqual({ code: 0, failure: 'VALID' });
  } else {
    expect(o.valid, `openssl: ${o.detail}`).toBe(false);
    expect(o.detail).toMatch(expected.openssl);
    expect(m, 'semper').toEqual({ code: 1, failure: expected.semper });
  }
}

beforeAll(async () => {
  s = await scratch('semper-cli-cert-');
  await makeChains(s);
  now = Math.floor(Date.now() / 1000) + 1; // after every certificate and CRL was made
}, 120_000);
afterAll(async () => {
  await s?.dispose();
});

const chain = { untrusted: ['int'] };

describe('semper cert verify agrees with openssl verify', () => {
  it('a valid chain; an untrusted root; a missing intermediate', async () => {
    await agree({ leaf: 'leaf', ...chain }, 'VALID');
    await agree(
      { leaf: 'leaf', ...chain, anchor: 'other' },
      { semper: 'NO_ISSUER', openssl: /unable to get (local )?issuer certificate/ },
    );
    await agree({ leaf: 'leaf' }, { semper: 'NO_ISSUER', openssl: /unable to get local issuer certificate/ });
  });

  it('expired, not yet valid (--attime)', async () => {
    await agree({ leaf: 'leaf', ...chain, at: 40 * DAY }, { semper: 'EXPIRED', openssl: /certificate has expired/ });
    await agree({ leaf: 'leaf', ...chain, at: -DAY }, { semper: 'NOT_YET_VALID', openssl: /not yet valid/ });
    await agree({ leaf: 'leaf', ...chain, at: 29 * DAY }, 'VALID');
  });

  it('the wrong issuer: a CA of the same name with another key', async () => {
    await agree(
      { leaf: 'leaf_rogue', untrusted: ['int', 'rogue'] },
      { semper: 'NO_ISSUER', openssl: /unable to get local issuer certificate/ },
    );
  });

  it('the CA flag missing in an issuer', async () => {
    await agree(
      { leaf: 'leaf_not_ca', untrusted: ['int_not_ca'] },
      { semper: 'NOT_A_CA', openssl: /invalid CA certificate/ },
    );
  });

  it('the path length exceeded', async () => {
    await agree(
      { leaf: 'leaf_pl', untrusted: ['int_pl0', 'int_pl0_sub'] },
      { semper: 'PATH_LENGTH_EXCEEDED', openssl: /path length constraint exceeded/ },
    );
  });

  it('the key usage wrong for --purpose sign / encrypt (openssl smimesign / smimeencrypt)', async () => {
    const unsuitable = /error 26 .*(unsuitable|unsupported) certificate purpose/;
    await agree({ leaf: 'leaf', ...chain, purpose: 'sign' }, 'VALID');
    await agree({ leaf: 'leaf_rsa_ke', ...chain, purpose: 'sign' }, { semper: 'KEY_USAGE', openssl: unsuitable });
    await agree({ leaf: 'leaf', ...chain, purpose: 'encrypt' }, { semper: 'KEY_USAGE', openssl: unsuitable });
    await agree({ leaf: 'leaf_rsa_ke', ...chain, purpose: 'encrypt' }, 'VALID'); // RSA key transport
  });

  it('an EC key agreement leaf for --purpose encrypt: semper accepts it (RFC 5480), openssl does not', async () => {
    const c: Case = { leaf: 'leaf_ka', ...chain, purpose: 'encrypt' };
    const [m, o] = await Promise.all([semperVerdict(c), opensslVerdict(c)]);
    expect(m).toEqual({ code: 0, failure: 'VALID' });
    expect(o.valid).toBe(false);
    expect(o.detail).toMatch(/error 26 .*(unsuitable|unsupported) certificate purpose/);
  });

  it('the extended key usage wrong: a serverAuth leaf for S/MIME signing', async () => {
    await agree(
      { leaf: 'leaf_server', ...chain, purpose: 'sign' },
      { semper: 'EXTENDED_KEY_USAGE', openssl: /error 26 .*(unsuitable|unsupported) certificate purpose/ },
    );
    await agree({ leaf: 'leaf_server', ...chain }, 'VALID'); // no purpose asked: no extended key usage checked
  });

  it('name constraints: inside, and a dNSName outside the permitted subtree', async () => {
    await agree({ leaf: 'nc_ok', untrusted: ['int_nc'] }, 'VALID');
    await agree(
      { leaf: 'nc_outside', untrusted: ['int_nc'] },
      { semper: 'NAME_CONSTRAINTS', openssl: /permitted subtree violation/ },
    );
  });

  it('revoked by a CRL (--CRLfile, --crl-check), not revoked, no CRL', async () => {
    await agree(
      { leaf: 'leaf_revoked', ...chain, crl: 'leaf', crls: ['int'] },
      { semper: 'REVOKED', openssl: /certificate revoked/ },
    );
    await agree({ leaf: 'leaf', ...chain, crl: 'leaf', crls: ['int'] }, 'VALID');
    await agree(
      { leaf: 'leaf', ...chain, crl: 'leaf' },
      { semper: 'CRL_UNAVAILABLE', openssl: /unable to get certificate CRL/ },
    );
    await agree(
      { leaf: 'leaf', ...chain, crl: 'leaf', crls: ['int'], at: 8 * DAY },
      { semper: 'CRL_EXPIRED', openssl: /CRL has expired/ },
    );
  });

  it('the whole path (--crl-check-all): every CRL needed', async () => {
    await agree({ leaf: 'leaf', ...chain, crl: 'chain', crls: ['int', 'root'] }, 'VALID');
    await agree(
      { leaf: 'leaf', ...chain, crl: 'chain', crls: ['int'] },
      { semper: 'CRL_UNAVAILABLE', openssl: /unable to get certificate CRL/ },
    );
  });
});

describe('semper cert verify: output and input errors', () => {
  it('--json: the path on success; the failure code and reason on failure (exit 1)', async () => {
    let r = await run(['cert', 'verify', 'leaf.pem', '--CAfile', 'root.pem', '--untrusted', 'int.pem', '--json'], {
      cwd: s.dir,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      valid: true,
      subject: 'CN=Alice, O=semper',
      chain: ['CN=Alice, O=semper', 'CN=semper intermediate, O=semper', 'CN=semper test root, O=semper'],
      revocation: 'none',
    });
    r = await run(['cert', 'verify', 'leaf_revoked.pem', '--CAfile', 'root.pem', '--untrusted', 'int.pem'], {
      cwd: s.dir,
    });
    expect(r.code).toBe(0); // a CRL is checked only when given (or asked for)
    r = await run(
      [
        'cert',
        'verify',
        'leaf_revoked.pem',
        '--CAfile',
        'root.pem',
        '--untrusted',
        'int.pem',
        '--CRLfile',
        'int.crl',
        '--json',
      ],
      { cwd: s.dir },
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      valid: false,
      error: { code: 'ERR_CERTIFICATES_PATH_INVALID', message: expect.stringMatching(/^REVOKED: /) },
      failure: { code: 'REVOKED', certificate: 'CN=Revoked Bob, O=semper' },
    });
    expect(errorLine(r.stderr).message).toMatch(/^REVOKED: .*keyCompromise/);
  });

  it('a file that is not a certificate, a CRL file that is not a CRL, an unknown --eku: exit 2', async () => {
    await s.write('junk.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const cases: [string[], string][] = [
      [['junk.pem', '--CAfile', 'root.pem'], 'ERR_CRYPTO_MALFORMED'],
      [['leaf.pem', '--CAfile', 'missing.pem'], 'ERR_CLI_READ'],
      [['leaf.pem', '--CAfile', 'root.pem', '--CRLfile', 'leaf.pem'], 'ERR_CERTIFICATES_MALFORMED'],
      [
        ['leaf.pem', '--CAfile', 'root.pem', '--untrusted', 'int.pem', '--eku', 'nonsense'],
        'ERR_CERTIFICATES_INVALID_ARGUMENT',
      ],
    ];
    for (const [args, code] of cases) {
      const r = await run(['cert', 'verify', ...args], { cwd: s.dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(errorLine(r.stderr).code).toBe(code);
    }
  });
});
