// `semper wallet init|withdraw|balance|backup|restore`: an ecash wallet in a folder, talking to a mint over HTTP.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Money } from '@semper/core';
import type { Command } from 'commander';
import { CliError } from './errors.js';
import { type CliIo, readInput } from './files.js';
import { getNewPassphrase, getPassphrase } from './passphrase.js';
import { writeJson } from './report.js';

/** What `wallet init` writes to `<wallet>/wallet.json` (the account key is in `account.key`, mode 0600). */
interface WalletConfig {
  mint: string;
  currency: string;
  account: string;
  /** The mint's master public key (base64url), when given at `wallet init`; else pinned at first use. */
  mintKey?: string;
}

const CONFIG = 'wallet.json';
const KEY = 'account.key';

async function readWalletConfig(dir: string): Promise<WalletConfig> {
  let text: string;
  try {
    text = await readFile(join(dir, CONFIG), 'utf8');
  } catch (cause) {
    throw new CliError('ERR_CLI_READ', `${dir} is not a wallet folder (no ${CONFIG}; run semper wallet init)`, {
      cause,
    });
  }
  const c = JSON.parse(text) as WalletConfig;
  if (
    typeof c.mint !== 'string' ||
    typeof c.currency !== 'string' ||
    typeof c.account !== 'string' ||
    (c.mintKey !== undefined && typeof c.mintKey !== 'string')
  ) {
    throw new CliError('ERR_CLI_BAD_INPUT', `${join(dir, CONFIG)} is malformed`);
  }
  return c;
}

/**
 * Opens the wallet of a folder with an HTTP channel to its mint (a reply address on a free loopback port).
 * `close()` stops everything.
 */
export async function openCliWallet(dir: string) {
  const config = await readWalletConfig(dir);
  const { fromBase64Url, EcashWallet, channelMintClient } = await import('@semper/payment-ecash');
  const { Channel, openHttpTransport } = await import('@semper/comms');
  const { openStore } = await import('@semper/store');
  const privateKey = fromBase64Url((await readFile(join(dir, KEY), 'utf8')).trim());
  if (!privateKey) throw new CliError('ERR_CLI_BAD_INPUT', `${join(dir, KEY)} is malformed`);
  const transport = await openHttpTransport({ listen: { port: 0, host: '127.0.0.1', path: '/wallet' } });
  const channel = new Channel(transport);
  await channel.start({});
  const store = await openStore(`pglite:${join(dir, 'db')}`);
  const mint = channelMintClient(channel, config.mint, { timeoutMs: 60_000 });
  const mintMasterKey = config.mintKey === undefined ? undefined : fromBase64Url(config.mintKey);
  if (config.mintKey !== undefined && mintMasterKey?.length !== 32) {
    await Promise.all([channel.close(), transport.close(), store.close()]);
    throw new CliError('ERR_CLI_BAD_INPUT', `${join(dir, CONFIG)}: mintKey is not a base64url Ed25519 public key`);
  }
  const wallet = await EcashWallet.open({
    store,
    mint,
    ...(mintMasterKey === undefined ? {} : { mintMasterKey }),
    currency: config.currency,
    account: { id: config.account, privateKey },
  });
  return {
    wallet,
    config,
    store,
    mint,
    async close() {
      await channel.close();
      await transport.close();
      await store.close();
    },
  };
}

/** Adds `semper wallet init|withdraw|balance|backup|restore`. */
export function addWalletCommands(program: Command, io: CliIo): void {
  const wallet = program
    .command('wallet')
    .description('an ecash wallet: withdraw coins from an account at a mint, back up, restore');

  wallet
    .command('init')
    .description('create a wallet folder with a new account key; prints the public key for `semper mint account`')
    .requiredOption('--wallet <dir>', 'the wallet folder (created)')
    .requiredOption('--mint <url>', "the mint's address, e.g. http://127.0.0.1:8080/mint")
    .requiredOption('--account <id>', 'the account id at the mint')
    .option('--currency <code>', 'the currency', 'EUR')
    .option(
      '--mint-key <base64url>',
      "the mint's master public key (`semper mint init` prints it); without it the first one seen is pinned",
    )
    .action(async (o: { wallet: string; mint: string; account: string; currency: string; mintKey?: string }) => {
      const dir = resolve(io.cwd, o.wallet);
      Money.zero(o.currency);
      const { fromBase64Url, generateEd25519, toBase64Url } = await import('@semper/payment-ecash');
      if (o.mintKey !== undefined && fromBase64Url(o.mintKey)?.length !== 32) {
        throw new CliError('ERR_CLI_USAGE', '--mint-key is the base64url of a 32-octet Ed25519 public key');
      }
      await mkdir(dir, { recursive: true });
      const key = await generateEd25519();
      const config: WalletConfig = {
        mint: o.mint,
        currency: o.currency,
        account: o.account,
        ...(o.mintKey === undefined ? {} : { mintKey: o.mintKey }),
      };
      await writeFile(join(dir, CONFIG), `${JSON.stringify(config, null, 2)}\n`, { flag: 'wx' }).catch((cause) => {
        throw new CliError('ERR_CLI_WRITE', `${join(dir, CONFIG)} exists or cannot be written`, { cause });
      });
      await writeFile(join(dir, KEY), `${toBase64Url(key.privateKey)}\n`, { flag: 'wx', mode: 0o600 });
      await chmod(join(dir, KEY), 0o600);
      io.stdout.write(`${toBase64Url(key.publicKey)}\n`);
    });

  wallet
    .command('withdraw')
    .description('withdraw an amount from the account at the mint as coins')
    .argument('<amount>', 'e.g. 20.00')
    .requiredOption('--wallet <dir>', 'the wallet folder')
    .action(async (amount: string, o: { wallet: string }) => {
      const w = await openCliWallet(resolve(io.cwd, o.wallet));
      try {
        const outcome = await w.wallet.withdraw(Money.parse(amount, w.config.currency));
        if (outcome.status === 'insufficient-funds') {
          throw new CliError(
            'ERR_CLI_BAD_INPUT',
            `insufficient funds at the mint: ${outcome.balance.toString()} available`,
          );
        }
        io.stdout.write(`withdrew ${outcome.amount.toString()} in ${outcome.coins} coins\n`);
      } finally {
        await w.close();
      }
    });

  wallet
    .command('balance')
    .description("the wallet's coins, and the account's balance at the mint")
    .requiredOption('--wallet <dir>', 'the wallet folder')
    .option('--json', 'as JSON')
    .action(async (o: { wallet: string; json?: boolean }) => {
      const w = await openCliWallet(resolve(io.cwd, o.wallet));
      try {
        const coins = await w.wallet.balance();
        const account = await w.wallet.accountBalance();
        const count = (await w.wallet.coins('unspent')).length;
        if (o.json) writeJson(io.stdout, { coins: coins.toJSON(), coinCount: count, account: account.toJSON() });
        else io.stdout.write(`coins ${coins.toString()} (${count})\naccount ${account.toString()}\n`);
      } finally {
        await w.close();
      }
    });

  wallet
    .command('backup')
    .description('write a passphrase-encrypted backup of the wallet (coins and account key)')
    .argument('<file>', 'the backup file to write')
    .requiredOption('--wallet <dir>', 'the wallet folder')
    .option('--passout <source>', 'the passphrase: env:VAR, file:PATH, stdin or pass:TEXT (default: asked)')
    .action(async (file: string, o: { wallet: string; passout?: string }) => {
      const passphrase = await getNewPassphrase(io, o.passout, 'Backup passphrase');
      const w = await openCliWallet(resolve(io.cwd, o.wallet));
      try {
        await writeFile(resolve(io.cwd, file), await w.wallet.backup(passphrase), { mode: 0o600 });
        io.stdout.write(`backup of ${(await w.wallet.balance()).toString()} written to ${file}\n`);
      } finally {
        await w.close();
      }
    });

  wallet
    .command('restore')
    .description('restore a backup into a wallet folder (created if needed)')
    .argument('<file>', 'the backup file')
    .requiredOption('--wallet <dir>', 'the wallet folder')
    .option('--mint <url>', "the mint's address (for a new folder)")
    .option('--mint-key <base64url>', "the mint's master public key (for a new folder; else pinned at first use)")
    .option('--currency <code>', 'the currency (for a new folder)', 'EUR')
    .option('--passin <source>', 'the passphrase: env:VAR, file:PATH, stdin or pass:TEXT (default: asked)')
    .action(
      async (
        file: string,
        o: { wallet: string; mint?: string; mintKey?: string; currency: string; passin?: string },
      ) => {
        const dir = resolve(io.cwd, o.wallet);
        const bytes = await readInput(io, file);
        const passphrase = await getPassphrase(io, o.passin, 'Backup passphrase');
        const { decryptWalletBackup, toBase64Url } = await import('@semper/payment-ecash');
        const content = await decryptWalletBackup(bytes, passphrase);
        const exists = await readFile(join(dir, CONFIG), 'utf8').then(
          () => true,
          () => false,
        );
        if (!exists) {
          if (o.mint === undefined || content.account === null) {
            throw new CliError('ERR_CLI_USAGE', 'a new wallet folder needs --mint, and a backup with an account key');
          }
          await mkdir(dir, { recursive: true });
          const config: WalletConfig = {
            mint: o.mint,
            currency: o.currency,
            account: content.account.id,
            ...(o.mintKey === undefined ? {} : { mintKey: o.mintKey }),
          };
          await writeFile(join(dir, CONFIG), `${JSON.stringify(config, null, 2)}\n`, { flag: 'wx' });
          await writeFile(join(dir, KEY), `${toBase64Url(content.account.privateKey)}\n`, { flag: 'wx', mode: 0o600 });
        }
        const w = await openCliWallet(dir);
        try {
          const { coins } = await w.wallet.load(content.snapshot);
          io.stdout.write(`restored ${coins} coins: ${(await w.wallet.balance()).toString()}\n`);
        } finally {
          await w.close();
        }
      },
    );
}
