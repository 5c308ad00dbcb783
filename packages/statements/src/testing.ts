/**
 * `@semper/statements/testing`: the conformance kit for statement kinds. Run it on every kind you
 * define, with bodies it must accept and bodies it must refuse; the toolkit runs it on every built-in
 * kind.
 *
 * ```ts
 * import { describeStatementKind } from '@semper/statements/testing';
 * import { warrantyClaimKind } from './warranty-claim.kind.js';
 * describeStatementKind(warrantyClaimKind, { 'a claim': claim }, { 'no claimant': { body: { ...claim, claimant: undefined }, path: 'claimant' } });
 * ```
 *
 * @packageDocumentation
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemClock } from '@semper/core';
import { type Identity, signData, TrustStore } from '@semper/crypto';
import { createTestPki, type TestPki } from '@semper/crypto/testing';
import { describe, it } from 'vitest';
import { canonicalize } from './canonical-json.js';
import { encodeStatementContent, STATEMENT_CONTENT_TYPE } from './envelope.js';
import { InvalidBodyError, StatementsError } from './errors.js';
import { StatementManager } from './statement.manager.js';
import { isKindName, isKindVersion, type StatementKind, StatementKinds } from './statement-kind.js';

/**
 * Bodies a kind must accept, by name (the name becomes the test's name).
 *
 * @example
 * ```ts
 * import type { ValidExamples } from '@semper/statements/testing';
 * const valid: ValidExamples = { 'a minimal note': { text: 'hello' } };
 * ```
 */
export type ValidExamples = Readonly<Record<string, unknown>>;

/**
 * A body a kind must refuse, and optionally the path (as `InvalidBodyError.issues` spells it, e.g.
 * `items[0].quantity`, `''` for the body itself) that must be among the reported issues.
 *
 * @example
 * ```ts
 * import type { InvalidExample } from '@semper/statements/testing';
 * const tooMany: InvalidExample = { body: { text: '' }, path: 'text' };
 * ```
 */
export interface InvalidExample {
  readonly body: unknown;
  readonly path?: string;
}

/**
 * Bodies a kind must refuse, by name.
 *
 * @example
 * ```ts
 * import type { InvalidExamples } from '@semper/statements/testing';
 * const invalid: InvalidExamples = { 'empty text': { body: { text: '' }, path: 'text' } };
 * ```
 */
export type InvalidExamples = Readonly<Record<string, InvalidExample>>;

/**
 * Options of {@link statementKindChecks} and {@link describeStatementKind}.
 *
 * @example
 * ```ts
 * import type { StatementKindChecksOptions } from '@semper/statements/testing';
 * const options: StatementKindChecksOptions = { openssl: true };
 * ```
 */
export interface StatementKindChecksOptions {
  /**
   * Who signs the valid examples: an identity, or a function of a test PKI (root → intermediate → leaf)
   * returning one, for kinds whose examples pin the signer's certificate. Default: a new P-256 identity
   * issued by a test PKI.
   */
  readonly signer?: Identity | ((pki: TestPki) => Promise<Identity>);
  /** Also check every signed valid example with `openssl cms -verify` (OpenSSL on the PATH); default false. */
  readonly openssl?: boolean;
}

/**
 * One check: a name and an async `run` that throws `ERR_STATEMENTS_CONFORMANCE_FAILED` on failure.
 *
 * @example
 * ```ts
 * import type { StatementKindCheck } from '@semper/statements/testing';
 * declare const checks: StatementKindCheck[];
 * for (const check of checks) await check.run();
 * ```
 */
export interface StatementKindCheck {
  readonly name: string;
  run(): Promise<void>;
}

function fail(message: string, cause?: unknown): never {
  throw new StatementsError('ERR_STATEMENTS_CONFORMANCE_FAILED', message, cause === undefined ? undefined : { cause });
}

/** String leaves of a value (to check that errors never copy them). */
function strings(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 64) return out;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out, depth + 1);
  else if (typeof value === 'object' && value !== null)
    for (const v of Object.values(value)) strings(v, out, depth + 1);
  return out;
}

function openssl(args: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd, encoding: 'utf8' }, (err, _stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === 'string') return reject(err);
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr });
    });
  });
}

/**
 * The conformance checks of a statement kind, framework-neutral (run each one in your test runner, or
 * use {@link describeStatementKind} with vitest):
 *
 * - the definition is well-formed, and its body schema refuses unknown top-level members (a verifier must
 *   never accept signed content that it does not show);
 * - every valid example parses; its output is JSON data within `maxBodyBytes`, and a fixed point
 *   (parsing the output again gives the same canonical JSON);
 * - every valid example signs and verifies (same body, kind, version and digest), and `showStatement`
 *   reports it known and valid; with `openssl: true`, `openssl cms -verify` accepts it;
 * - every invalid example is refused by `signStatement` with `ERR_STATEMENTS_INVALID_BODY`, reports
 *   `path` when one is given, and copies no string of the body into the error;
 * - every invalid example that is JSON data is refused by `verifyStatement` too, even when validly signed.
 *
 * @example
 * ```ts
 * import { it } from 'vitest';
 * import { statementKindChecks } from '@semper/statements/testing';
 * declare const kind: import('@semper/statements').StatementKind;
 * for (const check of statementKindChecks(kind, { minimal: { text: 'hi' } }, {})) it(check.name, () => check.run());
 * ```
 */
export function statementKindChecks(
  kind: StatementKind,
  validExamples: ValidExamples,
  invalidExamples: InvalidExamples,
  options: StatementKindChecksOptions = {},
): readonly StatementKindCheck[] {
  const manager = new StatementManager(new StatementKinds([kind]), new SystemClock());
  let setup: Promise<{ pki: TestPki; signer: Identity }> | undefined;
  const prepare = () => {
    setup ??= (async () => {
      const pki = await createTestPki();
      const given = options.signer;
      const signer =
        given === undefined
          ? await pki.issue('CN=semper statement kind conformance')
          : typeof given === 'function'
            ? await given(pki)
            : given;
      return { pki, signer };
    })();
    return setup;
  };
  const trustFor = async (signer: Identity) => {
    const { pki } = await prepare();
    // The test PKI's root, plus the signer's own top certificate when it was issued elsewhere.
    const top = signer.chain[signer.chain.length - 1] ?? signer.certificate;
    return new TrustStore([pki.root.certificate, top]);
  };
  const name = `${kind.kind} v${kind.version}`;
  const checks: StatementKindCheck[] = [
    {
      name: 'the definition is well-formed',
      async run() {
        if (!isKindName(kind.kind)) fail(`'${kind.kind}' is not a kind name`);
        if (!isKindVersion(kind.version)) fail(`${kind.kind}: the version is not an integer from 1`);
        if (typeof kind.description !== 'string' || kind.description === '') fail(`${name} has no description`);
        if (!Number.isSafeInteger(kind.maxBodyBytes) || kind.maxBodyBytes < 2) fail(`${name}: maxBodyBytes`);
        if (Object.keys(validExamples).length === 0) fail(`${name}: give at least one valid example`);
        if (Object.keys(invalidExamples).length === 0) fail(`${name}: give at least one invalid example`);
      },
    },
    {
      name: 'the schema refuses unknown members',
      async run() {
        for (const [example, body] of Object.entries(validExamples)) {
          if (typeof body !== 'object' || body === null || Array.isArray(body)) continue;
          const extra = { ...(body as object), conformanceUnknownMember: true };
          if ((await kind.schema.safeParseAsync(extra)).success) {
            fail(`${name} accepts an unknown member next to '${example}': use z.strictObject`);
          }
        }
      },
    },
  ];

  for (const [example, body] of Object.entries(validExamples)) {
    checks.push(
      {
        name: `accepts ${example}, as JSON data that parses to itself`,
        async run() {
          const result = await kind.schema.safeParseAsync(body);
          if (!result.success) {
            fail(`${name} refuses '${example}': ${result.error.issues.map((i) => i.path.join('.')).join(', ')}`);
          }
          let text: string;
          try {
            text = canonicalize(result.data);
          } catch (err) {
            return fail(`${name}: the output for '${example}' is not JSON data`, err);
          }
          if (new TextEncoder().encode(text).length > kind.maxBodyBytes) {
            fail(`${name}: '${example}' exceeds maxBodyBytes`);
          }
          const again = await kind.schema.safeParseAsync(JSON.parse(text));
          if (!again.success) fail(`${name}: its own output for '${example}' does not parse again`);
          if (canonicalize(again.data) !== text) fail(`${name}: the output for '${example}' is not a fixed point`);
        },
      },
      {
        name: `signs and verifies ${example}`,
        async run() {
          const { signer } = await prepare();
          const trust = await trustFor(signer);
          const signed = await manager.signStatement(kind, body as never, signer);
          const verified = await manager.verifyStatement(signed.bytes, { trust, kinds: [kind] });
          if (verified.kind !== kind.kind || verified.version !== kind.version)
            fail(`${name}: kind or version changed`);
          if (verified.digest !== signed.digest) fail(`${name}: the digest changed`);
          if (canonicalize(verified.body) !== canonicalize(signed.body)) fail(`${name}: the body changed`);
          if (verified.signingTime.getTime() !== signed.signingTime.getTime())
            fail(`${name}: the signing time changed`);
          const shown = await manager.showStatement(signed.bytes);
          if (!shown.unverified || !shown.known || shown.valid !== true || !shown.canonical) {
            fail(`${name}: showStatement does not report '${example}' as a known, valid, canonical statement`);
          }
          if (options.openssl === true) {
            const dir = await mkdtemp(join(tmpdir(), 'semper-statement-kind-'));
            try {
              await writeFile(join(dir, 'statement.der'), signed.bytes);
              await writeFile(join(dir, 'ca.pem'), trust.anchors.map((c) => c.toPem()).join(''));
              const args = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', 'statement.der', '-CAfile', 'ca.pem'];
              const r = await openssl([...args, '-out', 'content.json'], dir);
              if (r.code !== 0) fail(`${name}: openssl cms -verify refuses '${example}': ${r.stderr.trim()}`);
            } finally {
              await rm(dir, { recursive: true, force: true });
            }
          }
        },
      },
    );
  }

  for (const [example, { body, path }] of Object.entries(invalidExamples)) {
    checks.push({
      name: `refuses ${example}`,
      async run() {
        const { signer } = await prepare();
        let error: unknown;
        try {
          await manager.signStatement(kind, body as never, signer);
        } catch (err) {
          error = err;
        }
        if (!(error instanceof InvalidBodyError)) {
          fail(`${name}: signing '${example}' should throw ERR_STATEMENTS_INVALID_BODY, not ${String(error)}`, error);
        }
        if (path !== undefined && !error.issues.some((i) => i.path === path)) {
          fail(
            `${name}: '${example}' should report '${path}', reported ${error.issues.map((i) => `'${i.path}'`).join(', ')}`,
          );
        }
        const said = [error.message, ...error.issues.map((i) => `${i.path} ${i.message}`)].join('\n');
        for (const s of strings(body)) {
          if (s.length >= 8 && said.includes(s)) fail(`${name}: the error for '${example}' copies a value of the body`);
        }
      },
    });
    let content: Uint8Array | undefined;
    try {
      content = encodeStatementContent({ kind: kind.kind, version: kind.version, body });
    } catch {
      content = undefined; // not JSON data (e.g. a Money): a verifier can never receive it
    }
    if (content !== undefined) {
      const signedContent = content;
      checks.push({
        name: `verifiers refuse ${example} even when validly signed`,
        async run() {
          const { signer } = await prepare();
          const trust = await trustFor(signer);
          const bytes = await signData(signedContent, { signer, contentType: STATEMENT_CONTENT_TYPE });
          let error: unknown;
          try {
            await manager.verifyStatement(bytes, { trust, kinds: [kind] });
          } catch (err) {
            error = err;
          }
          if (
            !(error instanceof StatementsError) ||
            (error.code !== 'ERR_STATEMENTS_INVALID_BODY' && error.code !== 'ERR_STATEMENTS_TOO_LARGE')
          ) {
            fail(
              `${name}: verifying a signed '${example}' should throw ERR_STATEMENTS_INVALID_BODY, not ${String(error)}`,
              error,
            );
          }
        },
      });
    }
  }
  return checks;
}

/**
 * Declares a vitest suite `statement kind <kind> v<version>` with the checks of
 * {@link statementKindChecks}: run it in your own test suite for every kind you define.
 *
 * @example
 * ```ts
 * import { describeStatementKind } from '@semper/statements/testing';
 * import { warrantyClaimKind } from './warranty-claim.kind.js';
 * import { claim } from './examples.js';
 *
 * describeStatementKind(
 *   warrantyClaimKind,
 *   { 'a claim': claim },
 *   {
 *     'no defect': { body: { ...claim, defect: '' }, path: 'defect' },
 *     'an order id for a claim id': { body: { ...claim, claimId: claim.orderId }, path: 'claimId' },
 *   },
 *   { openssl: true },
 * );
 * ```
 */
export function describeStatementKind(
  kind: StatementKind,
  validExamples: ValidExamples,
  invalidExamples: InvalidExamples,
  options: StatementKindChecksOptions = {},
): void {
  describe(`statement kind ${kind.kind} v${kind.version}`, () => {
    for (const check of statementKindChecks(kind, validExamples, invalidExamples, options)) {
      it(check.name, () => check.run());
    }
  });
}
