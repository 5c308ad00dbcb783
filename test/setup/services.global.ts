// vitest globalSetup of the `services` project: starts the real servers the services suites run against
// (PostgreSQL today; mail servers and others are added to SERVICES below), once per run, provides their
// coordinates to the tests through `inject()`, and stops them at teardown.
//
// A service that cannot start here (no binaries, no way to drop root…) does not fail the run unless
// SEMPER_REQUIRE_SERVICES=1 (CI): its suites are skipped, and the reason is printed as
// `<Service> suite not run: <reason>` and shown again in the names of the skipped tests (`not run: <reason>`),
// which scripts/test-summary.mjs lists at the end of `npm test`.
import type { TestProject } from 'vitest/node';
import { findPostgresBinaries, startPostgres } from '../harness/postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the PostgreSQL server started for this run; '' when `pgUnavailable` says why there is none. */
    pgUrl: string;
    /** Why no PostgreSQL server runs ('' when one does). */
    pgUnavailable: string;
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

/** Every service, started in this order and stopped in the reverse order. */
const SERVICES: readonly ServiceDefinition[] = [postgres];

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
