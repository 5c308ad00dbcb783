// Certification paths made with openssl for `semper cert verify` against `openssl verify`: one per defect, in
// the manner of packages/certificates/src/validation/path-validation.openssl.test.ts (openssl req, x509 -req
// with an extensions section, ca -revoke / -gencrl), reduced to what the CLI's cases need.
import { opensslOk, type Scratch } from '../../../test/support/openssl.js';

const CONFIG = `
[req]
distinguished_name = dn
[dn]
[nc_dn]
O = semper
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ca_pathlen0]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ca_not_ca]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ca_nc]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
nameConstraints = critical,permitted;DNS:semper.example,permitted;email:semper.example,permitted;dirName:nc_dn
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf_ka]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyAgreement
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf_ke]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf_server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[san_ok]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:www.semper.example,email:alice@semper.example
[san_outside]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:www.evil.example
`;

function caConfig(name: string): string {
  return `[ca]
default_ca = CA_default
[CA_default]
database = ${name}.index
crlnumber = ${name}.crlnumber
certificate = ${name}.pem
private_key = ${name}.key
default_md = sha256
default_crl_days = 7
crl_extensions = crl_ext
[crl_ext]
authorityKeyIdentifier = keyid:always
`;
}

let serial = 0x1000;

async function key(s: Scratch, name: string, rsa: boolean): Promise<void> {
  const alg = rsa
    ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']
    : ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  await opensslOk(['genpkey', ...alg, '-out', `${name}.key`], { cwd: s.dir });
}

async function makeRoot(s: Scratch, name: string, subject: string): Promise<void> {
  await key(s, name, false);
  await opensslOk(
    [
      ...['req', '-x509', '-new', '-key', `${name}.key`, '-subj', subject, '-days', '3650'],
      ...['-config', 'chains.cnf', '-extensions', 'ca_ext', '-out', `${name}.pem`],
    ],
    { cwd: s.dir },
  );
}

/** `<name>.pem` (and `.key`) for `subject`, issued by `issuer` with the extensions of `section`. */
async function issue(
  s: Scratch,
  name: string,
  subject: string,
  issuer: string,
  section: string,
  o: { days?: number; rsa?: boolean; ca?: boolean } = {},
): Promise<void> {
  await key(s, name, o.rsa === true);
  await opensslOk(
    ['req', '-new', '-key', `${name}.key`, '-subj', subject, '-config', 'chains.cnf', '-out', `${name}.csr`],
    { cwd: s.dir },
  );
  await opensslOk(
    [
      ...['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`],
      ...['-set_serial', `0x${(serial++).toString(16)}`, '-days', String(o.days ?? 3650)],
      ...['-extfile', 'chains.cnf', '-extensions', section, '-out', `${name}.pem`],
    ],
    { cwd: s.dir },
  );
  if (o.ca) await makeCaDatabase(s, name);
}

async function makeCaDatabase(s: Scratch, name: string): Promise<void> {
  await s.write(`${name}.index`, '');
  await s.write(`${name}.crlnumber`, '1000\n');
  await s.write(`${name}.ca.cnf`, caConfig(name));
}

/**
 * Makes, in `s`: `root` (and `other`, trusted by nobody); `int` under `root` (a CA with a CRL database);
 * leaves under `int`: `leaf` (signing: digitalSignature, nonRepudiation, emailProtection; 30 days),
 * `leaf_revoked` (the same, revoked in `int.crl`), `leaf_ka` (EC, keyAgreement), `leaf_rsa_ke` (RSA,
 * keyEncipherment), `leaf_server` (serverAuth); `rogue` (named as `int`, under `other`) and `leaf_rogue`
 * under it; `int_not_ca` (CA:FALSE) and `leaf_not_ca`; `int_pl0` (pathlen 0) → `int_pl0_sub` →
 * `leaf_pl`; `int_nc` (name constraints semper.example, O=semper) with `nc_ok` and `nc_outside`. CRLs:
 * `int.crl` (revoking leaf_revoked), `root.crl` (empty), in PEM.
 */
export async function makeChains(s: Scratch): Promise<void> {
  await s.write('chains.cnf', CONFIG);
  await Promise.all([makeRoot(s, 'root', '/CN=semper test root/O=semper'), makeRoot(s, 'other', '/CN=Other root')]);
  await makeCaDatabase(s, 'root');
  await Promise.all([
    issue(s, 'int', '/CN=semper intermediate/O=semper', 'root', 'ca_ext', { ca: true }),
    issue(s, 'int_pl0', '/CN=Pathlen 0 CA', 'root', 'ca_pathlen0'),
    issue(s, 'int_not_ca', '/CN=Not a CA', 'root', 'ca_not_ca'),
    issue(s, 'int_nc', '/CN=Constrained CA', 'root', 'ca_nc'),
    issue(s, 'rogue', '/CN=semper intermediate/O=semper', 'other', 'ca_ext'),
  ]);
  await issue(s, 'int_pl0_sub', '/CN=Below pathlen 0', 'int_pl0', 'ca_ext');
  await Promise.all([
    issue(s, 'leaf', '/CN=Alice/O=semper', 'int', 'leaf', { days: 30 }),
    issue(s, 'leaf_revoked', '/CN=Revoked Bob/O=semper', 'int', 'leaf', { days: 30 }),
    issue(s, 'leaf_ka', '/CN=EC key agreement', 'int', 'leaf_ka', { days: 30 }),
    issue(s, 'leaf_rsa_ke', '/CN=RSA key transport', 'int', 'leaf_ke', { days: 30, rsa: true }),
    issue(s, 'leaf_server', '/CN=Server', 'int', 'leaf_server', { days: 30 }),
    issue(s, 'leaf_rogue', '/CN=Forged', 'rogue', 'leaf', { days: 30 }),
    issue(s, 'leaf_not_ca', '/CN=Under a non-CA', 'int_not_ca', 'leaf', { days: 30 }),
    issue(s, 'leaf_pl', '/CN=Too deep', 'int_pl0_sub', 'leaf', { days: 30 }),
    issue(s, 'nc_ok', '/O=semper/CN=Inside', 'int_nc', 'san_ok', { days: 30 }),
    issue(s, 'nc_outside', '/O=semper/CN=Outside DNS', 'int_nc', 'san_outside', { days: 30 }),
  ]);
  await opensslOk(['ca', '-config', 'int.ca.cnf', '-revoke', 'leaf_revoked.pem', '-crl_reason', 'keyCompromise'], {
    cwd: s.dir,
  });
  await Promise.all([
    opensslOk(['ca', '-config', 'int.ca.cnf', '-gencrl', '-out', 'int.crl'], { cwd: s.dir }),
    opensslOk(['ca', '-config', 'root.ca.cnf', '-gencrl', '-out', 'root.crl'], { cwd: s.dir }),
  ]);
}
