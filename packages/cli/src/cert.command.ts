import { type Command, Option } from 'commander';
import type { CliIo } from './files.js';
import { loadCertificates } from './material.js';
import { collect, parseTime } from './options.js';
import { reportingFailureAsJson, writeJson, writeReport } from './report.js';
import { addTrustOptions, loadTrustFlags, PURPOSES, type Purpose, pathFailureOf, type TrustFlags } from './trust.js';

interface VerifyOptions extends TrustFlags {
  attime?: Date;
  purpose: Purpose;
  eku?: string[];
  strict: boolean;
  json?: boolean;
}

/** Adds `semper cert verify`. */
export function addCertCommands(program: Command, io: CliIo): void {
  const cert = program.command('cert').description('check X.509 certificates (RFC 5280 path validation)');

  const verify = cert
    .command('verify')
    .description('validate a certificate: build its path to a trusted root and check it (RFC 5280)')
    .argument(
      '<cert>',
      'the certificate to validate (PEM or DER); more certificates after it in the file are untrusted intermediates',
    );
  addTrustOptions(verify, 'the certificate')
    .addOption(
      new Option('--attime <time>', 'validate at this time: seconds since 1970 or ISO 8601 (default: now)').argParser(
        parseTime,
      ),
    )
    .addOption(
      new Option('--purpose <purpose>', 'what the key is for: sign, encrypt or any (see below)')
        .choices(['sign', 'encrypt', 'any'])
        .default('any'),
    )
    .option(
      '--eku <purpose>',
      'an extended key usage the leaf must allow: serverAuth, clientAuth, codeSigning, emailProtection, timeStamping, OCSPSigning or an OID (repeatable)',
      collect,
    )
    .option('--no-strict', 'do not enforce the RFC 5280 profile rules (key identifiers, criticality, …)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Prints "<cert>: OK" and the path, leaf first. Exit code 1 when the certificate does not validate, with the
validator's reason on stderr: semper: ERR_CERTIFICATES_PATH_INVALID: <CODE>: <reason>, where CODE is one of
EXPIRED, NOT_YET_VALID, NO_ISSUER, BAD_SIGNATURE, NOT_A_CA, PATH_LENGTH_EXCEEDED, KEY_USAGE,
EXTENDED_KEY_USAGE, NAME_CONSTRAINTS, REVOKED, CRL_UNAVAILABLE, CRL_EXPIRED, PROFILE_VIOLATION, …

--purpose sign is openssl's -purpose smimesign: keyUsage digitalSignature or nonRepudiation, and
extKeyUsage emailProtection where there is one; --purpose encrypt is -purpose smimeencrypt, but with
keyAgreement accepted as well as keyEncipherment (RFC 5480: EC keys encrypt by key agreement; openssl
refuses them). --CRLfile turns on --crl-check (openssl needs -crl_check too).

Example:
  semper cert verify alice.pem --CAfile root.pem --untrusted intermediate.pem \\
    --CRLfile intermediate.crl --purpose sign`,
    )
    .action(async (file: string, o: VerifyOptions) => {
      await reportingFailureAsJson(
        o.json,
        io,
        async () => {
          const [leaf, ...alongside] = await loadCertificates(io, file);
          const trust = await loadTrustFlags(io, o);
          const { PathValidationError, PathValidator } = await import('@semper/certificates');
          const validator = new PathValidator(trust.anchors);
          const result = await validator.validate(leaf, {
            intermediates: [...alongside, ...trust.intermediates],
            crls: trust.crls,
            revocation: trust.revocation,
            ...(o.attime === undefined ? {} : { at: o.attime }),
            ...PURPOSES[o.purpose],
            extendedKeyUsage: [...(PURPOSES[o.purpose].extendedKeyUsage ?? []), ...(o.eku ?? [])],
            strict: o.strict,
          });
          if (!result.valid) throw new PathValidationError(result);
          if (o.json) {
            writeJson(io.stdout, {
              valid: true,
              subject: leaf.subject,
              serialNumber: leaf.serialNumber,
              chain: result.chain.map((c) => c.subject),
              policies: result.policies,
              revocation: trust.revocation,
              purpose: o.purpose,
            });
          } else {
            writeReport(io.stdout, `${file}: OK`, [
              ['chain', result.chain.map((c) => c.subject)],
              ['revocation', trust.revocation === 'none' ? 'not checked' : `checked (${trust.revocation})`],
              ['purpose', o.purpose],
            ]);
          }
        },
        'valid',
        (err) => {
          const failure = pathFailureOf(err);
          return failure === undefined ? {} : { failure };
        },
      );
    });
}
