// `semper pay`: pay a payee's account at the mint with coins of a wallet (the deposit done online by the payer).
import { resolve } from 'node:path';
import { Money, newId, SemperError } from '@semper/core';
import type { Command } from 'commander';
import { VerdictError } from './errors.js';
import type { CliIo } from './files.js';
import { writeJson } from './report.js';
import { openCliWallet } from './wallet.command.js';

/** Adds `semper pay`. */
export function addPayCommand(program: Command, io: CliIo): void {
  program
    .command('pay')
    .description("pay an amount to a payee's account at the mint with the wallet's coins (change comes back as coins)")
    .argument('<amount>', 'e.g. 7.35')
    .requiredOption('--to <account>', "the payee's account at the mint")
    .requiredOption('--wallet <dir>', 'the wallet folder')
    .option('--reference <ref>', 'the payment reference (an order id); default a new id')
    .option('--json', 'print the outcome as JSON')
    .addHelpText(
      'after',
      `
Exit code 0 when the mint accepted the coins; 1 when it refused them (double-spent, expired: the coins are
dropped from the wallet and the reason printed); 2 on usage errors or when the wallet cannot cover the
amount (ERR_ECASH_INSUFFICIENT_COINS).

Example:
  semper pay 7.35 --to shop --reference order-42 --wallet ./alice`,
    )
    .action(async (amount: string, o: { to: string; wallet: string; reference?: string; json?: boolean }) => {
      const w = await openCliWallet(resolve(io.cwd, o.wallet));
      try {
        const reference = o.reference ?? newId('pay');
        const settlement = await w.wallet.pay(
          Money.parse(amount, w.config.currency),
          { account: o.to, reference },
          reference,
        );
        if (o.json)
          writeJson(io.stdout, {
            ...settlement,
            ...('paid' in settlement ? { paid: settlement.paid.toJSON(), change: settlement.change.toJSON() } : {}),
          });
        if (settlement.status === 'rejected') {
          const code = `ERR_ECASH_${settlement.reason.toUpperCase().replaceAll('-', '_')}`;
          throw new VerdictError(new SemperError(code, `the mint refused the coins: ${settlement.reason}`));
        }
        if (!o.json)
          io.stdout.write(
            `paid ${settlement.paid.toString()} to ${o.to} (${reference}); change ${settlement.change.toString()}\n`,
          );
      } finally {
        await w.close();
      }
    });
}
