// `semper pay`: pay a running payee (`semper shop serve`) through the payments block — its signed request
// checked, the amount and payee confirmed, the module negotiated — or, without a payee running, pay into an
// account at the mint with coins of a wallet (the deposit done online by the payer).
import { resolve } from 'node:path';
import { Money, newId, Preferences, SemperError } from '@semper/core';
import type { Command } from 'commander';
import { CliError, VerdictError } from './errors.js';
import type { CliIo } from './files.js';
import { INVOICE_CONTENT_TYPE, type InvoiceAnswer, type InvoiceRequest, openPaymentParty } from './payment-party.js';
import { writeJson } from './report.js';
import { addTrustOptions, loadTrustFlags, type TrustFlags, validatorFor } from './trust.js';
import { openCliWallet } from './wallet.command.js';

interface PayFlags extends Partial<TrustFlags> {
  to: string;
  wallet: string;
  reference?: string;
  payee?: string;
  timeout: string;
  json?: boolean;
}

const isUrl = (to: string) => /^https?:\/\//i.test(to);

/** Adds `semper pay`. */
export function addPayCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('pay')
    .description('pay a running payee (--to its URL) through the payments block, or into an account at the mint')
    .argument('<amount>', 'e.g. 7.35: the amount to pay (to a payee: the most you confirm)')
    .requiredOption(
      '--to <payee>',
      "the payee's address (http://…, `semper shop serve` prints it) or an account at the mint",
    )
    .requiredOption('--wallet <dir>', 'the wallet folder')
    .option('--reference <ref>', 'the invoice (order) to pay; default a new id (account payments only)')
    .option('--payee <party>', "the payee's party id its certificate must name (required with a URL)")
    .option('--timeout <seconds>', 'how long to wait for the payee', '60')
    .option('--json', 'print the outcome as JSON');
  // The trust flags are for a payee's certificate; with an account at the mint they are not used.
  addTrustOptions(cmd, "the payee's certificate");
  const ca = cmd.options.find((opt) => opt.long === '--CAfile');
  if (ca !== undefined) ca.mandatory = false;
  cmd
    .addHelpText(
      'after',
      `
To a payee (--to http://…): asks the payee for the invoice --reference; the payee sends a payment request
signed with its certificate, which must chain to --CAfile and name --payee; the request is confirmed only if
its amount is at most <amount>; then the wallet pays with coins, the payee deposits them at the mint and the
change comes back. What was confirmed is printed. Exit code 0 when paid; 1 when the payee's request was not
confirmed (another payee, more than <amount>, an unverified certificate), declined or refused; 2 on usage
errors or when the wallet cannot cover the amount.

To an account (--to shop): the coins are deposited at the mint directly, without a payee taking part.
Exit code 0 when the mint accepted them; 1 when it refused them (double-spent, expired: the coins are
dropped from the wallet and the reason printed); 2 on usage errors or when the wallet cannot cover the
amount (ERR_ECASH_INSUFFICIENT_COINS).

Examples:
  semper pay 7.35 --to http://127.0.0.1:8090/shop --payee shop --reference order-42 --CAfile ca.pem --wallet ./alice
  semper pay 7.35 --to shop --reference order-42 --wallet ./alice`,
    )
    .action(async (amount: string, o: PayFlags) => {
      if (isUrl(o.to)) return payPayee(io, amount, o);
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

/** `semper pay <amount> --to <url>`: the payer's side of a payment through the two PaymentManagers. */
async function payPayee(io: CliIo, amountText: string, o: PayFlags): Promise<void> {
  if (o.payee === undefined || o.CAfile === undefined || o.reference === undefined) {
    throw new CliError('ERR_CLI_USAGE', 'paying a payee at a URL needs --payee, --CAfile and --reference');
  }
  const seconds = Number(o.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new CliError('ERR_CLI_USAGE', '--timeout is a positive number');
  const timeoutMs = Math.round(seconds * 1000);
  const trust = await loadTrustFlags(io, o as TrustFlags);
  const validator = await validatorFor(trust, 'sign');
  const { PolicyTrustedIo, sha256Hex } = await import('@semper/trusted-io');
  const roots = trust.anchors.map((a) => `sha256:${sha256Hex(a.der)}`);
  // The payer's trusted-io for a command line: it approves exactly what the flags say, nothing else.
  let trustedIo: InstanceType<typeof PolicyTrustedIo> | undefined;
  let limit: Money | undefined;
  const p = await openPaymentParty({
    wallet: resolve(io.cwd, o.wallet),
    trust: validator,
    trustedIo: (currency) => {
      limit = Money.parse(amountText, currency);
      trustedIo = new PolicyTrustedIo({
        preferences: Preferences.from({ trustedRoots: roots }),
        rules: [
          {
            name: 'the-flags',
            effect: 'approve',
            kinds: ['payment'],
            payees: [o.payee as string],
            limit,
            trustedRootsOnly: true,
            description: `only ${o.payee}, certified under --CAfile, for at most ${limit.toString()}`,
          },
        ],
      });
      return trustedIo;
    },
    attachChannel: true,
  });
  try {
    const asked = await p.channel.request(
      o.to,
      {
        contentType: INVOICE_CONTENT_TYPE,
        body: new TextEncoder().encode(JSON.stringify({ v: 1, reference: o.reference } satisfies InvoiceRequest)),
      },
      { timeoutMs },
    );
    let answer: InvoiceAnswer;
    try {
      answer = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(asked.body)) as InvoiceAnswer;
    } catch (cause) {
      throw new CliError('ERR_CLI_BAD_INPUT', 'the payee answered the invoice request with no JSON', { cause });
    }
    if (answer?.status !== 'requested') {
      const why =
        typeof (answer as { reason?: unknown })?.reason === 'string'
          ? (answer as { reason: string }).reason
          : 'refused';
      throw new VerdictError(new SemperError('ERR_CLI_PAYEE_REFUSED', `the payee did not request a payment: ${why}`));
    }
    // A request this manager refuses on arrival (its signature, the payee's certificate) ends the wait at once.
    const refused = new AbortController();
    const watch = p.manager.events$.subscribe((e) => {
      if (e.type === 'payments.request-refused' && e.transactionId === answer.transactionId) refused.abort(e.reason);
    });
    let result: Awaited<ReturnType<typeof p.manager.pay>>;
    try {
      result = await p.manager.pay({
        transactionId: answer.transactionId,
        from: o.to,
        idempotencyKey: `cli.${answer.transactionId}`,
        timeoutMs,
        signal: refused.signal,
      });
    } catch (err) {
      if (!refused.signal.aborted) throw err;
      throw new VerdictError(
        new SemperError(
          'ERR_CLI_NOT_PAID',
          `the payee's payment request was refused: ${String(refused.signal.reason)}`,
        ),
      );
    } finally {
      watch.unsubscribe();
    }
    const confirmed = trustedIo?.decisions.find(
      (d) => d.type === 'trustedio.confirmed' || d.type === 'trustedio.refused',
    ) as { type: string; item?: { fields?: readonly { label: string; value: unknown }[]; digest: string } } | undefined;
    const shown = (confirmed?.item?.fields ?? []).map((f) => `  ${f.label}: ${String(f.value)}`);
    if (o.json) {
      writeJson(io.stdout, {
        ...result,
        ...('amount' in result && result.amount !== undefined ? { amount: result.amount.toJSON() } : {}),
        record: undefined,
        confirmation:
          confirmed === undefined ? undefined : { decision: confirmed.type, digest: confirmed.item?.digest },
      });
    } else {
      io.stdout.write(
        `${confirmed?.type === 'trustedio.confirmed' ? 'confirmed' : 'not confirmed'} (digest ${confirmed?.item?.digest ?? '-'}):\n${shown.join('\n')}\n`,
      );
    }
    if (result.status !== 'captured') {
      const reason = 'reason' in result && result.reason ? result.reason : result.status;
      const message = 'message' in result && result.message ? `: ${result.message}` : '';
      throw new VerdictError(new SemperError('ERR_CLI_NOT_PAID', `not paid (${result.status}: ${reason}${message})`));
    }
    if (!o.json)
      io.stdout.write(
        `paid ${String(result.amount ?? limit)} to ${o.payee} (${o.reference}, ${result.transactionId})\n`,
      );
  } finally {
    await p.close();
  }
}
