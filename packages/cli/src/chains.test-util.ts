// Certification paths made with openssl for `semper cert verify` against `openssl verify`: one per defect, in
// the manner of packages/certificates/src/validation/path-validation.openssl.test.ts (openssl req, x509 -req
// with an extensions section, ca -revoke / -gencrl), reduced to what the CLI's cases need.
import { opensslOk, type Scratch } from '../../../test/support/openssl.js';
import { OPENSSL_CA_SECTIONS, OpensslCa } from '../../../test/support/openssl-ca.js';

const CONFIG = `${OPENSSL_CA_SECTIONS}[ca_nc]
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
  const ca = await OpensslCa.create(s, CONFIG, 'chains.cnf');
  await Promise.all([ca.root('root', '/CN=semper test root/O=semper'), ca.root('other', '/CN=Other root')]);
  await Promise.all([
    ca.issue('int', '/CN=semper intermediate/O=semper', 'root', 'ca_ext', { ca: true }),
    ca.issue('int_pl0', '/CN=Pathlen 0 CA', 'root', 'ca_pathlen0'),
    ca.issue('int_not_ca', '/CN=Not a CA', 'root', 'ca_not_ca'),
    ca.issue('int_nc', '/CN=Constrained CA', 'root', 'ca_nc'),
    ca.issue('rogue', '/CN=semper intermediate/O=semper', 'other', 'ca_ext'),
  ]);
  await ca.issue('int_pl0_sub', '/CN=Below pathlen 0', 'int_pl0', 'ca_ext');
  await Promise.all([
    ca.issue('leaf', '/CN=Alice/O=semper', 'int', 'leaf', { days: 30 }),
    ca.issue('leaf_revoked', '/CN=Revoked Bob/O=semper', 'int', 'leaf', { days: 30 }),
    ca.issue('leaf_ka', '/CN=EC key agreement', 'int', 'leaf_ka', { days: 30 }),
    ca.issue('leaf_rsa_ke', '/CN=RSA key transport', 'int', 'leaf_ke', { days: 30, rsa: true }),
    ca.issue('leaf_server', '/CN=Server', 'int', 'leaf_server', { days: 30 }),
    ca.issue('leaf_rogue', '/CN=Forged', 'rogue', 'leaf', { days: 30 }),
    ca.issue('leaf_not_ca', '/CN=Under a non-CA', 'int_not_ca', 'leaf', { days: 30 }),
    ca.issue('leaf_pl', '/CN=Too deep', 'int_pl0_sub', 'leaf', { days: 30 }),
    ca.issue('nc_ok', '/O=semper/CN=Inside', 'int_nc', 'san_ok', { days: 30 }),
    ca.issue('nc_outside', '/O=semper/CN=Outside DNS', 'int_nc', 'san_outside', { days: 30 }),
  ]);
  await opensslOk(['ca', '-config', 'int.ca.cnf', '-revoke', 'leaf_revoked.pem', '-crl_reason', 'keyCompromise'], {
    cwd: s.dir,
  });
  await Promise.all([
    opensslOk(['ca', '-config', 'int.ca.cnf', '-gencrl', '-out', 'int.crl'], { cwd: s.dir }),
    opensslOk(['ca', '-config', 'root.ca.cnf', '-gencrl', '-out', 'root.crl'], { cwd: s.dir }),
  ]);
}
