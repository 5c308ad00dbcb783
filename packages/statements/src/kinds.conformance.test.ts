// Every built-in kind passes the conformance kit that kind writers run on their own kinds, OpenSSL included.
import { describe, expect, it } from 'vitest';
import { invalidExamples, validExamples } from './examples.test-util.js';
import { BUILTIN_STATEMENT_KINDS, builtinStatementKinds } from './kinds/builtin.js';
import { describeStatementKind } from './testing.js';

describe('the built-in kinds', () => {
  it('are the nine kinds of a purchase, each at version 1, each with examples', () => {
    expect(builtinStatementKinds.names()).toEqual([
      'cancellation',
      'contract',
      'licence',
      'offer',
      'order',
      'order-confirmation',
      'payment-confirmation',
      'receipt',
      'shipping-note',
    ]);
    expect(BUILTIN_STATEMENT_KINDS.every((k) => k.version === 1 && k.description.length > 20)).toBe(true);
    expect(Object.keys(validExamples).sort()).toEqual(builtinStatementKinds.names());
    expect(Object.keys(invalidExamples).sort()).toEqual(builtinStatementKinds.names());
  });
});

for (const kind of BUILTIN_STATEMENT_KINDS) {
  describeStatementKind(kind, validExamples[kind.kind], invalidExamples[kind.kind], { openssl: true });
}
