// tsyringe needs the Reflect metadata polyfill before it loads.
import 'reflect-metadata';
import { CLOCK } from '@semper/core';
import { type DependencyContainer, Lifecycle } from 'tsyringe';
import { StatementsError } from './errors.js';
import { builtinStatementKinds } from './kinds/builtin.js';
import { StatementManager, type StatementManagerOptions } from './statement.manager.js';
import { type StatementKind, StatementKinds } from './statement-kind.js';
import { STATEMENT_KINDS, STATEMENT_MANAGER, STATEMENT_MANAGER_OPTIONS } from './tokens.js';

/**
 * Options of {@link register}.
 *
 * @example
 * ```ts
 * import { TrustStore } from '@semper/crypto';
 * import type { StatementsRegistrationOptions } from '@semper/statements';
 * declare const warrantyClaimKind: import('@semper/statements').StatementKind;
 * declare const roots: import('@semper/crypto').Certificate[];
 * const options: StatementsRegistrationOptions = { kinds: [warrantyClaimKind], trust: new TrustStore(roots) };
 * ```
 */
export interface StatementsRegistrationOptions extends StatementManagerOptions {
  /** Kinds of your own, added to the built-in ones. */
  readonly kinds?: readonly StatementKind[];
  /** Start from the built-in kinds; default true. With false, only `kinds` are registered. */
  readonly builtinKinds?: boolean;
}

/**
 * Registers the statements block in `container` (nothing is registered at import time): under
 * `STATEMENT_KINDS` the registry (the built-in kinds and `options.kinds`), under
 * `STATEMENT_MANAGER_OPTIONS` the limits and default chain validator, and under `STATEMENT_MANAGER` the
 * `StatementManager` (one per container). Core's services must be registered first (the manager takes
 * the party's `CLOCK`). Returns `container`.
 *
 * @throws {@link StatementsError} `ERR_STATEMENTS_INVALID_ARGUMENT` without a container or without core's
 * `CLOCK`; `ERR_STATEMENTS_KIND_CONFLICT` when a kind clashes with a registered one.
 *
 * @example
 * ```ts
 * import { createPartyContainer, register as registerCore } from '@semper/core';
 * import { TrustStore } from '@semper/crypto';
 * import { register, STATEMENT_MANAGER, type StatementManager } from '@semper/statements';
 * declare const roots: import('@semper/crypto').Certificate[];
 * const merchant = register(registerCore(createPartyContainer()), { trust: new TrustStore(roots) });
 * const statements = merchant.resolve<StatementManager>(STATEMENT_MANAGER);
 * ```
 */
export function register(
  container: DependencyContainer,
  options: StatementsRegistrationOptions = {},
): DependencyContainer {
  if (typeof container !== 'object' || container === null || typeof container.register !== 'function') {
    throw new StatementsError('ERR_STATEMENTS_INVALID_ARGUMENT', 'register needs a tsyringe container');
  }
  if (typeof options !== 'object' || options === null) {
    throw new StatementsError('ERR_STATEMENTS_INVALID_ARGUMENT', 'register options must be an object');
  }
  if (!container.isRegistered(CLOCK, true)) {
    throw new StatementsError(
      'ERR_STATEMENTS_INVALID_ARGUMENT',
      "register @semper/core's services first: the statement manager needs the party's CLOCK",
    );
  }
  const base = options.builtinKinds === false ? new StatementKinds() : builtinStatementKinds;
  const kinds = base.with(...(options.kinds ?? []));
  const managerOptions: StatementManagerOptions = Object.freeze({
    ...(options.limits === undefined ? {} : { limits: Object.freeze({ ...options.limits }) }),
    ...(options.trust === undefined ? {} : { trust: options.trust }),
  });
  // Built once here, so that bad options fail at registration rather than at first use.
  new StatementManager(kinds, { now: () => new Date() }, managerOptions);
  container.register<StatementKinds>(STATEMENT_KINDS, { useValue: kinds });
  container.register<StatementManagerOptions>(STATEMENT_MANAGER_OPTIONS, { useValue: managerOptions });
  container.register<StatementManager>(
    STATEMENT_MANAGER,
    { useClass: StatementManager },
    { lifecycle: Lifecycle.ContainerScoped },
  );
  return container;
}
