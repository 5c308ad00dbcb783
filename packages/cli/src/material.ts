import type { CertificateRevocationList, CertificationRequest } from '@semper/certificates';
import {
  Certificate,
  decryptPrivateKey,
  fromPem,
  type Identity,
  PrivateKey,
  toPem,
  unpackIdentity,
} from '@semper/crypto';
import { annotated, CliError } from './errors.js';
import { type CliIo, readInput } from './files.js';
import { getPassphrase } from './passphrase.js';

/** PEM labels accepted for CMS input (openssl writes `CMS`; older tools `PKCS7`). */
const CMS_LABELS = new Set(['CMS', 'PKCS7']);

/** How a CMS input or output is encoded. */
export type CmsForm = 'DER' | 'PEM';

const utf8 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

/** Whether `bytes` look like PEM text (a `-----BEGIN ` line after optional white space); DER never does. */
export function looksLikePem(bytes: Uint8Array): boolean {
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return utf8(bytes.subarray(i, i + 11)) === '-----BEGIN ';
}

/**
 * Turns a CMS input into DER: PEM (`-----BEGIN CMS-----` or `PKCS7`) when `form` is `PEM`, or when no form
 * is given and the input is PEM text; DER otherwise. The DER itself is checked by the crypto engine.
 */
export async function decodeCms(bytes: Uint8Array, name: string, form?: CmsForm): Promise<Uint8Array> {
  if (form === 'DER' || (form === undefined && !looksLikePem(bytes))) return bytes;
  const blocks = await annotated(name, () => fromPem(utf8(bytes)));
  const block = blocks.find((b) => CMS_LABELS.has(b.label));
  if (block === undefined) {
    throw new CliError('ERR_CLI_BAD_INPUT', `${name === '-' ? 'stdin' : name}: no "CMS" or "PKCS7" PEM block`);
  }
  return block.der;
}

/** Reads a CMS input (DER or PEM as `form` says, or detected). */
export async function readCms(io: CliIo, name: string, form: CmsForm | undefined): Promise<Uint8Array> {
  return decodeCms(await readInput(io, name), name, form);
}

/** Encodes a DER CMS output as asked: DER bytes, or PEM text with the `CMS` label (as openssl writes). */
export function encodeCms(der: Uint8Array, form: CmsForm): string | Uint8Array {
  return form === 'PEM' ? toPem('CMS', der) : der;
}

/**
 * Reads every certificate of a file: PEM (every `CERTIFICATE` block, in order) or one DER certificate.
 *
 * @throws {@link CliError} `ERR_CLI_BAD_INPUT` when the file holds none; the crypto engine's errors on bad input.
 */
export async function loadCertificates(io: CliIo, name: string): Promise<Certificate[]> {
  const bytes = await readInput(io, name);
  const certs = await annotated(name, () =>
    looksLikePem(bytes) ? Certificate.fromPem(utf8(bytes)) : [Certificate.fromDer(bytes)],
  );
  if (certs.length === 0) throw new CliError('ERR_CLI_BAD_INPUT', `${name}: no certificate`);
  return certs;
}

/** Reads the one certificate of a file (a recipient). */
export async function loadCertificate(io: CliIo, name: string): Promise<Certificate> {
  const certs = await loadCertificates(io, name);
  if (certs.length > 1) {
    throw new CliError('ERR_CLI_BAD_INPUT', `${name}: holds ${certs.length} certificates, expected one`);
  }
  return certs[0];
}

/** Whether `privateKey` is the private half of `certificate`'s public key. */
export function keyMatchesCertificate(privateKey: PrivateKey, certificate: Certificate): boolean {
  try {
    return privateKey.publicKey().equals(certificate.publicKey);
  } catch {
    return false;
  }
}

/** An identity from its parts; its chain is the certificate followed by its intermediates. */
export function makeIdentity(
  privateKey: PrivateKey,
  certificate: Certificate,
  intermediates: readonly Certificate[],
): Identity {
  return { privateKey, certificate, chain: [certificate, ...intermediates] };
}

/** The certificates of an identity's chain other than its own certificate. */
export function intermediatesOf(identity: Identity): Certificate[] {
  return identity.chain.filter((c) => !sameCert(c, identity.certificate));
}

/** What {@link loadIdentity} reads. */
export interface IdentityFiles {
  /** The private key: PKCS#8, SEC1 or PKCS#1 PEM, DER PKCS#8, or a protected key / packed identity (`identity pack`). */
  readonly keyFile: string;
  /** The certificate (and, after it, intermediates). Optional when `keyFile` holds certificates. */
  readonly certFile?: string;
  /** More intermediate certificates. */
  readonly chainFile?: string;
  /** Passphrase source for a protected key (`--passin`). */
  readonly passin?: string;
  /** The flag that names the certificate, for messages (`--signer`, `--recip`, `--cert`). */
  readonly certFlag: string;
}

/**
 * Loads a private key and its certificate into an {@link Identity}. A protected key (`ENCRYPTED PRIVATE KEY`,
 * as `semper identity pack` writes) is opened with the passphrase from `passin`, or asked on the terminal.
 * When no certificate file is given, the certificates in the key file are used (a packed identity).
 *
 * @throws {@link CliError} `ERR_CLI_USAGE` (no certificate anywhere), `ERR_CLI_KEY_MISMATCH`, and the crypto
 * engine's errors (`ERR_CRYPTO_MALFORMED`, `ERR_CRYPTO_BAD_PASSPHRASE`, …) with the file name in the message.
 */
export async function loadIdentity(io: CliIo, files: IdentityFiles): Promise<Identity> {
  const keyBytes = await readInput(io, files.keyFile);
  const certs = files.certFile === undefined ? [] : await loadCertificates(io, files.certFile);
  const extra = files.chainFile === undefined ? [] : await loadCertificates(io, files.chainFile);
  const noCert = (): CliError =>
    new CliError('ERR_CLI_USAGE', `${files.certFlag} is required: ${files.keyFile} holds no certificate`);

  if (!looksLikePem(keyBytes)) {
    const privateKey = await annotated(files.keyFile, () => PrivateKey.fromPkcs8(keyBytes));
    if (certs.length === 0) throw noCert();
    return checked(privateKey, certs, extra, files);
  }

  const text = utf8(keyBytes);
  const blocks = await annotated(files.keyFile, () => fromPem(text));
  const embedded = blocks.filter((b) => b.label === 'CERTIFICATE');
  const encrypted = blocks.find((b) => b.label === 'ENCRYPTED PRIVATE KEY');
  if (encrypted !== undefined) {
    const certPems = certs.length > 0 ? certs.map((c) => c.toPem()) : embedded.map((b) => toPem('CERTIFICATE', b.der));
    if (certPems.length === 0) throw noCert();
    const passphrase = await getPassphrase(io, files.passin, `Enter pass phrase for ${files.keyFile}: `);
    const unpacked = await annotated(files.keyFile, () =>
      unpackIdentity(toPem('ENCRYPTED PRIVATE KEY', encrypted.der) + certPems.join(''), passphrase),
    );
    return makeIdentity(unpacked.privateKey, unpacked.certificate, dedupe([...intermediatesOf(unpacked), ...extra]));
  }
  const privateKey = await annotated(files.keyFile, () => PrivateKey.fromPem(text));
  const own = certs.length > 0 ? certs : await annotated(files.keyFile, () => Certificate.fromPem(text));
  if (own.length === 0) throw noCert();
  return checked(privateKey, own, extra, files);
}

function checked(
  privateKey: PrivateKey,
  certs: readonly Certificate[],
  extra: readonly Certificate[],
  files: IdentityFiles,
): Identity {
  const [certificate, ...rest] = certs;
  if (!keyMatchesCertificate(privateKey, certificate)) {
    throw new CliError(
      'ERR_CLI_KEY_MISMATCH',
      `the private key in ${files.keyFile} does not belong to the certificate ${certificate.subject}`,
    );
  }
  return makeIdentity(privateKey, certificate, dedupe([...rest, ...extra]));
}

function sameCert(a: Certificate, b: Certificate): boolean {
  return Buffer.from(a.der).equals(Buffer.from(b.der));
}

function dedupe(certs: readonly Certificate[]): Certificate[] {
  const out: Certificate[] = [];
  for (const c of certs) if (!out.some((o) => sameCert(o, c))) out.push(c);
  return out;
}

/**
 * Reads a private key on its own (no certificate): PKCS#8, SEC1 or PKCS#1 PEM, DER PKCS#8, or a protected
 * key (`ENCRYPTED PRIVATE KEY`, a packed identity), opened with the passphrase from `passin` or asked on the
 * terminal.
 *
 * @throws the crypto engine's errors (`ERR_CRYPTO_MALFORMED`, `ERR_CRYPTO_BAD_PASSPHRASE`, …) with the file name.
 */
export async function loadPrivateKey(io: CliIo, file: string, passin: string | undefined): Promise<PrivateKey> {
  const bytes = await readInput(io, file);
  if (!looksLikePem(bytes)) return annotated(file, () => PrivateKey.fromPkcs8(bytes));
  const text = utf8(bytes);
  const blocks = await annotated(file, () => fromPem(text));
  const encrypted = blocks.find((b) => b.label === 'ENCRYPTED PRIVATE KEY');
  if (encrypted === undefined) return annotated(file, () => PrivateKey.fromPem(text));
  const passphrase = await getPassphrase(io, passin, `Enter pass phrase for ${file}: `);
  return annotated(file, () => decryptPrivateKey(encrypted.der, passphrase));
}

/**
 * Reads a PKCS#10 certification request: PEM (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`) or DER.
 * Only its syntax is checked here; the proof of possession is checked by whoever uses it.
 *
 * @throws `@semper/certificates`' `ERR_CERTIFICATES_MALFORMED`, `…_TOO_LARGE`, `…_TOO_DEEP` with the file name.
 */
export async function loadRequest(io: CliIo, file: string): Promise<CertificationRequest> {
  const bytes = await readInput(io, file);
  const { CertificationRequest } = await import('@semper/certificates');
  return annotated(file, () =>
    looksLikePem(bytes) ? CertificationRequest.fromPem(utf8(bytes)) : CertificationRequest.fromDer(bytes),
  );
}

/**
 * Reads the CRLs of a file: every `X509 CRL` block of a PEM file, or one DER CRL.
 *
 * @throws {@link CliError} `ERR_CLI_BAD_INPUT` when the file holds none; `@semper/certificates`' errors on bad input.
 */
export async function loadCrls(io: CliIo, file: string): Promise<CertificateRevocationList[]> {
  const bytes = await readInput(io, file);
  const { CertificateRevocationList } = await import('@semper/certificates');
  const crls = await annotated(file, () =>
    looksLikePem(bytes) ? CertificateRevocationList.fromPem(utf8(bytes)) : [CertificateRevocationList.fromDer(bytes)],
  );
  if (crls.length === 0) throw new CliError('ERR_CLI_BAD_INPUT', `${file === '-' ? 'stdin' : file}: no CRL`);
  return crls;
}
