import type { CertificateProfileName, EnrolmentError, Registration, RegistrationTicket } from '@semper/certificates';
import { SemperError } from '@semper/core';
import { type Command, Option } from 'commander';
import { withCaFolder } from './ca-folder.js';
import { altNames, caPassphrase, dirOption, issuedJson, issuedPem, issuedRows } from './ca.command.js';
import { CliError, judged, VerdictError } from './errors.js';
import { type CliIo, STDIO, writeOutputs } from './files.js';
import { loadRequest } from './material.js';
import {
  checkPassphraseSource,
  collect,
  parseDuration,
  parseInteger,
  passinOption,
  requireOneStdinReader,
} from './options.js';
import { getPassphrase } from './passphrase.js';
import { PROFILE_NAMES } from './names.js';
import { reportingFailureAsJson, writeJson, writeReport } from './report.js';

const DAY = 86_400_000;

/** The refusals of an enrolment (`EnrolmentError`): negative verdicts, exit code 1; nothing was issued. */
const REFUSALS: ReadonlySet<string> = new Set([
  'ERR_CERTIFICATES_REGISTRATION_NOT_FOUND',
  'ERR_CERTIFICATES_ENROLMENT_BAD_SECRET',
  'ERR_CERTIFICATES_ENROLMENT_LOCKED',
  'ERR_CERTIFICATES_ENROLMENT_EXPIRED',
  'ERR_CERTIFICATES_ENROLMENT_USED',
  'ERR_CERTIFICATES_SUBJECT_MISMATCH',
]);

interface RegisterOptions {
  dir: string;
  subject: string;
  profile: CertificateProfileName;
  ca?: string;
  expiresIn?: number;
  maxAttempts?: number;
  days?: number;
  email?: string[];
  dns?: string[];
  operator?: string;
  secretOut?: string;
  json?: boolean;
}

interface EnrolOptions {
  dir: string;
  id: string;
  secretIn?: string;
  in: string;
  out: string;
  chain?: boolean;
  passin?: string;
  json?: boolean;
}

interface ShowOptions {
  dir: string;
  id: string;
  json?: boolean;
}

interface RenewOptions {
  dir: string;
  id: string;
  expiresIn?: number;
  operator?: string;
  secretOut?: string;
  json?: boolean;
}

interface CancelOptions {
  dir: string;
  id: string;
  operator?: string;
}

function operatorOf(io: CliIo, given: string | undefined): string {
  return given ?? `cli:${io.env.USER ?? io.env.USERNAME ?? 'operator'}`;
}

function expiresInOption(): Option {
  return new Option(
    '--expires-in <duration>',
    'how long the secret is valid: 30s, 15m, 12h, 7d … (default: 7d)',
  ).argParser(parseDuration(1000, 90 * DAY));
}

function registrationJson(r: Registration): Record<string, unknown> {
  return {
    registrationId: r.registrationId,
    status: r.status,
    subject: r.subject,
    profile: r.profile,
    caId: r.caId,
    expiresAt: r.expiresAt.toISOString(),
    attempts: r.attempts,
    maxAttempts: r.maxAttempts,
    registeredBy: r.registeredBy,
    registeredAt: r.registeredAt.toISOString(),
    validityDays: r.validityDays ?? null,
    subjectAltNames: r.subjectAltNames ?? null,
    usedAt: r.usedAt?.toISOString() ?? null,
    serialNumber: r.serialNumber ?? null,
  };
}

function registrationRows(r: Registration): [string, string | undefined][] {
  return [
    ['status', r.status],
    ['subject', r.subject],
    ['profile', r.profile],
    ['CA', r.caId],
    ['expires', r.expiresAt.toISOString()],
    ['wrong secrets', `${r.attempts} of ${r.maxAttempts} allowed`],
    ['registered', `${r.registeredAt.toISOString()} by ${r.registeredBy}`],
    ['used', r.usedAt && `${r.usedAt.toISOString()}, certificate ${r.serialNumber}`],
  ];
}

/** The enrolment refusal behind an error (an `EnrolmentError`, with its `registrationId`), if any. */
function refusalOf(err: unknown): EnrolmentError | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e.name === 'EnrolmentError' && typeof (e as Partial<EnrolmentError>).registrationId === 'string') {
      return e as EnrolmentError;
    }
  }
  return undefined;
}

/** Refuses `--secret-out -` before anything is registered (leave the flag out to show the secret). */
function checkSecretOut(o: { secretOut?: string }): void {
  if (o.secretOut === STDIO) throw new CliError('ERR_CLI_USAGE', '--secret-out -: leave it out to show the secret');
}

/** Shows a new secret once: on stdout, or in `--secret-out` (mode 0600) and then not on stdout. */
async function showTicket(io: CliIo, ticket: RegistrationTicket, o: { secretOut?: string; json?: boolean }) {
  if (o.secretOut !== undefined) {
    await writeOutputs(io, [{ name: o.secretOut, data: `${ticket.secret}\n`, mode: 0o600 }]);
  }
  const secretShown = o.secretOut === undefined;
  if (o.json) {
    writeJson(io.stdout, {
      ...registrationJson(ticket.registration),
      ...(o.secretOut === undefined ? { secret: ticket.secret } : { secretFile: o.secretOut }),
    });
    return;
  }
  writeReport(io.stdout, `Registration ${ticket.registrationId}`, [
    ...registrationRows(ticket.registration),
    ['secret', o.secretOut === undefined ? ticket.secret : `written to ${o.secretOut} (mode 0600)`],
  ]);
  io.stdout.write(
    `${secretShown ? 'This is the only time the secret is shown' : 'The secret is in that file only'}: semper keeps only its hash.\n` +
      `Hand it to the subject out of band; it enrols once, before ${ticket.expiresAt.toISOString()}.\n`,
  );
}

/** Adds `semper ra register|enrol|show|renew|cancel`. */
export function addRaCommands(program: Command, io: CliIo): void {
  const ra = program
    .command('ra')
    .description('the registration authority of a CA folder: register subjects, enrol them with one-time secrets');

  ra.command('register')
    .description('register a subject and profile; prints the registration id and its one-time enrolment secret')
    .addOption(dirOption())
    .requiredOption('--subject <dn>', 'the subject the certificate will carry, RFC 4514; the request must match it')
    .addOption(
      new Option('--profile <profile>', 'the certificate profile').choices(PROFILE_NAMES).makeOptionMandatory(),
    )
    .option('--ca <id>', 'the issuing CA (default: the one ca init made to issue)')
    .addOption(expiresInOption())
    .addOption(
      new Option('--max-attempts <n>', 'wrong secrets allowed before the registration locks (default: 5)').argParser(
        parseInteger(1, 100),
      ),
    )
    .addOption(
      new Option('--days <days>', "validity of the certificate in days (default: the profile's)").argParser(
        parseInteger(1, 3650),
      ),
    )
    .option('--email <address>', 'an rfc822Name subject alternative name to certify (repeatable)', collect)
    .option('--dns <name>', 'a dNSName subject alternative name to certify (repeatable)', collect)
    .option('--operator <name>', 'who registers, recorded with the registration (default: cli:$USER)')
    .option('--secret-out <file>', 'write the secret to this file (mode 0600) instead of showing it')
    .option('--json', 'print the registration (and the secret) as JSON')
    .addHelpText(
      'after',
      `
The secret (160 random bits, Crockford base 32) is shown once and never stored: the CA folder keeps only its
hash. It works once, until it expires, and locks the registration after --max-attempts wrong tries (an
operator then gives it a new secret with semper ra renew).

Example:
  semper ra register --dir ca --subject "CN=Agency 42,O=Hub,C=DE" --profile agency --expires-in 3d`,
    )
    .action(async (o: RegisterOptions) => {
      checkSecretOut(o);
      const ticket = await withCaFolder(io, o.dir, undefined, ({ ra: authority, info }) =>
        authority.register({
          subject: o.subject,
          profile: o.profile,
          caId: o.ca ?? info.issuingCaId,
          registeredBy: operatorOf(io, o.operator),
          ...(o.expiresIn === undefined ? {} : { secretLifetimeMs: o.expiresIn }),
          ...(o.maxAttempts === undefined ? {} : { maxAttempts: o.maxAttempts }),
          ...(o.days === undefined ? {} : { validityDays: o.days }),
          ...(altNames(o) === undefined ? {} : { subjectAltNames: altNames(o) }),
        }),
      );
      await showTicket(io, ticket, o);
    });

  ra.command('enrol')
    .alias('enroll')
    .description('enrol: present the registration id, its secret and a certification request; get the certificate')
    .addOption(dirOption())
    .requiredOption('--id <registration>', 'the registration id (from ra register)')
    .addOption(
      new Option(
        '--secret-in <source>',
        'the enrolment secret: env:VAR, file:PATH, stdin or pass:TEXT (default: ask on the terminal)',
      ).argParser(checkPassphraseSource('--secret-in')),
    )
    .requiredOption('--in <file>', 'the certification request (PEM or DER), e.g. from semper req new')
    .requiredOption('--out <file>', 'where to write the certificate (PEM; - for stdout)')
    .option('--chain', "write the issuing CA's certificates after the certificate (the root left out)")
    .addOption(passinOption('the CA'))
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
In a deployment the subject enrols against the RA's service, which holds the CA folder and its passphrase;
this command plays both sides on a local CA folder, so it needs the CA passphrase (--passin) as well as the
subject's secret (--secret-in).

A refused enrolment is a negative verdict (exit code 1), with the reason, and issues nothing:
  ERR_CERTIFICATES_ENROLMENT_BAD_SECRET    wrong secret (counted; the last allowed one locks)
  ERR_CERTIFICATES_ENROLMENT_LOCKED        too many wrong secrets: an operator must renew it
  ERR_CERTIFICATES_ENROLMENT_USED          the secret was used already
  ERR_CERTIFICATES_ENROLMENT_EXPIRED       the secret expired
  ERR_CERTIFICATES_SUBJECT_MISMATCH        the request's subject is not the registered one
  ERR_CERTIFICATES_REGISTRATION_NOT_FOUND  no such registration, or cancelled
A request that is malformed or not signed with its own key is an input error (exit code 2).

Example:
  semper req new --subject "CN=Agency 42,O=Hub,C=DE" --newkey ec --keyout agency.key --out agency.csr
  semper ra enrol --dir ca --id reg_01J… --secret-in env:SECRET --in agency.csr --out agency.pem \\
    --passin env:SEMPER_CA_PASS`,
    )
    .action(async (o: EnrolOptions) => {
      requireOneStdinReader([
        ['--in', o.in],
        ['--secret-in', o.secretIn],
        ['--passin', o.passin],
      ]);
      if (o.json && o.out === STDIO) throw new CliError('ERR_CLI_USAGE', '--json and --out - both want stdout');
      await reportingFailureAsJson(
        o.json,
        io,
        async () => {
          const request = await loadRequest(io, o.in);
          const secret = await getPassphrase(io, o.secretIn, `Enter the enrolment secret of ${o.id}: `);
          const passphrase = await caPassphrase(io, o.dir, o.passin);
          const issued = await withCaFolder(io, o.dir, passphrase, ({ ra: authority }) =>
            judged(REFUSALS, () =>
              authority.enrol({ registrationId: o.id, secret, request }).catch((err: unknown) => {
                const refusal = refusalOf(err);
                if (refusal?.attemptsRemaining !== undefined) {
                  const left = refusal.attemptsRemaining;
                  throw new VerdictError(
                    new SemperError(
                      refusal.code,
                      `${refusal.message} (${left} wrong secret${left === 1 ? '' : 's'} left)`,
                      { cause: err },
                    ),
                  );
                }
                throw err;
              }),
            ),
          );
          await writeOutputs(io, [{ name: o.out, data: issuedPem(issued, o.chain) }]);
          if (o.json) writeJson(io.stdout, { enrolled: true, ...issuedJson(issued) });
          else writeReport(o.out === STDIO ? io.stderr : io.stdout, 'Enrolled: certificate issued', issuedRows(issued));
        },
        'enrolled',
        (err) => {
          const refusal = refusalOf(err);
          return refusal?.attemptsRemaining === undefined ? {} : { attemptsRemaining: refusal.attemptsRemaining };
        },
      );
    });

  ra.command('show')
    .description('show a registration: its status, expiry and wrong attempts (never the secret)')
    .addOption(dirOption())
    .requiredOption('--id <registration>', 'the registration id')
    .option('--json', 'print it as JSON')
    .addHelpText(
      'after',
      `
Example:
  semper ra show --dir ca --id reg_01J… --json`,
    )
    .action(async (o: ShowOptions) => {
      const r = await withCaFolder(io, o.dir, undefined, ({ ra: authority }) => authority.getRegistration(o.id));
      if (r === undefined) {
        const { EnrolmentError } = await import('@semper/certificates');
        throw new EnrolmentError('ERR_CERTIFICATES_REGISTRATION_NOT_FOUND', `no registration ${o.id}`, {
          registrationId: o.id,
        });
      }
      if (o.json) writeJson(io.stdout, registrationJson(r));
      else writeReport(io.stdout, `Registration ${r.registrationId}`, registrationRows(r));
    });

  ra.command('renew')
    .description('give a registration that was not used a new secret: lifts a lockout, replaces an expired secret')
    .addOption(dirOption())
    .requiredOption('--id <registration>', 'the registration id')
    .addOption(expiresInOption())
    .option('--operator <name>', 'who renews (default: cli:$USER)')
    .option('--secret-out <file>', 'write the new secret to this file (mode 0600) instead of showing it')
    .option('--json', 'print the registration (and the secret) as JSON')
    .addHelpText(
      'after',
      `
The old secret stops working; the wrong attempts start again from 0.

Example:
  semper ra renew --dir ca --id reg_01J… --expires-in 1d`,
    )
    .action(async (o: RenewOptions) => {
      checkSecretOut(o);
      const ticket = await withCaFolder(io, o.dir, undefined, ({ ra: authority }) =>
        authority.renewSecret(o.id, {
          renewedBy: operatorOf(io, o.operator),
          ...(o.expiresIn === undefined ? {} : { secretLifetimeMs: o.expiresIn }),
        }),
      );
      await showTicket(io, ticket, o);
    });

  ra.command('cancel')
    .description('cancel a registration that was not used: its secret stops working')
    .addOption(dirOption())
    .requiredOption('--id <registration>', 'the registration id')
    .option('--operator <name>', 'who cancels (default: cli:$USER)')
    .addHelpText(
      'after',
      `
Example:
  semper ra cancel --dir ca --id reg_01J…`,
    )
    .action(async (o: CancelOptions) => {
      await withCaFolder(io, o.dir, undefined, ({ ra: authority }) =>
        authority.cancel(o.id, { cancelledBy: operatorOf(io, o.operator) }),
      );
      io.stdout.write(`Registration ${o.id} cancelled\n`);
    });
}
