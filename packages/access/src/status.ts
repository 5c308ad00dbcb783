import { AccessError, InvalidStatusError } from './errors.js';
import { checkPattern, checkStatusCode, matchesPattern } from './model.js';

/**
 * One status of a {@link StatusTable}: its code, a short name, what it means, and the actions a
 * subject in that status may perform at most (patterns, as in a `Privilege`; an empty list allows
 * nothing). A status only restricts: the subject's roles must still grant the action.
 *
 * @example
 * ```ts
 * import type { StatusDefinition } from '@semper/access';
 * const limited: StatusDefinition = {
 *   code: 1,
 *   name: 'limited',
 *   description: 'account inquiries and the receipt of transfers only',
 *   allows: ['account.inquiry', 'transfer.receive'],
 * };
 * ```
 */
export interface StatusDefinition {
  readonly code: number;
  readonly name: string;
  readonly description: string;
  readonly allows: readonly string[];
}

function bad(message: string): AccessError {
  return new AccessError('ERR_ACCESS_INVALID_ARGUMENT', message);
}

/**
 * A table of statuses: which codes exist and what each allows. Immutable.
 *
 * @example
 * ```ts
 * import { StatusTable } from '@semper/access';
 * const table = new StatusTable([
 *   { code: 0, name: 'suspended', description: 'nothing', allows: [] },
 *   { code: 1, name: 'active', description: 'everything', allows: ['*'] },
 * ]);
 * table.allows(1, 'transfer.send'); // true
 * table.allows(0, 'transfer.send'); // false
 * ```
 */
export class StatusTable {
  readonly #byCode: ReadonlyMap<number, StatusDefinition>;

  constructor(definitions: readonly StatusDefinition[]) {
    if (!Array.isArray(definitions) || definitions.length === 0) throw bad('a status table needs at least one status');
    const byCode = new Map<number, StatusDefinition>();
    for (const d of definitions as readonly StatusDefinition[]) {
      if (typeof d !== 'object' || d === null) throw bad('a status definition is an object');
      const code = checkStatusCode(d.code);
      if (byCode.has(code)) throw bad(`status ${code} is defined twice`);
      if (typeof d.name !== 'string' || !/^[a-z][a-z0-9-]{0,31}$/.test(d.name)) {
        throw bad(`status ${code}: a name is 1 to 32 lowercase letters, digits or -`);
      }
      if (typeof d.description !== 'string' || d.description.length > 500) {
        throw bad(`status ${code}: description must be a string of at most 500 characters`);
      }
      if (!Array.isArray(d.allows)) throw bad(`status ${code}: allows must be a list of action patterns`);
      const allows = (d.allows as readonly string[]).map((a) => checkPattern(a, `status ${code}: action`));
      byCode.set(
        code,
        Object.freeze({ code, name: d.name, description: d.description, allows: Object.freeze([...allows]) }),
      );
    }
    this.#byCode = new Map([...byCode.entries()].sort((a, b) => a[0] - b[0]));
    Object.freeze(this);
  }

  /**
   * The defined codes, ascending.
   *
   * @example
   * ```ts
   * import { AGENCY_STATUSES } from '@semper/access';
   * AGENCY_STATUSES.codes(); // [0, 1, 2, 3]
   * ```
   */
  codes(): number[] {
    return [...this.#byCode.keys()];
  }

  /**
   * Every definition, by ascending code.
   *
   * @example
   * ```ts
   * import { AGENCY_STATUSES } from '@semper/access';
   * AGENCY_STATUSES.definitions().map((d) => d.name); // ['suspended', 'limited', 'standard', 'full']
   * ```
   */
  definitions(): StatusDefinition[] {
    return [...this.#byCode.values()];
  }

  /**
   * Whether `code` is defined.
   *
   * @example
   * ```ts
   * import { AGENCY_STATUSES } from '@semper/access';
   * AGENCY_STATUSES.has(4); // false
   * ```
   */
  has(code: number): boolean {
    return this.#byCode.has(code);
  }

  /**
   * The definition of `code`, or `undefined`.
   *
   * @example
   * ```ts
   * import { AGENCY_STATUSES } from '@semper/access';
   * AGENCY_STATUSES.get(0)?.name; // 'suspended'
   * ```
   */
  get(code: number): StatusDefinition | undefined {
    return this.#byCode.get(code);
  }

  /**
   * The definition of `code`; throws {@link InvalidStatusError} (`ERR_ACCESS_INVALID_STATUS`) when it
   * is not defined.
   *
   * @example
   * ```ts
   * import { AGENCY_STATUSES } from '@semper/access';
   * AGENCY_STATUSES.require(3).name; // 'full'
   * ```
   */
  require(code: number): StatusDefinition {
    const d = this.#byCode.get(code);
    if (d === undefined) throw new InvalidStatusError(code);
    return d;
  }

  /**
   * Whether a subject in status `code` may perform `action` (false for an undefined code).
   *
   * @example
   * ```ts
   * import { AGENCY_STATUSES } from '@semper/access';
   * AGENCY_STATUSES.allows(2, 'sdc.export'); // false
   * AGENCY_STATUSES.allows(3, 'sdc.export'); // true
   * ```
   */
  allows(code: number, action: string): boolean {
    return this.#byCode.get(code)?.allows.some((pattern) => matchesPattern(pattern, action)) === true;
  }
}
