// `semper mint init|account|serve`: an ecash mint (@semper/payment-ecash) in a data folder, served over HTTP.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Money } from '@semper/core';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { CliError } from './errors.js';
import type { CliIo } from './files.js';
import { passinOption } from './options.js';
import { getNewPassphrase, getPassphrase } from './passphrase.js';
import { untilStopped } from './serve.js';
import { writeJson } from './report.js';

/** What `mint init` writes to `<data>/mint.json`. */
interface MintConfig {
  id: string;
  currency: string;
  denominations: string[];
  modulusBits: number;
  /** Whether the keys are encrypted under a passphrase (`mint init` without `--no-key-encryption`). */
  encryptedKeys?: boolean;
}

const CONFIG = 'mint.json';

function parseDenominations(value: string): string[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.length === 0 || !parts.every((p) => /^[1-9][0-9]{0,15}$/.test(p))) {
    throw new InvalidArgumentError('--denominations is a comma-separated list of positive integers (minor units).');
  }
  return parts;
}

async function readMintConfig(dir: string): Promise<MintConfig> {
  let text: string;
  try {
    text = await readFile(join(dir, CONFIG), 'utf8');
  } catch (cause) {
    throw new CliError('ERR_CLI_READ', `${dir} is not a mint folder (no ${CONFIG}; run semper mint init)`, { cause });
  }
  const c = JSON.parse(text) as MintConfig;
  if (typeof c.id !== 'string' || typeof c.currency !== 'string' || !Array.isArray(c.denominations)) {
    throw new CliError('ERR_CLI_BAD_INPUT', `${join(dir, CONFIG)} is malformed`);
  }
  return c;
}

/**
 * Opens the mint of a data folder (its PGlite database in `<data>/db`); `passphrase` unlocks its keys (a
 * function, so that it is asked only when the folder's keys are encrypted).
 */
async function openMintFolder(dir: string, passphrase: () => Promise<string | undefined>) {
  const config = await readMintConfig(dir);
  const keyPassphrase = config.encryptedKeys === true ? await passphrase() : undefined;
  const { openStore } = await import('@semper/store');
  const { EcashMint } = await import('@semper/payment-ecash');
  const store = await openStore(`pglite:${join(dir, 'db')}`);
  try {
    const mint = await EcashMint.open({
      id: config.id,
      store,
      modulusBits: config.modulusBits,
      denominations: [{ currency: config.currency, values: config.denominations.map((d) => BigInt(d)) }],
      ...(keyPassphrase === undefined ? {} : { keyPassphrase }),
    });
    return { mint, store, config };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** Adds `semper mint init`, `semper mint account` and `semper mint serve`. */
export function addMintCommands(program: Command, io: CliIo): void {
  const mint = program
    .command('mint')
    .description('an ecash mint: blind-signed coins, accounts, double-spending detection');

  mint
    .command('init')
    .description('create a mint in a data folder: its database and one RSA key per denomination')
    .requiredOption('--data <dir>', 'the mint folder (created)')
    .option('--id <name>', 'the mint name', 'mint')
    .option('--currency <code>', 'the currency (ISO 4217)', 'EUR')
    .addOption(
      new Option('--denominations <list>', 'coin values in minor units')
        .default(parseDenominations('1,2,5,10,20,50,100,200,500,1000,2000,5000,10000'), '1,2,5,…,10000')
        .argParser(parseDenominations),
    )
    .option('--bits <n>', 'RSA modulus of each key (>= 2048)', '2048')
    .option(
      '--passout <source>',
      'the passphrase the keys are encrypted under: env:VAR, file:PATH, stdin, pass:TEXT (default: asked)',
    )
    .option('--no-key-encryption', 'keep the private keys in the database in the clear (tests, throw-away mints)')
    .action(
      async (o: {
        data: string;
        id: string;
        currency: string;
        denominations: string[];
        bits: string;
        passout?: string;
        keyEncryption: boolean;
      }) => {
        const dir = resolve(io.cwd, o.data);
        Money.zero(o.currency);
        if (!o.keyEncryption && o.passout !== undefined) {
          throw new CliError('ERR_CLI_USAGE', '--passout and --no-key-encryption exclude each other');
        }
        const passphrase = o.keyEncryption ? await getNewPassphrase(io, o.passout, 'Mint key passphrase') : undefined;
        await mkdir(dir, { recursive: true });
        const config: MintConfig = {
          id: o.id,
          currency: o.currency,
          denominations: o.denominations,
          modulusBits: Number(o.bits),
          encryptedKeys: o.keyEncryption,
        };
        await writeFile(join(dir, CONFIG), `${JSON.stringify(config, null, 2)}\n`, { flag: 'wx' }).catch((cause) => {
          throw new CliError('ERR_CLI_WRITE', `${join(dir, CONFIG)} exists or cannot be written`, { cause });
        });
        const { store, mint: created } = await openMintFolder(dir, async () => passphrase);
        const { toBase64Url } = await import('@semper/payment-ecash');
        await store.close();
        io.stdout.write(
          `mint '${o.id}' created in ${dir}: ${o.denominations.length} ${o.currency} denominations, keys ${o.keyEncryption ? 'encrypted' : 'NOT encrypted'}\n`,
        );
        io.stdout.write(`master key ${toBase64Url(created.masterPublicKey)} (for semper wallet init --mint-key)\n`);
      },
    );

  mint
    .command('account')
    .description('open an account at the mint (with the public key `semper wallet init` printed) and/or credit it')
    .argument('<id>', 'the account id')
    .requiredOption('--data <dir>', 'the mint folder')
    .option('--key <base64url>', 'open the account with this Ed25519 public key')
    .option('--credit <amount>', 'credit the account with this amount (money paid in from outside), e.g. 100.00')
    .addOption(passinOption("the mint's keys, if encrypted"))
    .action(async (id: string, o: { data: string; key?: string; credit?: string; passin?: string }) => {
      if (o.key === undefined && o.credit === undefined)
        throw new CliError('ERR_CLI_USAGE', 'give --key, --credit or both');
      const dir = resolve(io.cwd, o.data);
      const { mint, store, config } = await openMintFolder(dir, () =>
        getPassphrase(io, o.passin, `Enter the key passphrase of the mint in ${dir}: `),
      );
      try {
        if (o.key !== undefined) {
          const { fromBase64Url } = await import('@semper/payment-ecash');
          const key = fromBase64Url(o.key);
          if (!key) throw new CliError('ERR_CLI_BAD_INPUT', '--key is not base64url');
          await mint.openAccount(id, config.currency, key);
        }
        if (o.credit !== undefined) await mint.creditAccount(id, Money.parse(o.credit, config.currency));
        io.stdout.write(`account ${id}: ${(await mint.accountBalance(id)).toString()}\n`);
      } finally {
        await store.close();
      }
    });

  mint
    .command('serve')
    .description('serve the mint over HTTP (a @semper/comms channel) until SIGINT or SIGTERM')
    .requiredOption('--data <dir>', 'the mint folder')
    .option('--port <n>', 'the TCP port (0: a free one)', '8080')
    .option('--host <host>', 'the address to listen on', '127.0.0.1')
    .option('--path <path>', 'the HTTP path', '/mint')
    .addOption(new Option('--duration <seconds>', 'stop after this long (default: until a signal)').argParser(Number))
    .option('--json', 'print the address as JSON')
    .addOption(passinOption("the mint's keys, if encrypted"))
    .action(
      async (o: {
        data: string;
        port: string;
        host: string;
        path: string;
        duration?: number;
        json?: boolean;
        passin?: string;
      }) => {
        const dir = resolve(io.cwd, o.data);
        const { mint, store } = await openMintFolder(dir, () =>
          getPassphrase(io, o.passin, `Enter the key passphrase of the mint in ${dir}: `),
        );
        const { Channel, openHttpTransport } = await import('@semper/comms');
        const { serveMint } = await import('@semper/payment-ecash');
        const transport = await openHttpTransport({ listen: { port: Number(o.port), host: o.host, path: o.path } });
        const channel = new Channel(transport);
        try {
          await serveMint(mint, channel);
          const { toBase64Url } = await import('@semper/payment-ecash');
          const masterKey = toBase64Url(mint.masterPublicKey);
          if (o.json) writeJson(io.stdout, { address: transport.address, masterKey });
          else io.stdout.write(`mint serving at ${transport.address}, master key ${masterKey}\n`);
          const rotation = setInterval(() => void mint.rotateKeys().catch(() => undefined), 3_600_000);
          await untilStopped(o.duration);
          clearInterval(rotation);
        } finally {
          await channel.close();
          await transport.close();
          await store.close();
        }
      },
    );
}
