// What `cert verify` and `statement verify` share: the RFC 5280 validator of @semper/certificates, built
// from openssl-like flags (--CAfile, --untrusted, --CRLfile, --crl-check, --crl-check-all, --purpose).
import type {
  CertificateRevocationList,
  PathValidationFailure,
  PathValidationOptions,
  PathValidator,
  RevocationMode,
} from '@semper/certificates';
import type { Certificate, ChainValidator } from '@semper/crypto';
import { type Command, Option } from 'commander';
import type { CliIo } from './files.js';
import { loadCertificates, loadCrls } from './material.js';
import { collect } from './options.js';

/** What `--purpose` asks of the leaf. */
export type Purpose = 'sign' | 'encrypt' | 'any';

/**
 * What each `--purpose` asks of the leaf, as openssl's S/MIME purposes do: `sign` (openssl `smimesign`) a
 * keyUsage, when present, with digitalSignature or nonRepudiation; `encrypt` (openssl `smimeencrypt`) one with
 * keyEncipherment or keyAgreement; both an extKeyUsage, when present, with emailProtection (or
 * anyExtendedKeyUsage) in the leaf and in every CA on the path that has one. `any` asks nothing.
 *
 * One difference remains, on openssl's side: `smimeencrypt` demands keyEncipherment, so an EC leaf with
 * keyAgreement (RFC 5480, what semper's `encryption` profile writes for EC keys) passes `--purpose encrypt`
 * here and fails `openssl verify -purpose smimeencrypt`; for RSA keys the two agree.
 */
export const PURPOSES: Readonly<Record<Purpose, Pick<PathValidationOptions, 'purpose' | 'extendedKeyUsage'>>> = {
  sign: { purpose: 'sign', extendedKeyUsage: ['emailProtection'] },
  encrypt: { purpose: 'encrypt', extendedKeyUsage: ['emailProtection'] },
  any: { purpose: 'any' },
};

/** The flags of {@link loadTrustFlags}, as commander parses them. */
export interface TrustFlags {
  CAfile: string;
  untrusted?: string[];
  CRLfile?: string[];
  crlCheck?: boolean;
  crlCheckAll?: boolean;
}

/** What the flags name: the anchors, the untrusted certificates, the CRLs and the revocation mode. */
export interface Trust {
  readonly anchors: readonly Certificate[];
  readonly intermediates: readonly Certificate[];
  readonly crls: readonly CertificateRevocationList[];
  readonly revocation: RevocationMode;
}

/** Adds `--CAfile`, `--untrusted` (unless `untrusted` is false), `--CRLfile`, `--crl-check`, `--crl-check-all`. */
export function addTrustOptions(cmd: Command, what: string, untrusted = true): Command {
  cmd.requiredOption('--CAfile <file>', `the trusted certificates (PEM): the roots ${what} must chain to`);
  if (untrusted) {
    cmd.option(
      '--untrusted <file>',
      'untrusted intermediate certificates to build the path with (repeatable)',
      collect,
    );
  }
  return cmd
    .option('--CRLfile <file>', 'CRLs, PEM (one or more) or DER (repeatable); implies --crl-check', collect)
    .addOption(new Option('--crl-check', "check the leaf's revocation: a CRL of its issuer must be given"))
    .addOption(
      new Option('--crl-check-all', 'check the revocation of every certificate of the path but the root').conflicts(
        'crlCheck',
      ),
    );
}

/**
 * Loads what the trust flags name. `--CRLfile` alone turns on the leaf's revocation check (openssl also
 * needs `-crl_check`: semper does not read a CRL only to ignore it).
 */
export async function loadTrustFlags(io: CliIo, o: TrustFlags): Promise<Trust> {
  const anchors = await loadCertificates(io, o.CAfile);
  const intermediates: Certificate[] = [];
  for (const f of o.untrusted ?? []) intermediates.push(...(await loadCertificates(io, f)));
  const crls: CertificateRevocationList[] = [];
  for (const f of o.CRLfile ?? []) crls.push(...(await loadCrls(io, f)));
  const revocation: RevocationMode = o.crlCheckAll ? 'chain' : o.crlCheck || crls.length > 0 ? 'leaf' : 'none';
  return { anchors, intermediates, crls, revocation };
}

/**
 * A chain validator (crypto's `ChainValidator`, for `verifySignedData` and `verifyStatement`) for `trust`:
 * RFC 5280 paths to its anchors, with its CRLs and revocation mode, `purpose` asked of every leaf, and its
 * untrusted certificates added to those the message brings.
 */
export async function validatorFor(trust: Trust, purpose: Purpose): Promise<ChainValidator> {
  const { PathValidator } = await import('@semper/certificates');
  const validator: PathValidator = new PathValidator(trust.anchors, {
    crls: trust.crls,
    revocation: trust.revocation,
    ...PURPOSES[purpose],
  });
  return {
    buildChain: (leaf, intermediates = [], at) =>
      validator.buildChain(leaf, [...intermediates, ...trust.intermediates], at),
  };
}

/**
 * The path validation failure behind an error (a `PathValidationError`, `ERR_CERTIFICATES_PATH_INVALID`
 * with its `failure`, in its cause chain), if any.
 */
export function pathFailureOf(err: unknown): { code: string; reason: string; certificate?: string } | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const failure = (e as { code?: unknown; failure?: PathValidationFailure }).failure;
    if ((e as { code?: unknown }).code === 'ERR_CERTIFICATES_PATH_INVALID' && failure !== undefined) {
      const { code, reason, certificate } = failure;
      return { code, reason, ...(certificate === undefined ? {} : { certificate: certificate.subject }) };
    }
  }
  return undefined;
}
