import {
  type Certificate,
  type ContentEncryption,
  createReceipt,
  decryptData,
  type DigestName,
  encryptData,
  signData,
  TrustStore,
  verifyReceipt,
  verifySignedData,
} from '@semper/crypto';
import { type Command, Option } from 'commander';
import { annotated, CliError } from './errors.js';
import { type CliIo, readInput, STDIO, writeOutputs } from './files.js';
import { type CmsForm, encodeCms, loadCertificate, loadCertificates, loadIdentity, readCms } from './material.js';
import {
  collect,
  informOption,
  outformOptions,
  outputForm,
  parseDigest,
  parseOid,
  parseTime,
  passinOption,
  requireDistinctStdout,
} from './options.js';
import { certificateSummary, reportingFailureAsJson, writeJson, writeReport } from './report.js';

/** Names of the content types a user is likely to meet. */
const CONTENT_TYPE_NAMES: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.7.1': 'id-data',
  '1.2.840.113549.1.7.2': 'id-signedData',
  '1.2.840.113549.1.7.3': 'id-envelopedData',
  '1.2.840.113549.1.9.16.1.23': 'id-ct-authEnvelopedData',
  '1.2.840.113549.1.9.16.1.1': 'id-ct-receipt',
};

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

async function loadTrust(io: CliIo, caFile: string): Promise<TrustStore> {
  return new TrustStore(await loadCertificates(io, caFile));
}

interface SignOptions {
  in: string;
  out: string;
  signer?: string;
  inkey: string;
  certfile?: string;
  passin?: string;
  detached?: boolean;
  md: DigestName;
  econtentType?: string;
  receiptRequest?: boolean;
  receiptRequestFrom?: 'all' | 'first-tier';
  receiptRequestTo?: string[];
  outform?: CmsForm;
  pem?: boolean;
}

interface VerifyOptions {
  in: string;
  content?: string;
  CAfile: string;
  out?: string;
  json?: boolean;
  inform?: CmsForm;
  attime?: Date;
}

interface EncryptOptions {
  in: string;
  out: string;
  recip: string[];
  aes128Cbc?: boolean;
  aes256Cbc?: boolean;
  aes128Gcm?: boolean;
  aes256Gcm?: boolean;
  outform?: CmsForm;
  pem?: boolean;
}

interface DecryptOptions {
  in: string;
  out: string;
  recip?: string;
  inkey: string;
  passin?: string;
  inform?: CmsForm;
}

interface ReceiptOptions {
  in: string;
  out: string;
  signer?: string;
  inkey: string;
  certfile?: string;
  passin?: string;
  CAfile: string;
  inform?: CmsForm;
  outform?: CmsForm;
  pem?: boolean;
}

interface VerifyReceiptOptions {
  in: string;
  original: string;
  CAfile: string;
  json?: boolean;
  inform?: CmsForm;
}

const CIPHERS = [
  ['aes-128-cbc', 'AES-128-CBC', 'EnvelopedData with AES-128-CBC'],
  ['aes-256-cbc', 'AES-256-CBC', 'EnvelopedData with AES-256-CBC'],
  ['aes-128-gcm', 'AES-128-GCM', 'AuthEnvelopedData with AES-128-GCM'],
  ['aes-256-gcm', 'AES-256-GCM', 'AuthEnvelopedData with AES-256-GCM (default)'],
] as const;

/** Adds `semper cms sign|verify|encrypt|decrypt|receipt|verify-receipt`. */
export function addCmsCommands(program: Command, io: CliIo): void {
  const cms = program
    .command('cms')
    .description('sign, verify, encrypt and decrypt CMS messages; signed receipts (RFC 5652, 5083, 2634)');

  const sign = cms
    .command('sign')
    .description('sign a file: CMS SignedData with content-type, message-digest and signing-time attributes')
    .requiredOption('--in <file>', 'the content to sign (- for stdin)')
    .requiredOption('--out <file>', 'where to write the SignedData (- for stdout)')
    .option('--signer <file>', "the signer's certificate, PEM, optionally followed by intermediates")
    .requiredOption('--inkey <file>', "the signer's private key, or a packed identity (then --signer may be left out)")
    .option('--certfile <file>', 'more intermediate certificates to include (PEM)')
    .addOption(passinOption('--inkey, if protected'))
    .option('--detached', 'leave the content out of the SignedData (verify with --content)')
    .addOption(
      new Option('--md <digest>', 'digest algorithm: sha256, sha384 or sha512')
        .argParser(parseDigest)
        .default('SHA-256', 'sha256'),
    )
    .addOption(
      new Option('--econtent-type <oid>', 'content type OID of the signed content (default: id-data)').argParser(
        parseOid,
      ),
    )
    .option('--receipt-request', 'ask for a signed receipt (RFC 2634); needs --receipt-request-to')
    .addOption(
      new Option('--receipt-request-from <who>', 'who is asked for a receipt (default: all)').choices([
        'all',
        'first-tier',
      ]),
    )
    .option(
      '--receipt-request-to <address>',
      'e-mail address receipts go to (repeatable); implies --receipt-request',
      collect,
    );
  for (const o of outformOptions()) sign.addOption(o);
  sign
    .addHelpText(
      'after',
      `
Example:
  semper cms sign --in order.json --out order.p7m --signer alice.pem --inkey alice.key
  semper cms sign --in order.json --out order.p7m --inkey alice.id.pem --passin env:SEMPER_PASS \\
    --receipt-request-to alice@example.com --pem`,
    )
    .action(async (o: SignOptions) => {
      const to = o.receiptRequestTo ?? [];
      const wantsReceipt = o.receiptRequest || o.receiptRequestFrom !== undefined || to.length > 0;
      if (wantsReceipt && to.length === 0) {
        throw new CliError('ERR_CLI_USAGE', '--receipt-request needs at least one --receipt-request-to address');
      }
      const signer = await loadIdentity(io, {
        keyFile: o.inkey,
        certFile: o.signer,
        chainFile: o.certfile,
        passin: o.passin,
        certFlag: '--signer',
      });
      const content = await readInput(io, o.in);
      const signed = await signData(content, {
        signer,
        detached: o.detached,
        digest: o.md,
        contentType: o.econtentType,
        receiptRequest: wantsReceipt ? { from: o.receiptRequestFrom ?? 'all', to } : undefined,
      });
      await writeOutputs(io, [{ name: o.out, data: encodeCms(signed, outputForm(o)) }]);
    });

  cms
    .command('verify')
    .description("verify a SignedData: the signature, and the signer's chain to a trusted certificate")
    .requiredOption('--in <file>', 'the SignedData (- for stdin)')
    .option('--content <file>', 'the content of a detached signature')
    .requiredOption('--CAfile <file>', 'the trusted certificates (PEM)')
    .option('--out <file>', 'where to write the verified content (- for stdout)')
    .option('--json', 'print the result as JSON')
    .addOption(informOption())
    .addOption(
      new Option(
        '--attime <time>',
        'check validity at this time: seconds since 1970 or ISO 8601 (default: now)',
      ).argParser(parseTime),
    )
    .addHelpText(
      'after',
      `
Prints the signer, its serial number, the signing time and the content type (stdout; stderr when the content
goes to stdout). Exit code 1 when the signature does not verify or the signer is not trusted.

Example:
  semper cms verify --in order.p7m --CAfile ca.pem --out order.json --json`,
    )
    .action(async (o: VerifyOptions) => {
      requireDistinctStdout(o);
      await reportingFailureAsJson(o.json, io, async () => {
        const bytes = await readCms(io, o.in, o.inform);
        const trust = await loadTrust(io, o.CAfile);
        const content = o.content === undefined ? undefined : await readInput(io, o.content);
        const result = await annotated(o.in, () => verifySignedData(bytes, { trust, content, at: o.attime }));
        if (o.out !== undefined) await writeOutputs(io, [{ name: o.out, data: result.content }]);
        if (o.json) {
          writeJson(io.stdout, {
            verified: true,
            signer: certificateSummary(result.signer),
            chain: result.chain.map((c) => c.subject),
            signingTime: result.signingTime?.toISOString() ?? null,
            contentType: result.contentType,
            contentTypeName: CONTENT_TYPE_NAMES[result.contentType] ?? null,
            digestAlgorithm: result.digestAlgorithm,
            detached: content !== undefined,
            contentLength: result.content.length,
            ...(result.receiptRequest === undefined
              ? {}
              : {
                  receiptRequest: {
                    contentIdentifier: hex(result.receiptRequest.contentIdentifier),
                    from: result.receiptRequest.from,
                    to: result.receiptRequest.to,
                  },
                }),
          });
        } else {
          const name = CONTENT_TYPE_NAMES[result.contentType];
          writeReport(o.out === STDIO ? io.stderr : io.stdout, 'Verification successful', [
            ['signer', result.signer.subject],
            ['issuer', result.signer.issuer],
            ['serial', result.signer.serialNumber],
            ['signing time', result.signingTime?.toISOString()],
            ['content type', name === undefined ? result.contentType : `${result.contentType} (${name})`],
            ['digest', result.digestAlgorithm],
            ['receipt request', result.receiptRequest === undefined ? undefined : result.receiptRequest.to.join(', ')],
          ]);
        }
      });
    });

  const encrypt = cms
    .command('encrypt')
    .description('encrypt a file to one or more certificates (AuthEnvelopedData or EnvelopedData)')
    .requiredOption('--in <file>', 'the content to encrypt (- for stdin)')
    .requiredOption('--out <file>', 'where to write the encrypted message (- for stdout)')
    .requiredOption('--recip <file>', 'a recipient certificate, PEM or DER (repeatable)', collect);
  for (const [flag, , description] of CIPHERS) {
    encrypt.addOption(
      new Option(`--${flag}`, description).conflicts(CIPHERS.filter(([f]) => f !== flag).map(([f]) => camel(f))),
    );
  }
  for (const o of outformOptions()) encrypt.addOption(o);
  encrypt
    .addHelpText(
      'after',
      `
RSA recipients get RSA-OAEP (SHA-256) key transport, EC recipients ECDH with the SHA-256 X9.63 KDF.

Example:
  semper cms encrypt --in order.json --out order.p7e --recip hub.pem`,
    )
    .action(async (o: EncryptOptions) => {
      const chosen = CIPHERS.find(([flag]) => o[camel(flag) as keyof EncryptOptions] === true);
      const contentEncryption: ContentEncryption = chosen?.[1] ?? 'AES-256-GCM';
      const recipients: Certificate[] = [];
      for (const name of o.recip) recipients.push(await loadCertificate(io, name));
      const content = await readInput(io, o.in);
      const encrypted = await encryptData(content, { recipients, contentEncryption });
      await writeOutputs(io, [{ name: o.out, data: encodeCms(encrypted, outputForm(o)) }]);
    });

  cms
    .command('decrypt')
    .description('decrypt an EnvelopedData or AuthEnvelopedData with a private key')
    .requiredOption('--in <file>', 'the encrypted message (- for stdin)')
    .requiredOption('--out <file>', 'where to write the content (- for stdout)')
    .option('--recip <file>', "the recipient's certificate (default: those in --inkey)")
    .requiredOption('--inkey <file>', "the recipient's private key, or a packed identity")
    .addOption(passinOption('--inkey, if protected'))
    .addOption(informOption())
    .addHelpText(
      'after',
      `
Exit code 1 when the message cannot be decrypted (wrong key, no matching recipient, tampered ciphertext).

Example:
  semper cms decrypt --in order.p7e --out order.json --recip hub.pem --inkey hub.key`,
    )
    .action(async (o: DecryptOptions) => {
      const identity = await loadIdentity(io, {
        keyFile: o.inkey,
        certFile: o.recip,
        passin: o.passin,
        certFlag: '--recip',
      });
      const bytes = await readCms(io, o.in, o.inform);
      const result = await annotated(o.in, () => decryptData(bytes, { identity }));
      await writeOutputs(io, [{ name: o.out, data: result.content }]);
    });

  const receipt = cms
    .command('receipt')
    .description('make the signed receipt (RFC 2634) that a SignedData asks for, after verifying it')
    .requiredOption('--in <file>', 'the SignedData that asks for a receipt (- for stdin)')
    .requiredOption('--out <file>', 'where to write the receipt (- for stdout)')
    .option('--signer <file>', "the receipt signer's certificate (default: those in --inkey)")
    .requiredOption('--inkey <file>', "the receipt signer's private key, or a packed identity")
    .option('--certfile <file>', 'more intermediate certificates to include (PEM)')
    .addOption(passinOption('--inkey, if protected'))
    .requiredOption('--CAfile <file>', 'the certificates trusted to sign the original (PEM)')
    .addOption(informOption());
  for (const o of outformOptions()) receipt.addOption(o);
  receipt
    .addHelpText(
      'after',
      `
Example:
  semper cms receipt --in order.p7m --out order.rct --signer bob.pem --inkey bob.key --CAfile ca.pem`,
    )
    .action(async (o: ReceiptOptions) => {
      const signer = await loadIdentity(io, {
        keyFile: o.inkey,
        certFile: o.signer,
        chainFile: o.certfile,
        passin: o.passin,
        certFlag: '--signer',
      });
      const bytes = await readCms(io, o.in, o.inform);
      const trust = await loadTrust(io, o.CAfile);
      const made = await annotated(o.in, () => createReceipt(bytes, { signer, trust }));
      await writeOutputs(io, [{ name: o.out, data: encodeCms(made, outputForm(o)) }]);
    });

  cms
    .command('verify-receipt')
    .description('verify a signed receipt against the SignedData it acknowledges')
    .requiredOption('--in <file>', 'the signed receipt (- for stdin)')
    .requiredOption('--original <file>', 'the SignedData that asked for the receipt')
    .requiredOption('--CAfile <file>', 'the certificates trusted to sign the receipt (PEM)')
    .option('--json', 'print the result as JSON')
    .addOption(informOption('the receipt and the original'))
    .addHelpText(
      'after',
      `
Exit code 1 when the receipt's signature does not verify, its signer is not trusted, or it does not match the
original (content identifier, message signature digest).

Example:
  semper cms verify-receipt --in order.rct --original order.p7m --CAfile ca.pem --json`,
    )
    .action(async (o: VerifyReceiptOptions) => {
      await reportingFailureAsJson(o.json, io, async () => {
        const bytes = await readCms(io, o.in, o.inform);
        const original = await readCms(io, o.original, o.inform);
        const trust = await loadTrust(io, o.CAfile);
        const result = await annotated(o.in, () => verifyReceipt(bytes, { original, trust }));
        if (o.json) {
          writeJson(io.stdout, {
            verified: true,
            signer: certificateSummary(result.signer),
            signingTime: result.signingTime?.toISOString() ?? null,
            contentIdentifier: hex(result.contentIdentifier),
          });
        } else {
          writeReport(io.stdout, 'Receipt verification successful', [
            ['signer', result.signer.subject],
            ['issuer', result.signer.issuer],
            ['serial', result.signer.serialNumber],
            ['signing time', result.signingTime?.toISOString()],
            ['content identifier', hex(result.contentIdentifier)],
          ]);
        }
      });
    });
}

/** commander's attribute name for a flag: `aes-256-gcm` → `aes256Gcm`. */
function camel(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
