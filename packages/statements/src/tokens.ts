/**
 * DI token of the party's `StatementManager` (`semper.statements.StatementManager`), registered by
 * `register`.
 *
 * @example
 * ```ts
 * import { createPartyContainer, register as registerCore } from '@semper/core';
 * import { register, STATEMENT_MANAGER, type StatementManager } from '@semper/statements';
 * const party = register(registerCore(createPartyContainer()));
 * const statements = party.resolve<StatementManager>(STATEMENT_MANAGER);
 * ```
 */
export const STATEMENT_MANAGER: unique symbol = Symbol.for('semper.statements.StatementManager');

/**
 * DI token of the party's `StatementKinds` registry (`semper.statements.StatementKinds`): the built-in
 * kinds and those given to `register`.
 *
 * @example
 * ```ts
 * import { STATEMENT_KINDS, type StatementKinds } from '@semper/statements';
 * declare const party: import('tsyringe').DependencyContainer;
 * party.resolve<StatementKinds>(STATEMENT_KINDS).names();
 * ```
 */
export const STATEMENT_KINDS: unique symbol = Symbol.for('semper.statements.StatementKinds');

/**
 * DI token of the party's `StatementManagerOptions` (`semper.statements.StatementManagerOptions`):
 * size limits and the default chain validator.
 *
 * @example
 * ```ts
 * import { STATEMENT_MANAGER_OPTIONS, type StatementManagerOptions } from '@semper/statements';
 * declare const party: import('tsyringe').DependencyContainer;
 * party.resolve<StatementManagerOptions>(STATEMENT_MANAGER_OPTIONS).limits?.maxStatementBytes;
 * ```
 */
export const STATEMENT_MANAGER_OPTIONS: unique symbol = Symbol.for('semper.statements.StatementManagerOptions');
