// vitest globalSetup of the `services` project: starts the real servers the services suites run against
// (PostgreSQL; the mail servers: Postfix + Dovecot; others are added to SERVICES below), once per run,
// provides their coordinates to the tests through `inject()`, and stops them at teardown.
//
// A service that cannot start here (no binaries, no way to drop root…) does not fail the run unless
// SEMPER_REQUIRE_SERVICES=1 (CI): its suites are skipped, and the reason is printed as
// `<Service> suite not run: <reason>` and shown again in the names of the skipped tests (`not run: <reason>`),
// which scripts/test-summary.mjs lists at the end of `npm test`.
//
// SEMPER_INSTALL_SERVICES=1 lets this setup install what is missing and installable (today: Postfix and
// Dovecot, with test/harness/mail/install.sh: Debian/Ubuntu, root) before starting it.
import type { TestProject } from 'vitest/node';
import { findMailServers, installMailServers, type MailServersInfo, startMailServers } from '../harness/mail.js';
import { findPostgresBinaries, startPostgres } from '../harness/postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the PostgreSQL server started for this run; '' when `pgUnavailable` says why there is none. */
    pgUrl: string;
    /** Why no PostgreSQL server runs ('' when one does). */
    pgUnavailable: string;
    /** The mail servers started for this run (Postfix SMTP, Dovecot POP3/IMAP); null when `mailUnavailable` says why not. */
    mail: MailServersInfo | null;
    /** Why no mail servers run ('' when they do). */
    mailUnavailable: string;
  }
}

type Provide = TestProject['provide'];

/** A server the services suites need. */
interface ServiceDefinition {
  /** As printed: `<name> suite not run: <reason>`. */
  readonly name: string;
  /** Starts the service and provides its coordinates; resolves to its stop function. */
  start(provide: Provide): Promise<() => Promise<void>>;
  /** Provides the reason the service is not available (and empty coordinates). */
  unavailable(provide: Provide, reason: string): void;
}

const postgres: ServiceDefinition = {
  name: 'PostgreSQL',
  async start(provide) {
    const found = findPostgresBinaries();
    if (!found.available) throw new Error(found.reason);
    const started = Date.now();
    const server = await startPostgres({ binaries: found });
    console.log(
      `PostgreSQL ${found.version} started for the services suites in ${Date.now() - started} ms: ${server.url}`,
    );
    provide('pgUrl', server.url);
    provide('pgUnavailable', '');
    return () => server.stop();
  },
  unavailable(provide, reason) {
    provide('pgUrl', '');
    provide('pgUnavailable', reason);
  },
};

/** Spare mailboxes for suites that need empty ones of their own (`box1@sdc.test` … `box64@sdc.test`). */
const SPARE_MAILBOXES = Array.from({ length: 64 }, (_, i) => `box${i + 1}`);

const mail: ServiceDefinition = {
  name: 'Mail (Postfix + Dovecot)',
  async start(provide) {
    let found = findMailServers();
    if (!found.available && process.env.SEMPER_INSTALL_SERVICES === '1' && !process.env.SEMPER_MAIL_SBIN) {
      console.log(`Mail servers missing (${found.reason}): installing them (SEMPER_INSTALL_SERVICES=1)`);
      console.log(await installMailServers());
      found = findMailServers();
    }
    if (!found.available) throw new Error(found.reason);
    const server = await startMailServers({ binaries: found, extraMailboxes: SPARE_MAILBOXES });
    console.log(
      `${found.version} started for the services suites in ${server.startMs} ms: smtp 127.0.0.1:${server.smtpPort} (STARTTLS, AUTH), pop3 :${server.pop3Port}, imap :${server.imapPort}; pids ${server.pids.postfix}, ${server.pids.dovecot}; ${server.baseDir}`,
    );
    provide('mail', server.info());
    provide('mailUnavailable', '');
    return () => server.stop();
  },
  unavailable(provide, reason) {
    provide('mail', null);
    provide('mailUnavailable', reason);
  },
};

/** Every service, started in this order and stopped in the reverse order. */
const SERVICES: readonly ServiceDefinition[] = [postgres, mail];

function reasonOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown error';
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const required = process.env.SEMPER_REQUIRE_SERVICES === '1';
  const stops: (() => Promise<void>)[] = [];
  const teardown = async () => {
    const failures: unknown[] = [];
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, 'a service did not stop cleanly');
  };
  for (const service of SERVICES) {
    try {
      stops.push(await service.start(project.provide));
    } catch (err) {
      const reason = reasonOf(err);
      if (required) {
        await teardown().catch(() => undefined);
        throw new Error(`${service.name} is required (SEMPER_REQUIRE_SERVICES=1) but could not start: ${reason}`, {
          cause: err,
        });
      }
      service.unavailable(project.provide, reason);
      console.log(`${service.name} suite not run: ${reason}`);
    }
  }
  return teardown;
}
