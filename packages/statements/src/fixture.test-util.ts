// A test PKI, parties and a manager on a manual clock, for the tests of this package.
import { ManualClock } from '@semper/core';
import { createIdentity, type Identity, signData } from '@semper/crypto';
import { createTestPki, type TestPki } from '@semper/crypto/testing';
import { STATEMENT_CONTENT_TYPE } from './envelope.js';
import { builtinStatementKinds } from './kinds/builtin.js';
import { StatementManager } from './statement.manager.js';

export interface Fixture {
  readonly pki: TestPki;
  readonly clock: ManualClock;
  readonly merchant: Identity;
  readonly buyer: Identity;
  /** Self-signed: not under the test root. */
  readonly stranger: Identity;
  readonly statements: StatementManager;
}

export async function createFixture(): Promise<Fixture> {
  const pki = await createTestPki();
  const [merchant, buyer, stranger] = await Promise.all([
    pki.issue('CN=Librairie Etoile, O=Etoile SARL, C=FR'),
    pki.issue('CN=Juergen Gross, C=DE'),
    createIdentity({ subject: 'CN=Stranger' }),
  ]);
  // Within the validity of the test certificates (issued a minute ago, valid 30 days).
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000 + 1500);
  const statements = new StatementManager(builtinStatementKinds, clock);
  return { pki, clock, merchant, buyer, stranger, statements };
}

/** Signs arbitrary content as a statement would be signed, bypassing every check of the manager. */
export function signRaw(
  content: Uint8Array | string,
  signer: Identity,
  contentType = STATEMENT_CONTENT_TYPE,
): Promise<Uint8Array> {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  return signData(bytes, { signer, contentType });
}

/** The error a promise rejects with (fails when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
