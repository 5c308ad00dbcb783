/**
 * DI token of the party's `EvidenceArchive` (`semper.archive.EvidenceArchive`), registered by
 * `register`.
 *
 * @example
 * ```ts
 * import { createPartyContainer, register as registerCore } from '@semper/core';
 * import { EVIDENCE_ARCHIVE, type EvidenceArchive, register } from '@semper/archive';
 * import { register as registerStore } from '@semper/store';
 * const party = register(registerStore(registerCore(createPartyContainer()), { url: 'pglite:./data' }), { identity });
 * const archive = party.resolve<EvidenceArchive>(EVIDENCE_ARCHIVE);
 * ```
 */
export const EVIDENCE_ARCHIVE: unique symbol = Symbol.for('semper.archive.EvidenceArchive');
