// Certification paths made with the openssl command line, for the tests that compare semper's verdicts with
// OpenSSL's: keys (`genpkey`), self-signed roots (`req -x509`), certificates issued with an extensions section
// of the caller's configuration (`req -new` + `x509 -req`), and CA databases for `openssl ca -revoke/-gencrl`.
import { opensslOk, type Scratch } from './openssl.js';

/**
 * The configuration sections every caller's file starts with: `[req]` (no prompts), `[nc_dn]` (O=semper, for
 * name constraints), and the CA profiles `ca_ext` (the roots'), `ca_pathlen0` and `ca_not_ca` (CA:FALSE).
 */
export const OPENSSL_CA_SECTIONS = `[req]
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
`;

/** The `openssl ca` configuration of CA `<name>` (its database, CRL number, certificate and key files). */
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

/**
 * Makes `<name>.key`, `<name>.pem` (and `<name>.ca.cnf` for CAs) in a scratch folder with the extension
 * sections of one configuration file.
 *
 * @example
 * ```ts
 * const ca = await OpensslCa.create(scratchDir, CONFIG);
 * await ca.root('root', '/CN=Test root');
 * await ca.issue('leaf', '/CN=Alice', 'root', 'leaf', { days: 30 });
 * ```
 */
export class OpensslCa {
  readonly #s: Scratch;
  readonly #config: string;
  #serial = 0x1000;

  private constructor(s: Scratch, configFile: string) {
    this.#s = s;
    this.#config = configFile;
  }

  /** Writes `config` (the `[req]` and extension sections) to `configFile` in `s`. */
  static async create(s: Scratch, config: string, configFile = 'openssl.cnf'): Promise<OpensslCa> {
    await s.write(configFile, config);
    return new OpensslCa(s, configFile);
  }

  /** `<name>.key`: EC P-256, or RSA 2048. */
  async key(name: string, rsa = false): Promise<void> {
    const alg = rsa
      ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']
      : ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
    await opensslOk(['genpkey', ...alg, '-out', `${name}.key`], { cwd: this.#s.dir });
  }

  /** A self-signed CA `<name>.pem` (extensions `ca_ext`, ten years) with its CA database. */
  async root(name: string, subject: string): Promise<void> {
    await this.key(name);
    await opensslOk(
      [
        ...['req', '-x509', '-new', '-key', `${name}.key`, '-subj', subject, '-days', '3650'],
        ...['-config', this.#config, '-extensions', 'ca_ext', '-out', `${name}.pem`],
      ],
      { cwd: this.#s.dir },
    );
    await this.database(name);
  }

  /** `<name>.pem` (and `.key`) for `subject`, issued by `issuer` with the extensions of `section`. */
  async issue(
    name: string,
    subject: string,
    issuer: string,
    section: string,
    o: { days?: number; rsa?: boolean; ca?: boolean; crlNumber?: number } = {},
  ): Promise<void> {
    await this.key(name, o.rsa === true);
    await opensslOk(
      ['req', '-new', '-key', `${name}.key`, '-subj', subject, '-config', this.#config, '-out', `${name}.csr`],
      { cwd: this.#s.dir },
    );
    await opensslOk(
      [
        ...['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`],
        ...['-set_serial', `0x${(this.#serial++).toString(16)}`, '-days', String(o.days ?? 3650)],
        ...['-extfile', this.#config, '-extensions', section, '-out', `${name}.pem`],
      ],
      { cwd: this.#s.dir },
    );
    if (o.ca) await this.database(name, o.crlNumber);
  }

  /** The `openssl ca` database of CA `<name>`: `<name>.index`, `.crlnumber`, `.ca.cnf`. */
  async database(name: string, crlNumber = 1000): Promise<void> {
    await this.#s.write(`${name}.index`, '');
    await this.#s.write(`${name}.crlnumber`, `${crlNumber}\n`);
    await this.#s.write(`${name}.ca.cnf`, caConfig(name));
  }
}
