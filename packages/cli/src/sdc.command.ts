// `semper sdc seal|open|inspect`: one Secure Data Container (semper-sdc/1, docs/specs/sdc-format.md) at a time.
import { SemperError } from '@semper/core';
import type { InspectedSdc, SdcHeader, SdcType } from '@semper/sdc';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { annotated, CliError, VerdictError } from './errors.js';
import { type CliIo, readInput, STDIO, writeOutputs } from './files.js';
import { loadCertificate, loadIdentity } from './material.js';
import { parseTime, passinOption, requireDistinctStdout, requireOneStdinReader } from './options.js';
import { certificateSummary, reportingFailureAsJson, writeJson, writeReport } from './report.js';
import { addTrustOptions, loadTrustFlags, pathFailureOf, type TrustFlags, validatorFor } from './trust.js';

const TYPES: readonly SdcType[] = ['export', 'import-request', 'import-response', 'message', 'receipt', 'error'];

/** The largest input read: an armoured or S/MIME container at the format's text limit (23 MiB). */
const MAX_SDC_INPUT = 23 * 1024 * 1024;
/** The largest body file read: the format's signed-content limit (16 MiB). */
const MAX_BODY_INPUT = 16 * 1024 * 1024;

/** How a container is written or read: DER, the armoured `.sdc` text, or the S/MIME entity for mail. */
type SdcForm = 'DER' | 'SDC' | 'SMIME';

function parseSdcForm(value: string): SdcForm {
  const upper = value.toUpperCase();
  if (upper === 'DER' || upper === 'SDC' || upper === 'SMIME') return upper;
  throw new InvalidArgumentError('expected DER, SDC (armoured) or SMIME.');
}

function parseSequence(value: string): string {
  if (!/^(0|[1-9]\d{0,19})$/.test(value) || BigInt(value) > 0xffff_ffff_ffff_ffffn) {
    throw new InvalidArgumentError('expected a whole number from 0 to 18446744073709551615.');
  }
  return value;
}

function parseId(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(value)) {
    throw new InvalidArgumentError('expected 1 to 64 letters, digits, "_" or "-" (a UUID, a ULID, an sdc_… id).');
  }
  return value;
}

interface SealOptions {
  in: string;
  out: string;
  signer?: string;
  inkey: string;
  certfile?: string;
  passin?: string;
  recip: string;
  type: SdcType;
  sender?: string;
  recipient?: string;
  sequence?: string;
  inReplyTo?: string;
  id?: string;
  outform?: SdcForm;
}

interface OpenOptions extends TrustFlags {
  in: string;
  out?: string;
  recip?: string;
  inkey: string;
  passin?: string;
  recipient?: string;
  attime?: Date;
  inform?: SdcForm;
  json?: boolean;
}

interface InspectOptions {
  in: string;
  inform?: SdcForm;
  json?: boolean;
}

const name = (file: string): string => (file === STDIO ? 'stdin' : file);

/** The form of `--out`: `--outform`, else by extension (`.sdc` armoured, `.eml` S/MIME), else DER. */
function outForm(o: SealOptions): SdcForm {
  if (o.outform !== undefined) return o.outform;
  if (/\.sdc$/i.test(o.out)) return 'SDC';
  if (/\.eml$/i.test(o.out)) return 'SMIME';
  return 'DER';
}

/** Reads a container in any form: `--inform`, else detected (armour line, MIME header, or DER). */
async function readSdc(io: CliIo, file: string, form: SdcForm | undefined): Promise<Uint8Array> {
  const { dearmorSdc, fromSmime, SdcError } = await import('@semper/sdc');
  let bytes: Uint8Array;
  try {
    bytes = await readInput(io, file, MAX_SDC_INPUT);
  } catch (err) {
    // Over the format's limit is the format's refusal (sdc open: exit code 1), not a file that cannot be read.
    if (err instanceof SemperError && err.code === 'ERR_CLI_TOO_LARGE') {
      throw new SdcError(
        'ERR_SDC_TOO_LARGE',
        `larger than the ${MAX_SDC_INPUT} bytes a container may have in any form`,
        {
          cause: err,
        },
      );
    }
    throw err;
  }
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  const detected: SdcForm =
    form ?? (/^\s*-----BEGIN /.test(head) ? 'SDC' : /^[!-9;-~]+:/.test(head) && bytes[0] !== 0x30 ? 'SMIME' : 'DER');
  if (detected === 'DER') return bytes;
  const text = Buffer.from(bytes).toString('utf8');
  return annotated(file, () => (detected === 'SDC' ? dearmorSdc(text) : fromSmime(text)));
}

/** Every SdcError from reading a container is a rejection (exit code 1), except a caller's invalid argument. */
async function rejecting<T>(file: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await annotated(file, fn);
  } catch (err) {
    if (err instanceof SemperError && err.code.startsWith('ERR_SDC_') && err.code !== 'ERR_SDC_INVALID_ARGUMENT') {
      throw new VerdictError(err);
    }
    throw err;
  }
}

function headerRows(h: SdcHeader): [string, string | undefined][] {
  return [
    ['format', h.format],
    ['id', h.id],
    ['type', h.type],
    ['sender', h.sender],
    ['recipient', h.recipient],
    ['created', h.createdAt],
    ['sequence', h.sequence],
    ['in reply to', h.inReplyTo],
  ];
}

/** Adds `semper sdc seal|open|inspect` (to the `sdc` group, which it makes unless `semper sdc pump` did). */
export function addSdcCommands(program: Command, io: CliIo): void {
  // The group is shared with `semper sdc pump` (sdc-pump.command.ts): whichever is added first makes it.
  const sdc =
    program.commands.find((c) => c.name() === 'sdc') ??
    program.command('sdc').description('Secure Data Containers: seal, open, inspect one; pump them');

  sdc
    .command('seal')
    .description('seal one container: sign the canonical JSON of { body, header }, then encrypt it to the recipient')
    .requiredOption('--in <file>', 'the body, JSON (- for stdin)')
    .requiredOption('--out <file>', 'where to write the container (- for stdout)')
    .option('--signer <file>', "the sender's certificate, PEM, optionally followed by intermediates")
    .requiredOption('--inkey <file>', "the sender's private key, or a packed identity (then --signer may be left out)")
    .option('--certfile <file>', 'more intermediate certificates to include (PEM)')
    .addOption(passinOption('--inkey, if protected'))
    .requiredOption('--recip <file>', "the recipient's certificate (PEM or DER)")
    .addOption(new Option('--type <type>', 'the container type').choices(TYPES).default('message'))
    .option('--sender <party>', "the sender's party id (default: the CN of --signer)")
    .option('--recipient <party>', "the recipient's party id (default: the CN of --recip)")
    .addOption(
      new Option('--sequence <n>', "the sender's sequence number (default: milliseconds since 1970)").argParser(
        parseSequence,
      ),
    )
    .addOption(new Option('--in-reply-to <id>', 'the id of the container this one answers').argParser(parseId))
    .addOption(new Option('--id <id>', 'the container id (default: a new sdc_… id)').argParser(parseId))
    .addOption(
      new Option(
        '--outform <form>',
        'DER, SDC (armoured text) or SMIME (default: SDC for *.sdc, SMIME for *.eml, else DER)',
      ).argParser(parseSdcForm),
    )
    .addHelpText(
      'after',
      `
The container is CMS AuthEnvelopedData (AES-256-GCM) around SignedData over the RFC 8785 canonical JSON
of { body, header }, with the header also in clear for semper sdc inspect. It opens with
  openssl cms -decrypt -binary -inform DER -in F -recip R.pem -inkey R.key | openssl cms -verify -binary -inform DER -CAfile CA.pem
A body that is not JSON, or a header option that does not fit the format, is exit code 2.

Example:
  semper sdc seal --in rows.json --out 0001.sdc --signer agency.pem --inkey agency.key --recip hub.pem --type export --sequence 1`,
    )
    .action(async (o: SealOptions) => {
      requireOneStdinReader([
        ['--in', o.in],
        ['--passin', o.passin],
      ]);
      const { armorSdc, sealSdc, toSmime } = await import('@semper/sdc');
      const identity = await loadIdentity(io, {
        keyFile: o.inkey,
        certFile: o.signer,
        chainFile: o.certfile,
        passin: o.passin,
        certFlag: '--signer',
      });
      const recipient = await loadCertificate(io, o.recip);
      const bodyBytes = await readInput(io, o.in, MAX_BODY_INPUT);
      let body: unknown;
      try {
        body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bodyBytes));
      } catch (err) {
        throw new CliError('ERR_CLI_BAD_INPUT', `${name(o.in)}: not UTF-8 JSON`, { cause: err });
      }
      const header = {
        type: o.type,
        sequence: o.sequence ?? String(Date.now()),
        ...(o.sender === undefined ? {} : { sender: o.sender }),
        ...(o.recipient === undefined ? {} : { recipient: o.recipient }),
        ...(o.inReplyTo === undefined ? {} : { inReplyTo: o.inReplyTo }),
        ...(o.id === undefined ? {} : { id: o.id }),
      };
      const bytes = await annotated(o.in, () => sealSdc({ header, body }, { signer: identity, recipient }));
      const form = outForm(o);
      const data = form === 'SDC' ? armorSdc(bytes) : form === 'SMIME' ? toSmime(bytes) : bytes;
      await writeOutputs(io, [{ name: o.out, data }]);
    });

  const open = sdc
    .command('open')
    .description("open one container: decrypt, verify the sender's signature and path, check the header")
    .requiredOption('--in <file>', 'the container: DER, armoured .sdc or S/MIME (- for stdin)')
    .option('--out <file>', 'where to write the body, canonical JSON (RFC 8785; - for stdout)')
    .option('--recip <file>', 'the recipient certificate (PEM), if --inkey does not hold it')
    .requiredOption('--inkey <file>', "the recipient's private key, or a packed identity");
  addTrustOptions(open, "the sender's certificate")
    .addOption(passinOption('--inkey, if protected'))
    .option('--recipient <party>', 'the party id the container must be addressed to (default: the CN of --recip)')
    .addOption(
      new Option(
        '--attime <time>',
        "check the sender's path at this time: seconds since 1970 or ISO 8601 (default: now)",
      ).argParser(parseTime),
    )
    .addOption(new Option('--inform <form>', 'DER, SDC or SMIME (default: detected)').argParser(parseSdcForm))
    .option('--json', 'print the result, header and body included, as JSON')
    .addHelpText(
      'after',
      `
Exit code 0: opened; the header is printed (stdout) and the body written to --out.
Exit code 1: rejected, with the reason on stderr as semper: ERR_SDC_<REASON>: … — MALFORMED, TOO_LARGE,
TOO_DEEP, UNSUPPORTED_VERSION, WRONG_RECIPIENT, DECRYPT_FAILED, BAD_SIGNATURE, UNTRUSTED_SIGNER (with the
path validator's reason), HEADER_MISMATCH, SENDER_MISMATCH, UNSUPPORTED_ALGORITHM. Nothing is written then.
Exit code 2: bad usage, unreadable key or certificate files, a wrong passphrase.

The sender's certificate is validated by RFC 5280 (as cert verify --purpose sign) up to --CAfile.

Example:
  semper sdc open --in 0001.sdc --out rows.json --recip hub.pem --inkey hub.key --CAfile ca.pem`,
    )
    .action(async (o: OpenOptions) => {
      requireDistinctStdout({ out: o.out, json: o.json });
      requireOneStdinReader([
        ['--in', o.in],
        ['--passin', o.passin],
      ]);
      await reportingFailureAsJson(
        o.json,
        io,
        async () => {
          const { canonicalize } = await import('@semper/statements');
          const { openSdc } = await import('@semper/sdc');
          const identity = await loadIdentity(io, {
            keyFile: o.inkey,
            certFile: o.recip,
            passin: o.passin,
            certFlag: '--recip',
          });
          const trust = await validatorFor(await loadTrustFlags(io, o), 'sign');
          const bytes = await rejecting(o.in, () => readSdc(io, o.in, o.inform));
          const opened = await rejecting(o.in, () =>
            openSdc(bytes, {
              identity,
              trust,
              ...(o.attime === undefined ? {} : { at: o.attime }),
              ...(o.recipient === undefined ? {} : { recipient: o.recipient }),
            }),
          );
          if (o.out !== undefined) await writeOutputs(io, [{ name: o.out, data: canonicalize(opened.body) }]);
          if (o.json) {
            writeJson(io.stdout, {
              opened: true,
              header: opened.header,
              signer: certificateSummary(opened.signer),
              chain: opened.chain.map((c) => c.subject),
              signingTime: opened.signingTime?.toISOString() ?? null,
              body: opened.body,
            });
          } else {
            writeReport(o.out === STDIO ? io.stderr : io.stdout, 'Container opened', [
              ...headerRows(opened.header),
              ['signer', opened.signer.subject],
              ['issuer', opened.signer.issuer],
              ['serial', opened.signer.serialNumber],
              ['signing time', opened.signingTime?.toISOString()],
              ['chain', opened.chain.map((c) => c.subject)],
            ]);
          }
        },
        'opened',
        (err) => {
          const failure = pathFailureOf(err);
          return failure === undefined ? {} : { failure };
        },
      );
    });

  sdc
    .command('inspect')
    .description('show the clear header of a container WITHOUT decrypting or verifying it')
    .requiredOption('--in <file>', 'the container: DER, armoured .sdc or S/MIME (- for stdin)')
    .addOption(new Option('--inform <form>', 'DER, SDC or SMIME (default: detected)').argParser(parseSdcForm))
    .option('--json', 'print it as JSON')
    .addHelpText(
      'after',
      `
The clear header is what the container says about itself; semper sdc open checks it against the signed
header. An unreadable container is exit code 2 (semper: ERR_SDC_…).

Example:
  semper sdc inspect --in 0001.sdc`,
    )
    .action(async (o: InspectOptions) => {
      const { inspectSdc } = await import('@semper/sdc');
      const bytes = await readSdc(io, o.in, o.inform);
      const seen: InspectedSdc = await annotated(o.in, () => inspectSdc(bytes));
      const warning = 'UNVERIFIED: the clear header, not decrypted, not checked against the signed one';
      if (o.json) {
        writeJson(io.stdout, { unverified: true, warning, ...seen });
        return;
      }
      writeReport(io.stdout, warning, [
        ...headerRows(seen.header),
        ['recipients', String(seen.recipients)],
        ['encryption', seen.contentEncryption === '2.16.840.1.101.3.4.1.46' ? 'AES-256-GCM' : seen.contentEncryption],
        [
          'size',
          `${seen.sizes.container} bytes (encrypted content ${seen.sizes.encryptedContent}, header ${seen.sizes.header})`,
        ],
      ]);
    });
}
