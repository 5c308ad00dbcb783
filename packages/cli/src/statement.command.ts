import type { StatementManager } from '@semper/statements';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { annotated, CliError, judged } from './errors.js';
import { type CliIo, readInput, STDIO, writeOutputs } from './files.js';
import { type CmsForm, encodeCms, loadIdentity, readCms } from './material.js';
import {
  informOption,
  outformOptions,
  outputForm,
  parseList,
  parseTime,
  passinOption,
  requireDistinctStdout,
  requireOneStdinReader,
} from './options.js';
import { STATEMENT_KIND_NAMES } from './names.js';
import { certificateSummary, reportingFailureAsJson, writeJson, writeReport } from './report.js';
import { addTrustOptions, loadTrustFlags, pathFailureOf, type TrustFlags, validatorFor } from './trust.js';

const KIND_NAMES = STATEMENT_KIND_NAMES;

/** The largest statement (and body file) read: @semper/statements' default limit, 1 MiB. */
const MAX_STATEMENT_BYTES = 1024 * 1024;

/**
 * What makes `statement verify` refuse a statement that it could read: a negative verdict (exit code 1). The
 * rest — a file that is not a CMS SignedData (`ERR_CRYPTO_MALFORMED`) or not a statement
 * (`ERR_STATEMENTS_MALFORMED`), another format version, a kind this semper does not know, a size limit —
 * are input errors (exit code 2): the statement could not be judged.
 */
const VERIFY_VERDICTS: ReadonlySet<string> = new Set([
  'ERR_CRYPTO_BAD_SIGNATURE',
  'ERR_CRYPTO_UNTRUSTED_SIGNER',
  'ERR_STATEMENTS_NOT_CANONICAL',
  'ERR_STATEMENTS_KIND_NOT_ALLOWED',
  'ERR_STATEMENTS_INVALID_BODY',
  'ERR_STATEMENTS_SIGNER_MISMATCH',
]);

interface SignOptions {
  kind: string;
  in: string;
  out: string;
  signer?: string;
  inkey: string;
  certfile?: string;
  passin?: string;
  signingTime?: Date;
  outform?: CmsForm;
  pem?: boolean;
}

interface VerifyOptions extends TrustFlags {
  in: string;
  kinds?: string[];
  out?: string;
  json?: boolean;
  attime?: Date;
  inform?: CmsForm;
}

interface ShowOptions {
  in: string;
  json?: boolean;
  inform?: CmsForm;
}

/** The statements block, loaded when a statement command runs (not when the commands are defined). */
async function manager(): Promise<StatementManager> {
  const [{ StatementManager, builtinStatementKinds }, { SystemClock }] = await Promise.all([
    import('@semper/statements'),
    import('@semper/core'),
  ]);
  return new StatementManager(builtinStatementKinds, new SystemClock(), {
    limits: { maxStatementBytes: MAX_STATEMENT_BYTES },
  });
}

/** `--kinds`: known kind names, comma-separated (a typo is a usage error, not a refused statement). */
function parseKinds(value: string): string[] {
  const kinds = parseList(value);
  const unknown = kinds.filter((k) => !KIND_NAMES.includes(k));
  if (unknown.length > 0)
    throw new InvalidArgumentError(`unknown kind ${unknown.join(', ')}; known: ${KIND_NAMES.join(', ')}.`);
  return kinds;
}

/** Reads a JSON body: at most the statement limit, parsed without echoing the input in errors. */
async function readBody(io: CliIo, name: string): Promise<unknown> {
  const bytes = await readInput(io, name, MAX_STATEMENT_BYTES);
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new CliError('ERR_CLI_BAD_INPUT', `${name === STDIO ? 'stdin' : name}: not UTF-8 JSON`, { cause: err });
  }
}

/** Adds `semper statement sign|verify|show`. */
export function addStatementCommands(program: Command, io: CliIo): void {
  const statement = program
    .command('statement')
    .description('signed statements: offers, orders, receipts, … as CMS SignedData over canonical JSON');

  const sign = statement
    .command('sign')
    .description("sign a statement: check the body against its kind's schema, sign its canonical JSON")
    .addOption(new Option('--kind <kind>', 'the statement kind').choices(KIND_NAMES).makeOptionMandatory())
    .requiredOption('--in <file>', 'the body, JSON (- for stdin)')
    .requiredOption('--out <file>', 'where to write the statement (- for stdout)')
    .option('--signer <file>', "the signer's certificate, PEM, optionally followed by intermediates")
    .requiredOption('--inkey <file>', "the signer's private key, or a packed identity (then --signer may be left out)")
    .option('--certfile <file>', 'more intermediate certificates to include (PEM)')
    .addOption(passinOption('--inkey, if protected'))
    .addOption(
      new Option(
        '--signing-time <time>',
        'the statement time: seconds since 1970 or ISO 8601 (default: now; whole seconds)',
      ).argParser(parseTime),
    );
  for (const o of outformOptions()) sign.addOption(o);
  sign
    .addHelpText(
      'after',
      `
The body is refused (exit code 2, ERR_STATEMENTS_INVALID_BODY with the paths) when it does not match its
kind, and when it pins a signing party's certificate that is not --signer (ERR_STATEMENTS_SIGNER_MISMATCH).
Amounts are {"amount":"<minor units>","currency":"EUR"}, times ISO 8601 UTC. The statement is DER (--pem for
PEM) and verifies with openssl cms -verify -binary -inform DER -in F -CAfile CA.pem.

Kinds: ${KIND_NAMES.join(', ')}.

Example:
  semper statement sign --kind order --in order.json --out order.p7m --signer buyer.pem --inkey buyer.key`,
    )
    .action(async (o: SignOptions) => {
      requireOneStdinReader([
        ['--in', o.in],
        ['--passin', o.passin],
      ]);
      const identity = await loadIdentity(io, {
        keyFile: o.inkey,
        certFile: o.signer,
        chainFile: o.certfile,
        passin: o.passin,
        certFlag: '--signer',
      });
      const body = await readBody(io, o.in);
      const statements = await manager();
      const signed = await annotated(o.in, () =>
        statements.signStatement(o.kind, body, identity, o.signingTime ? { signingTime: o.signingTime } : {}),
      );
      await writeOutputs(io, [{ name: o.out, data: encodeCms(signed.bytes, outputForm(o)) }]);
    });

  const verify = statement
    .command('verify')
    .description("verify a statement: signature, signer's path and revocation, canonical form, kind, body")
    .requiredOption('--in <file>', 'the statement, DER or PEM (- for stdin)');
  addTrustOptions(verify, "the signer's certificate")
    .addOption(
      new Option('--kinds <kinds>', 'the kinds accepted, comma-separated (default: every known kind)').argParser(
        parseKinds,
      ),
    )
    .option('--out <file>', 'where to write the body: the signed canonical JSON (RFC 8785; - for stdout)')
    .option('--json', 'print the result, body included, as JSON')
    .addOption(
      new Option(
        '--attime <time>',
        "check the signer's path at this time: seconds since 1970 or ISO 8601 (default: now)",
      ).argParser(parseTime),
    )
    .addOption(informOption('the statement'))
    .addHelpText(
      'after',
      `
The signer's certificate is validated by RFC 5280 (as cert verify --purpose sign does) up to --CAfile, with
the certificates in the statement (and --untrusted) as intermediates; --CRLfile checks its revocation.

Exit code 1 (a negative verdict) when the statement does not stand: a bad signature
(ERR_CRYPTO_BAD_SIGNATURE), a signer that is not trusted, expired or revoked (ERR_CRYPTO_UNTRUSTED_SIGNER,
with the path validator's reason), content that is not canonical JSON (ERR_STATEMENTS_NOT_CANONICAL), a
kind not in --kinds (ERR_STATEMENTS_KIND_NOT_ALLOWED), a body that does not match its kind
(ERR_STATEMENTS_INVALID_BODY), a signer other than the one the body pins (ERR_STATEMENTS_SIGNER_MISMATCH).
Exit code 2 when it cannot be judged: not a CMS SignedData or not a statement (…_MALFORMED), another format
(ERR_STATEMENTS_UNSUPPORTED_FORMAT), a kind this semper does not know (ERR_STATEMENTS_UNKNOWN_KIND), too large.

Example:
  semper statement verify --in order.p7m --CAfile root.pem --CRLfile ca.crl --kinds order --out order.json`,
    )
    .action(async (o: VerifyOptions) => {
      requireDistinctStdout(o);
      await reportingFailureAsJson(
        o.json,
        io,
        async () => {
          const bytes = await readCms(io, o.in, o.inform);
          const trust = await validatorFor(await loadTrustFlags(io, o), 'sign');
          const statements = await manager();
          const result = await judged(VERIFY_VERDICTS, () =>
            annotated(o.in, () =>
              statements.verifyStatement(bytes, {
                trust,
                ...(o.attime === undefined ? {} : { at: o.attime }),
                ...(o.kinds === undefined ? {} : { kinds: o.kinds }),
              }),
            ),
          );
          if (o.out !== undefined) {
            const { canonicalize } = await import('@semper/statements');
            await writeOutputs(io, [{ name: o.out, data: canonicalize(result.body) }]);
          }
          if (o.json) {
            writeJson(io.stdout, {
              verified: true,
              kind: result.kind,
              version: result.version,
              digest: result.digest,
              signingTime: result.signingTime.toISOString(),
              signer: certificateSummary(result.signer),
              chain: result.chain.map((c) => c.subject),
              body: result.body,
            });
          } else {
            writeReport(o.out === STDIO ? io.stderr : io.stdout, 'Statement verified', [
              ['kind', `${result.kind} v${result.version}`],
              ['digest', result.digest],
              ['signer', result.signer.subject],
              ['issuer', result.signer.issuer],
              ['serial', result.signer.serialNumber],
              ['signing time', result.signingTime.toISOString()],
              ['chain', result.chain.map((c) => c.subject)],
            ]);
          }
        },
        'verified',
        (err) => {
          const failure = pathFailureOf(err);
          return failure === undefined ? {} : { failure };
        },
      );
    });

  statement
    .command('show')
    .description('decode a statement WITHOUT verifying its signer: for looking, never for acting on')
    .requiredOption('--in <file>', 'the statement, DER or PEM (- for stdin)')
    .option('--json', 'print it as JSON')
    .addOption(informOption('the statement'))
    .addHelpText(
      'after',
      `
The output says UNVERIFIED: the signature must be intact (it is checked with the certificate in the
statement), but the signer is not validated — no trust anchor, validity period or revocation. Use
semper statement verify before relying on a statement.

Example:
  semper statement show --in order.p7m`,
    )
    .action(async (o: ShowOptions) => {
      const bytes = await readCms(io, o.in, o.inform);
      const statements = await manager();
      const shown = await annotated(o.in, () => statements.showStatement(bytes));
      const warning = 'UNVERIFIED: the signer is not validated (no trust anchor, validity or revocation checked)';
      if (o.json) {
        writeJson(io.stdout, {
          unverified: true,
          warning,
          format: shown.format,
          kind: shown.kind,
          version: shown.version,
          known: shown.known,
          valid: shown.valid ?? null,
          issues: shown.issues,
          canonical: shown.canonical,
          digest: shown.digest,
          signingTime: shown.signingTime?.toISOString() ?? null,
          signer: certificateSummary(shown.signer),
          body: shown.body,
        });
        return;
      }
      const bodyState =
        shown.valid === undefined
          ? 'unknown kind'
          : shown.valid
            ? 'body matches the kind'
            : 'body does NOT match the kind';
      writeReport(io.stdout, `${warning}; do not act on it`, [
        ['kind', `${shown.kind} v${shown.version} (${bodyState})`],
        ['format', shown.format],
        ['canonical', shown.canonical ? 'yes' : 'NO (verify refuses it)'],
        ['issues', shown.issues.length === 0 ? undefined : shown.issues.map((i) => `${i.path || '(body)'}: ${i.code}`)],
        ['digest', shown.digest],
        ['signer', `${shown.signerSubject} (UNVERIFIED)`],
        ['issuer', shown.signer.issuer],
        ['serial', shown.signer.serialNumber],
        ['signing time', shown.signingTime?.toISOString()],
      ]);
      io.stdout.write(`body:\n${JSON.stringify(shown.body, null, 2)}\n`);
    });
}
