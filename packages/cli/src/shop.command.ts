// `semper shop serve`: a payee (merchant) that takes ecash payments for its invoices through its PaymentManager.
// A payer (`semper pay --to <url>`) asks for an invoice by its reference; the shop answers at once and then
// sends the payer a payment request signed with its certificate; the two managers negotiate the module and
// run it; the shop deposits the coins at the mint.
import { resolve } from 'node:path';
import { Money, newId } from '@semper/core';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { CliError } from './errors.js';
import type { CliIo } from './files.js';
import { loadIdentity } from './material.js';
import { passinOption } from './options.js';
import { untilStopped } from './serve.js';
import { INVOICE_CONTENT_TYPE, type InvoiceAnswer, openPaymentParty } from './payment-party.js';

const REFERENCE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

function collectInvoice(value: string, previous: Array<[string, string]> = []): Array<[string, string]> {
  const m = /^([^=]+)=([0-9]+(?:\.[0-9]+)?)$/.exec(value);
  if (m === null || !REFERENCE.test(m[1] as string)) {
    throw new InvalidArgumentError(
      '--invoice is REFERENCE=AMOUNT, e.g. order-42=7.35 (reference: letters, digits, _ . : -)',
    );
  }
  return [...previous, [m[1] as string, m[2] as string]];
}

const encoder = new TextEncoder();
const answer = (a: InvoiceAnswer) => ({ contentType: 'application/json', body: encoder.encode(JSON.stringify(a)) });

/** Adds `semper shop serve`. */
export function addShopCommands(program: Command, io: CliIo): void {
  const shop = program.command('shop').description('a payee: takes payments for its invoices (ecash)');
  shop
    .command('serve')
    .description('serve the invoices to payers over HTTP until SIGINT or SIGTERM (or --once / --duration)')
    .requiredOption('--wallet <dir>', "the shop's wallet folder (its account at the mint takes the deposits)")
    .requiredOption(
      '--cert <file>',
      "the shop's certificate (PEM, intermediates after it): its CN is the shop's party id",
    )
    .requiredOption('--key <file>', "the shop's private key (signs every payment request)")
    .addOption(passinOption('--key, if protected'))
    .requiredOption('--invoice <ref=amount>', 'an invoice the shop will be paid for (repeatable)', collectInvoice)
    .option('--port <n>', 'the TCP port (0: a free one)', '0')
    .option('--host <host>', 'the address to listen on', '127.0.0.1')
    .option('--path <path>', 'the HTTP path', '/shop')
    .option('--once', 'stop after the first payment has settled (paid, declined or cancelled)')
    .addOption(new Option('--duration <seconds>', 'stop after this long (default: until a signal)').argParser(Number))
    .option('--json', 'print the address and each outcome as JSON lines')
    .addHelpText(
      'after',
      `
Each invoice is paid at most once. A payer asks for it by reference (semper pay --to <the address printed>);
the shop then sends it a payment request for the invoice's amount, signed with --key, so that the payer's
confirmation names a payee whose certificate it checked. One line per settled payment:
  order-42: captured 7.35 EUR (pay_…)

Example:
  semper shop serve --wallet ./shop --cert shop.pem --key shop.key --invoice order-42=7.35 --port 8090`,
    )
    .action(
      async (o: {
        wallet: string;
        cert: string;
        key: string;
        passin?: string;
        invoice: Array<[string, string]>;
        port: string;
        host: string;
        path: string;
        once?: boolean;
        duration?: number;
        json?: boolean;
      }) => {
        const identity = await loadIdentity(io, {
          keyFile: o.key,
          certFile: o.cert,
          passin: o.passin,
          certFlag: '--cert',
        });
        const { commonNameOf } = await import('@semper/crypto');
        const party = commonNameOf(identity.certificate.subjectDer);
        if (party === undefined) throw new CliError('ERR_CLI_BAD_INPUT', `${o.cert} has no CN to name the shop by`);
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new CliError('ERR_CLI_USAGE', '--port is 0 to 65535');
        const { PolicyTrustedIo } = await import('@semper/trusted-io');
        const p = await openPaymentParty({
          wallet: resolve(io.cwd, o.wallet),
          party,
          identity,
          trustedIo: new PolicyTrustedIo({ rules: [] }), // a payee confirms nothing: it only receives
          listen: { port, host: o.host, path: o.path },
          attachChannel: false,
        });
        const invoices = new Map<string, Money>();
        try {
          for (const [ref, amount] of o.invoice) invoices.set(ref, Money.parse(amount, p.currency));
        } catch (err) {
          await p.close();
          throw new CliError('ERR_CLI_USAGE', `--invoice: ${err instanceof Error ? err.message : String(err)}`);
        }
        const asked = new Map<string, string>(); // reference → transaction id
        const settled = new Set<string>();
        let finish: () => void = () => undefined;
        const finished = new Promise<void>((done) => {
          finish = done;
        });
        const report = (line: Record<string, unknown>, text: string) => {
          if (o.json)
            io.stdout.write(`${JSON.stringify(line)}\n`); // JSON lines: one object per line
          else io.stdout.write(`${text}\n`);
        };
        try {
          await p.channel.start({
            onMessage: (m) => p.manager.handleMessage(m),
            onRequest: async (request) => {
              if (request.contentType !== INVOICE_CONTENT_TYPE)
                return { outcome: 'rejected', reason: 'not an invoice request' };
              let reference: unknown;
              try {
                reference = (
                  JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(request.body)) as { reference?: unknown }
                )?.reference;
              } catch {
                return { outcome: 'rejected', reason: 'malformed invoice request' };
              }
              if (typeof reference !== 'string' || !REFERENCE.test(reference)) {
                return { outcome: 'rejected', reason: 'malformed invoice request' };
              }
              const amount = invoices.get(reference);
              if (amount === undefined) return answer({ v: 1, status: 'unknown', reason: `no invoice ${reference}` });
              if (settled.has(reference)) return answer({ v: 1, status: 'paid', reason: `${reference} is settled` });
              if (asked.has(reference)) return answer({ v: 1, status: 'busy', reason: `${reference} is being paid` });
              const transactionId = newId('pay'); // unpredictable: nobody can send a request under it first
              asked.set(reference, transactionId);
              // After the answer has gone: the payer waits for this request by its transaction id.
              setImmediate(() => {
                p.manager
                  .requestPayment({
                    to: request.from,
                    amount,
                    reference,
                    transactionId,
                    idempotencyKey: `invoice.${reference}.${transactionId}`,
                  })
                  .then(
                    (r) => {
                      if (r.status === 'captured') settled.add(reference);
                      report(
                        {
                          reference,
                          status: r.status,
                          amount: amount.toJSON(),
                          transactionId,
                          ...('reason' in r ? { reason: r.reason } : {}),
                        },
                        `${reference}: ${r.status} ${amount.toString()} (${transactionId})${'reason' in r && r.reason ? `: ${r.reason}` : ''}`,
                      );
                    },
                    (err: unknown) => {
                      const code = (err as { code?: string })?.code ?? 'ERR_UNKNOWN';
                      report(
                        { reference, status: 'failed', code, transactionId },
                        `${reference}: failed ${code} (${transactionId})`,
                      );
                    },
                  )
                  .finally(() => {
                    asked.delete(reference);
                    if (o.once) finish();
                  });
              });
              return answer({ v: 1, status: 'requested', transactionId });
            },
          });
          if (o.json) io.stdout.write(`${JSON.stringify({ party, address: p.transport.address })}\n`);
          else io.stdout.write(`shop '${party}' serving ${invoices.size} invoice(s) at ${p.transport.address}\n`);
          await untilStopped(o.duration, finished);
        } finally {
          await p.close();
        }
      },
    );
}
