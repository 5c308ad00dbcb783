// `semper sdc pump`: the SDC pump ("mailer") between a party's database (outbox and inbox tables of the
// secure data services) and a transport: a transfer folder or mail (SMTP + IMAP/POP3).
import { isAbsolute, resolve } from 'node:path';
import { SemperError } from '@semper/core';
import type { SdcPumpStatus } from '@semper/sdc';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CliIo } from './files.js';
import { untilStopped } from './serve.js';

interface PumpOptions {
  store: string;
  transport: string;
  route?: string[];
  interval: number;
  once?: boolean;
  settle?: number;
  duration?: number;
  json?: boolean;
}

function parseSeconds(flag: string, min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(n) || n < min || n > 2_000_000) {
      throw new InvalidArgumentError(`${flag} is a number of seconds from ${min} to 2000000.`);
    }
    return n;
  };
}

function parseMs(value: string): number {
  if (!/^\d{1,9}$/.test(value.trim())) throw new InvalidArgumentError('expected a number of milliseconds.');
  return Number(value);
}

function collectRoute(value: string, previous: string[] | undefined): string[] {
  if (!/^[^=\s]+=\S+$/.test(value)) throw new InvalidArgumentError('expected PARTY=ADDRESS.');
  return [...(previous ?? []), value];
}

/** The store URL of `--store`: a URL as @semper/store takes it, or a data folder (PGlite in it). */
export function storeUrlOf(value: string, cwd: string): string {
  if (/^(pglite:|postgres(ql)?:\/\/)/.test(value)) return value;
  return `pglite:${isAbsolute(value) ? value : resolve(cwd, value)}`;
}

/** Adds `semper sdc pump` to the `sdc` command group (found on `program`, or created). */
export function addSdcPumpCommand(program: Command, io: CliIo): void {
  const sdc =
    program.commands.find((c) => c.name() === 'sdc') ??
    program.command('sdc').description('Secure Data Containers: seal, open, inspect one; pump them');
  sdc
    .command('pump')
    .description("move Secure Data Containers between a party's database (outbox, inbox) and a transfer folder or mail")
    .requiredOption('--store <url>', 'the party database: pglite:DIR, postgres://… or a data folder')
    .requiredOption('--transport <spec>', 'folder:PATH (a transfer folder) or mail:CONFIG.json (SMTP + IMAP/POP3)')
    .option('--route <party=address>', 'the transport address of a recipient party (repeatable)', collectRoute)
    .addOption(
      new Option('--interval <seconds>', 'pause between two runs, also the transport poll interval')
        .default(60)
        .argParser(parseSeconds('--interval', 0.01)),
    )
    .option('--once', 'one pass: send what is pending, take in what waits, send the answers, exit')
    .addOption(
      new Option(
        '--settle <ms>',
        'with --once: how long the intake must be quiet before the pass ends (default 1000 for folders, 3000 for mail)',
      ).argParser(parseMs),
    )
    .addOption(
      new Option('--duration <seconds>', 'run this long, then stop (default: until SIGINT or SIGTERM)').argParser(
        parseSeconds('--duration', 0.01),
      ),
    )
    .option('--json', 'print each status as a JSON line on stdout instead of a status line on stderr')
    .addHelpText(
      'after',
      `
The pump sends the containers waiting in the outbox table (sdc_outbox) and marks each sent only once the
transport durably accepted it; it stores every container it receives in the inbox table (sdc_inbox) and
acknowledges it on the transport only after that committed. A crash at any point loses nothing (a
container may be sent twice, with the same id: the receiver applies it once). On a transport fault it backs
off (exponentially, with jitter). The inbox is processed by the secure data services, which hold the keys.

The outbox names recipient parties; --route maps them to addresses (a recipient without a route is taken
as an address). Status lines go to stderr: last run, totals sent / received / failures, next run.

Mail config (JSON): { "address": "mailto:agency@example.org",
  "smtp": { "host": "…", "port": 587, "user": "…", "passwordEnv": "SMTP_PASSWORD", "caFile": "ca.pem" },
  "imap": { "host": "…", "port": 143, "user": "…", "passwordEnv": "IMAP_PASSWORD" } }   (or "pop3")

Exit codes: 0 stopped cleanly (with --once: and the last run succeeded), 2 bad usage, an unreadable
config, a store or transport that cannot be opened, or (--once) a run that failed.

Example:
  semper sdc pump --store ./agency-data --transport folder:/media/usb/agency --route hub=folder:/media/usb/hub --once`,
    )
    .action(async (o: PumpOptions) => {
      const {
        formatPumpStatus,
        openPumpTransport,
        outboxMailbox,
        runPumpOnce,
        SdcPump,
        SDC_MIGRATIONS,
        SdcInbox,
        SdcOutbox,
      } = await import('@semper/sdc');
      const { migrate, openStore } = await import('@semper/store');
      const routes = new Map<string, string>();
      for (const r of o.route ?? []) {
        const at = r.indexOf('=');
        routes.set(r.slice(0, at), r.slice(at + 1));
      }
      const intervalMs = Math.max(10, Math.round(o.interval * 1000));
      const isMail = o.transport.startsWith('mail:');
      // The transport first: a bad spec or configuration is reported before the database is touched.
      const transport = await openPumpTransport(o.transport, {
        cwd: io.cwd,
        env: io.env,
        pollIntervalMs: o.once ? Math.min(intervalMs, 200) : intervalMs,
      });
      let store: Awaited<ReturnType<typeof openStore>> | undefined;
      try {
        store = await openStore(storeUrlOf(o.store, io.cwd));
        await migrate(store, SDC_MIGRATIONS);
        const mailbox = outboxMailbox({
          outbox: new SdcOutbox(store),
          inbox: new SdcInbox(store),
          addressOf: (party) => routes.get(party),
        });
        let lastRun: unknown;
        const print = (s: SdcPumpStatus) => {
          // A line per finished run and at the end, not per state change.
          if (s.state !== 'stopped' && s.lastRun === lastRun) return;
          lastRun = s.lastRun;
          if (o.json) io.stdout.write(`${JSON.stringify(s)}\n`);
          else io.stderr.write(`${formatPumpStatus(s)}\n`);
        };
        if (o.once) {
          const status = await runPumpOnce({
            mailbox,
            transport,
            settleMs: o.settle ?? (isMail ? 3000 : 1000),
            onStatus: print,
          });
          const error = status.lastRun?.error;
          if (error) throw new SemperError(error.code, `the last run failed: ${error.message}`);
          return;
        }
        const pump = new SdcPump({ mailbox, transport, intervalMs });
        const subscription = pump.status$.subscribe(print);
        await pump.start();
        await untilStopped(o.duration);
        await pump.stop();
        subscription.unsubscribe();
      } finally {
        await transport.close();
        await store?.close();
      }
    });
}
