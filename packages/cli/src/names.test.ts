// The CLI's copies of the blocks' names are the blocks' names.
import { CERTIFICATE_PROFILE_NAMES, REVOCATION_REASON_CODES } from '@semper/certificates';
import { BUILTIN_STATEMENT_KINDS } from '@semper/statements';
import { describe, expect, it } from 'vitest';
import { PROFILE_NAMES, REVOCATION_REASONS, STATEMENT_KIND_NAMES } from './names.js';

describe('names offered as choices', () => {
  it('are those of @semper/certificates and @semper/statements', () => {
    expect([...PROFILE_NAMES]).toEqual([...CERTIFICATE_PROFILE_NAMES]);
    expect([...REVOCATION_REASONS]).toEqual(Object.keys(REVOCATION_REASON_CODES).filter((r) => r !== 'removeFromCRL'));
    expect([...STATEMENT_KIND_NAMES]).toEqual(BUILTIN_STATEMENT_KINDS.map((k) => k.kind));
  });
});
