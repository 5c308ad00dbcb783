import { createIdentity, type KeySpec, packIdentity, unpackIdentity } from '@semper/crypto';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { annotated, CliError } from './errors.js';
import { type CliIo, readText, writeOutputs } from './files.js';
import { intermediatesOf, loadIdentity } from './material.js';
import { checkPassphraseSource, parseInteger, passinOption } from './options.js';
import { getNewPassphrase, getPassphrase } from './passphrase.js';

interface CreateOptions {
  subject: string;
  ec?: boolean;
  rsa?: boolean;
  curve?: 'P-256' | 'P-384';
  bits?: 2048 | 3072 | 4096;
  days?: number;
  outKey: string;
  outCert: string;
}

interface PackOptions {
  key: string;
  cert?: string;
  chain?: string;
  out: string;
  passin?: string;
  passout?: string;
}

interface UnpackOptions {
  in: string;
  outKey: string;
  outCert: string;
  outChain?: string;
  passin?: string;
}

function distinct(...names: (string | undefined)[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (n === undefined || n === '-') continue;
    if (seen.has(n)) throw new CliError('ERR_CLI_USAGE', `the same file ${n} is named for two outputs`);
    seen.add(n);
  }
}

/** Adds `semper identity create|pack|unpack`. */
export function addIdentityCommands(program: Command, io: CliIo): void {
  const identity = program
    .command('identity')
    .description('create, pack and unpack identities (a private key with its certificate)');

  identity
    .command('create')
    .description('create a key pair and a self-signed certificate')
    .requiredOption('--subject <dn>', 'subject name, RFC 4514 (e.g. "CN=Alice,O=Example")')
    .addOption(new Option('--ec', 'an EC key (default)').conflicts(['rsa', 'bits']))
    .addOption(new Option('--rsa', 'an RSA key').conflicts(['ec', 'curve']))
    .addOption(new Option('--curve <curve>', 'EC curve (default: P-256)').choices(['P-256', 'P-384']).conflicts('rsa'))
    .addOption(
      new Option('--bits <bits>', 'RSA modulus length, 2048, 3072 or 4096 (default: 3072); implies --rsa')
        .argParser((v) => {
          const n = parseInteger(2048, 4096)(v);
          if (n !== 2048 && n !== 3072 && n !== 4096) throw new InvalidArgumentError('expected 2048, 3072 or 4096.');
          return n;
        })
        .conflicts(['ec', 'curve']),
    )
    .addOption(new Option('--days <days>', 'validity in days').argParser(parseInteger(1, 36500)))
    .requiredOption('--out-key <file>', 'where to write the private key (PKCS#8 PEM, mode 0600)')
    .requiredOption('--out-cert <file>', 'where to write the certificate (PEM)')
    .addHelpText(
      'after',
      `
Example:
  semper identity create --subject "CN=Alice,O=Example" --out-key alice.key --out-cert alice.pem`,
    )
    .action(async (o: CreateOptions) => {
      distinct(o.outKey, o.outCert);
      const key: KeySpec =
        o.rsa || o.bits !== undefined
          ? { type: 'rsa', modulusLength: o.bits ?? 3072 }
          : { type: 'ec', curve: o.curve ?? 'P-256' };
      const id = await annotated('--subject', () => createIdentity({ subject: o.subject, key, validityDays: o.days }));
      await writeOutputs(io, [
        { name: o.outKey, data: id.privateKey.toPem(), mode: 0o600 },
        { name: o.outCert, data: id.certificate.toPem() },
      ]);
    });

  identity
    .command('pack')
    .description('protect a private key with a passphrase and bundle it with its certificates in one PEM file')
    .requiredOption('--key <file>', 'the private key (PKCS#8, SEC1 or PKCS#1 PEM)')
    .option('--cert <file>', 'its certificate, PEM, optionally followed by intermediates (default: those in --key)')
    .option('--chain <file>', 'more intermediate certificates (PEM)')
    .requiredOption('--out <file>', 'where to write the packed identity (mode 0600)')
    .addOption(
      new Option(
        '--passout <source>',
        'the new passphrase: env:VAR, file:PATH, stdin or pass:TEXT (default: ask twice on the terminal)',
      )
        .argParser(checkPassphraseSource('--passout'))
        .conflicts('passin'),
    )
    .addOption(
      new Option('--passin <source>', 'same as --passout')
        .argParser(checkPassphraseSource('--passin'))
        .conflicts('passout'),
    )
    .addHelpText(
      'after',
      `
The output holds an ENCRYPTED PRIVATE KEY (PKCS#8, PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC) and the
CERTIFICATE blocks; openssl pkey and openssl x509 read it.

Example:
  SEMPER_PASS=… semper identity pack --key alice.key --cert alice.pem --out alice.id.pem --passout env:SEMPER_PASS`,
    )
    .action(async (o: PackOptions) => {
      const id = await loadIdentity(io, {
        keyFile: o.key,
        certFile: o.cert,
        chainFile: o.chain,
        certFlag: '--cert',
      });
      const passphrase = await getNewPassphrase(io, o.passout ?? o.passin, `Enter pass phrase for ${o.out}: `);
      const packed = await packIdentity(id, passphrase);
      await writeOutputs(io, [{ name: o.out, data: packed, mode: 0o600 }]);
    });

  identity
    .command('unpack')
    .description('open a packed identity: write its private key and certificate')
    .requiredOption('--in <file>', 'the packed identity (from semper identity pack)')
    .addOption(passinOption('the packed identity'))
    .requiredOption('--out-key <file>', 'where to write the private key (PKCS#8 PEM, unprotected, mode 0600)')
    .requiredOption('--out-cert <file>', 'where to write the certificate (PEM)')
    .option('--out-chain <file>', 'where to write the other certificates (PEM)')
    .addHelpText(
      'after',
      `
Example:
  semper identity unpack --in alice.id.pem --passin file:pass.txt --out-key alice.key --out-cert alice.pem`,
    )
    .action(async (o: UnpackOptions) => {
      distinct(o.outKey, o.outCert, o.outChain);
      const text = await readText(io, o.in);
      const passphrase = await getPassphrase(io, o.passin, `Enter pass phrase for ${o.in}: `);
      const id = await annotated(o.in, () => unpackIdentity(text, passphrase));
      const rest = intermediatesOf(id);
      await writeOutputs(io, [
        { name: o.outKey, data: id.privateKey.toPem(), mode: 0o600 },
        { name: o.outCert, data: id.certificate.toPem() },
        ...(o.outChain === undefined ? [] : [{ name: o.outChain, data: rest.map((c) => c.toPem()).join('') }]),
      ]);
    });
}
