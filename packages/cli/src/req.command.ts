import { type DigestName, encodeName, generateKeyPair, type KeySpec, type PrivateKey } from '@semper/crypto';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { annotated, CliError } from './errors.js';
import { type CliIo, writeOutputs } from './files.js';
import { loadPrivateKey } from './material.js';
import { parseDigest, parseForm, passinOption } from './options.js';

interface NewOptions {
  subject: string;
  inkey?: string;
  passin?: string;
  newkey?: KeySpec;
  keyout?: string;
  out: string;
  md?: DigestName;
  outform?: 'PEM' | 'DER';
}

/** `--newkey`: `ec` (P-256), `ec:P-384`, `rsa` (3072 bits), `rsa:2048`, `ed25519`. */
function parseNewKey(value: string): KeySpec {
  const [type, param, extra] = value.toLowerCase().split(':');
  if (extra === undefined) {
    if (type === 'ec' && (param === undefined || param === 'p-256' || param === 'prime256v1')) {
      return { type: 'ec', curve: 'P-256' };
    }
    if (type === 'ec' && (param === 'p-384' || param === 'secp384r1')) return { type: 'ec', curve: 'P-384' };
    if (type === 'rsa' && (param === undefined || param === '3072')) return { type: 'rsa', modulusLength: 3072 };
    if (type === 'rsa' && (param === '2048' || param === '4096')) {
      return { type: 'rsa', modulusLength: Number(param) as 2048 | 4096 };
    }
    if (type === 'ed25519' && param === undefined) return { type: 'ed25519' };
  }
  throw new InvalidArgumentError('expected ec, ec:P-256, ec:P-384, rsa, rsa:2048, rsa:3072, rsa:4096 or ed25519.');
}

/** Adds `semper req new`. */
export function addReqCommands(program: Command, io: CliIo): void {
  const req = program.command('req').description('PKCS#10 certification requests (RFC 2986)');

  req
    .command('new')
    .description("make a certification request, signed with the subject's key (its proof of possession)")
    .requiredOption('--subject <dn>', 'the subject, RFC 4514 (e.g. "CN=Agency 42,O=Hub,C=DE")')
    .addOption(
      new Option('--inkey <file>', 'the private key (PKCS#8, SEC1 or PKCS#1 PEM, or protected)').conflicts('newkey'),
    )
    .addOption(passinOption('--inkey, if protected'))
    .addOption(
      new Option('--newkey <spec>', 'make a new key: ec (P-256), ec:P-384, rsa (3072), rsa:2048, rsa:4096, ed25519')
        .argParser(parseNewKey)
        .conflicts('inkey'),
    )
    .option('--keyout <file>', 'where to write the new key (PKCS#8 PEM, unprotected, mode 0600); with --newkey')
    .requiredOption('--out <file>', 'where to write the request (- for stdout)')
    .addOption(
      new Option('--md <digest>', 'digest: sha256, sha384 or sha512 (default: sha256, sha384 for P-384)').argParser(
        parseDigest,
      ),
    )
    .addOption(new Option('--outform <form>', 'encoding of the request: PEM (default) or DER').argParser(parseForm))
    .addHelpText(
      'after',
      `
The request asks for nothing but the subject and the key: the CA's profile decides the rest. openssl makes
requests semper reads too: openssl req -new -key KEY.pem -subj "/CN=…/O=…" -out REQ.pem

Example:
  semper req new --subject "CN=Alice,O=Example" --inkey alice.key --out alice.csr
  semper req new --subject "CN=Alice,O=Example" --newkey ec --keyout alice.key --out alice.csr`,
    )
    .action(async (o: NewOptions) => {
      if ((o.inkey === undefined) === (o.newkey === undefined)) {
        throw new CliError('ERR_CLI_USAGE', 'give --inkey (an existing key) or --newkey (a new one)');
      }
      if ((o.newkey === undefined) !== (o.keyout === undefined)) {
        throw new CliError('ERR_CLI_USAGE', '--newkey and --keyout go together');
      }
      if (o.keyout !== undefined && o.keyout === o.out) {
        throw new CliError('ERR_CLI_USAGE', `the same file ${o.out} is named for two outputs`);
      }
      await annotated('--subject', () => encodeName(o.subject));
      let privateKey: PrivateKey;
      if (o.newkey !== undefined) privateKey = (await generateKeyPair(o.newkey)).privateKey;
      else privateKey = await loadPrivateKey(io, o.inkey as string, o.passin);
      const { createCertificationRequest } = await import('@semper/certificates');
      const request = await createCertificationRequest({
        subject: o.subject,
        keys: { privateKey },
        ...(o.md ? { digest: o.md } : {}),
      });
      await writeOutputs(io, [
        ...(o.keyout === undefined ? [] : [{ name: o.keyout, data: privateKey.toPem(), mode: 0o600 }]),
        { name: o.out, data: o.outform === 'DER' ? request.der : request.toPem() },
      ]);
    });
}
