// A mail collector in a process of its own, for the crash test of mail.services.test.ts: the test
// starts it, kills it with SIGKILL in the middle of a batch, and starts it again.
//
//   node --conditions=@semper/source --import tsx mail-collector.test-util.ts '<json CollectorConfig>'
//
// Each message it handles is written to `<outDir>/<sha256 of id>.bin` and its id appended to
// `<outDir>/acked.log` before the handler returns (so before the transport acknowledges it); the handler
// is wrapped in `dedupe` over a file store in `<outDir>`, so a message acknowledged by a killed run and
// delivered again is recognised (appended to `duplicates.log`) instead of handled twice. Prints `ready` once
// it receives; on SIGTERM it closes the transport (committing what was acknowledged) and exits 0.
import { createHash } from 'node:crypto';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dedupe, openFileDedupStore } from '../dedup.js';
import { createMailTransport, type MailTransportOptions } from './mail.transport.js';

/** What the parent passes, as JSON in argv[2]. */
export interface CollectorConfig {
  readonly transport: MailTransportOptions;
  readonly outDir: string;
  /** Each handler waits this long (ms), so that a batch takes long enough to be killed in the middle. */
  readonly handlerDelayMs: number;
  readonly concurrency: number;
}

/** The file that holds the body of message `id`. */
export function bodyFileOf(outDir: string, id: string): string {
  return join(outDir, `${createHash('sha256').update(id).digest('hex').slice(0, 32)}.bin`);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as CollectorConfig;
  const store = await openFileDedupStore(join(config.outDir, 'dedup.log'));
  const transport = createMailTransport(config.transport);
  transport.status$.subscribe((s) => {
    if (s.state === 'backoff' || s.state === 'error')
      process.stderr.write(`status ${s.state}: ${s.error?.message ?? ''}\n`);
  });
  transport.rejected$.subscribe((r) => appendFileSync(join(config.outDir, 'rejected.log'), `${JSON.stringify(r)}\n`));
  const handler = dedupe(
    async (m) => {
      writeFileSync(bodyFileOf(config.outDir, m.id), m.body);
      appendFileSync(join(config.outDir, 'acked.log'), `${m.id}\n`);
      if (config.handlerDelayMs > 0) await new Promise((r) => setTimeout(r, config.handlerDelayMs));
    },
    { store, onDuplicate: (m) => appendFileSync(join(config.outDir, 'duplicates.log'), `${m.id}\n`) },
  );
  await transport.receive(handler, { concurrency: config.concurrency });
  process.once('SIGTERM', () => {
    void (async () => {
      await transport.close();
      await store.close();
      process.exit(0);
    })();
  });
  process.stdout.write('ready\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`collector failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(2);
  });
}
