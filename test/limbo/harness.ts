// The x509-limbo harness (C2SP/x509-limbo, https://x509-limbo.com): runs every test case of limbo.json
// against semper's PathValidator and, in the same run, against pkijs' CertificateChainValidationEngine, and
// compares each verdict with the expected one. Used by `npm run limbo` (scripts/limbo.ts) and by
// test/limbo/limbo.test.ts.
//
// How a case is fed:
// - semper: the trusted certificates are the anchors, the untrusted intermediates the intermediates, the
//   validation time `at` (now when absent), the CRLs with `revocation: 'chain'` (none: `revocation: 'none'`),
//   `key_usage` as keyUsage, `extended_key_usage` as extendedKeyUsage, `max_chain_depth` as maxDepth; the
//   defaults otherwise (strict). A certificate or CRL the engine cannot read is left out; a peer certificate
//   it cannot read is a FAILURE verdict.
// - pkijs: `trustedCerts`, `certs` (the intermediates, then the peer, which pkijs takes as the last one),
//   `crls` and `checkDate`, and `verify()`; what it cannot read or throws is a FAILURE verdict. pkijs has no
//   options for key usage, extended key usage or chain depth: it is run without them (a straightforward use).
// - A case that tests a feature semper deliberately does not implement is not applicable, for both engines,
//   and listed with its reason (see NOT_APPLICABLE).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CertificateRevocationList, type PathValidationResult, PathValidator } from '@semper/certificates';
import { Certificate, type KeyUsageName } from '@semper/crypto';

/** One test case, as limbo-schema.json describes it (the fields the harness reads). */
export interface LimboTestcase {
  readonly id: string;
  readonly features?: readonly string[];
  readonly conflicts_with?: readonly string[];
  readonly description: string;
  readonly validation_kind: 'CLIENT' | 'SERVER';
  readonly trusted_certs: readonly string[];
  readonly untrusted_intermediates: readonly string[];
  readonly peer_certificate: string;
  readonly validation_time?: string | null;
  readonly signature_algorithms?: readonly string[];
  readonly key_usage?: readonly string[];
  readonly extended_key_usage?: readonly string[];
  readonly expected_result: 'SUCCESS' | 'FAILURE';
  readonly expected_peer_name?: { readonly kind: string; readonly value: string } | null;
  readonly expected_peer_names?: readonly { readonly kind: string; readonly value: string }[];
  readonly max_chain_depth?: number | null;
  readonly crls?: readonly string[];
}

/** The limbo.json file. */
export interface LimboFile {
  readonly version: number;
  readonly testcases: readonly LimboTestcase[];
}

/** Where the vectors are: `$SEMPER_LIMBO`, else ../shared/vectors/x509-limbo/limbo.json from the repo root. */
export function limboPath(): string {
  const root = resolve(import.meta.dirname, '../..');
  return process.env.SEMPER_LIMBO ?? resolve(root, '../shared/vectors/x509-limbo/limbo.json');
}

/** The vectors, or undefined when the file is absent. */
export function loadLimbo(path: string = limboPath()): LimboFile | undefined {
  if (!existsSync(path)) return undefined;
  const file = JSON.parse(readFileSync(path, 'utf8')) as LimboFile;
  if (file.version !== 1 || !Array.isArray(file.testcases)) throw new Error(`${path} is not a limbo file (version 1)`);
  return file;
}

/**
 * The cases that test what semper's validator deliberately does not implement, with the reason. Each rule
 * names a feature, never an outcome: the rule applies to the cases of that feature whatever semper or pkijs
 * would answer. Where semper deliberately differs from a vector on a rule RFC 5280 leaves open (it accepts zero
 * and negative serial numbers, as §4.1.2.2 asks users to handle them gracefully, and a trust anchor without an
 * authorityKeyIdentifier), the case stays applicable and counts as failed.
 */
export const NOT_APPLICABLE: readonly { readonly reason: string; readonly applies: (tc: LimboTestcase) => boolean }[] =
  [
    {
      reason:
        'server-name matching (RFC 6125/9525) of expected_peer_name against the leaf: semper validates the paths of signers and recipients of business items, not TLS server identities, and has no host-name check',
      applies: (tc) =>
        tc.id.startsWith('webpki::san::') ||
        tc.id.startsWith('webpki::cn::') ||
        tc.id === 'rfc5280::ca-as-leaf-wrong-san',
    },
    {
      reason:
        "CA/B Forum Baseline Requirements 7.1.2.1.3 (the fields of a root's authorityKeyIdentifier): a Web PKI rule beyond RFC 5280, not implemented",
      applies: (tc) => tc.id.startsWith('webpki::aki::'),
    },
    {
      reason:
        'CA/B Forum Baseline Requirements 7.1.2 extKeyUsage rules (required in a subscriber certificate, never critical, no anyExtendedKeyUsage, none in a root): Web PKI rules beyond RFC 5280 (which allows each), not implemented',
      applies: (tc) => (tc.features ?? []).includes('pedantic-webpki-eku'),
    },
    {
      reason:
        "CA/B Forum Baseline Requirements 6.1.5 (an RSA modulus a multiple of 8 bits): not part of semper's key policy (RSA 2048–8192 bits, EC P-256/P-384, Ed25519)",
      applies: (tc) => tc.id.includes('not-divisible-by-8'),
    },
    {
      reason:
        'CA/B Forum Baseline Requirements 7.1.1 (every certificate is version 3): RFC 5280 allows version 1 and 2 end-entity certificates, and semper accepts them',
      applies: (tc) => tc.id === 'webpki::v1-cert',
    },
    {
      reason:
        'the CA/B Forum variant of a conflicting pair (conflicts_with an rfc5280:: case): semper follows RFC 5280 (non-critical name constraints refused, a CA certificate accepted as the leaf)',
      applies: (tc) =>
        tc.id.startsWith('webpki::') && (tc.conflicts_with ?? []).some((other) => other.startsWith('rfc5280::')),
    },
  ];

/** Why `tc` is not applicable, or undefined. */
export function notApplicable(tc: LimboTestcase): string | undefined {
  return NOT_APPLICABLE.find((r) => r.applies(tc))?.reason;
}

type Verdict = 'SUCCESS' | 'FAILURE';

/** What an engine answered: a verdict, or none (pkijs stopped after its time limit). */
type Answer = Verdict | 'NO_VERDICT';

/** One engine's answer to one case. */
export interface EngineAnswer {
  readonly verdict: Answer;
  /** semper's failure code, or pkijs' error. */
  readonly detail?: string;
  readonly ms: number;
}

/** One case's outcome. */
export interface CaseOutcome {
  readonly id: string;
  readonly category: string;
  readonly expected: Verdict;
  readonly notApplicable?: string;
  readonly semper?: EngineAnswer;
  readonly pkijs?: EngineAnswer;
}

const EKU: Readonly<Record<string, string>> = {
  anyExtendedKeyUsage: '2.5.29.37.0',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  OCSPSigning: '1.3.6.1.5.5.7.3.9',
};

function validationTime(tc: LimboTestcase): Date {
  return tc.validation_time ? new Date(tc.validation_time) : new Date();
}

function readCert(pem: string): Certificate | undefined {
  try {
    return Certificate.fromPem(pem)[0];
  } catch {
    return undefined;
  }
}

/** Runs `tc` through semper's PathValidator. */
export async function runSemper(tc: LimboTestcase): Promise<EngineAnswer & { result?: PathValidationResult }> {
  const started = performance.now();
  const done = (verdict: Verdict, detail?: string, result?: PathValidationResult) => ({
    verdict,
    ...(detail === undefined ? {} : { detail }),
    ms: performance.now() - started,
    ...(result === undefined ? {} : { result }),
  });
  const leaf = readCert(tc.peer_certificate);
  if (leaf === undefined) return done('FAILURE', 'the peer certificate does not parse');
  const anchors = tc.trusted_certs.map(readCert).filter((c): c is Certificate => c !== undefined);
  const intermediates = tc.untrusted_intermediates.map(readCert).filter((c): c is Certificate => c !== undefined);
  const crls: CertificateRevocationList[] = [];
  for (const pem of tc.crls ?? []) {
    try {
      crls.push(...CertificateRevocationList.fromPem(pem));
    } catch {
      // unreadable: left out
    }
  }
  const keyUsage = (tc.key_usage ?? []).map((k) =>
    k === 'contentCommitment' ? 'nonRepudiation' : k,
  ) as KeyUsageName[];
  const extendedKeyUsage = (tc.extended_key_usage ?? []).map((e) => EKU[e] ?? e);
  const validator = new PathValidator(anchors);
  const result = await validator.validate(leaf, {
    intermediates,
    at: validationTime(tc),
    crls,
    revocation: (tc.crls ?? []).length > 0 ? 'chain' : 'none',
    keyUsage,
    extendedKeyUsage,
    ...(typeof tc.max_chain_depth === 'number' ? { maxDepth: tc.max_chain_depth } : {}),
  });
  return result.valid
    ? done('SUCCESS', undefined, result)
    : done('FAILURE', `${result.code}: ${result.reason}`, result);
}

/** How long pkijs may take over one case before the harness stops it (it then has no verdict). */
export const PKIJS_TIMEOUT_MS = 5000;

/**
 * Runs cases through pkijs in a worker thread (test/limbo/pkijs-worker.mjs), one at a time, stopping a case
 * that takes longer than `timeoutMs`: pkijs' path building follows certificate cycles without a bound.
 */
export class PkijsRunner {
  readonly #timeoutMs: number;
  #worker: Worker | undefined;
  #seq = 0;

  constructor(timeoutMs: number = PKIJS_TIMEOUT_MS) {
    this.#timeoutMs = timeoutMs;
  }

  #start(): Worker {
    if (this.#worker === undefined) {
      this.#worker = new Worker(new URL('./pkijs-worker.mjs', import.meta.url));
      this.#worker.unref();
    }
    return this.#worker;
  }

  /** pkijs' answer to `tc`; `NO_VERDICT` when it did not finish in time or its worker failed. */
  run(tc: LimboTestcase): Promise<EngineAnswer> {
    const worker = this.#start();
    const seq = ++this.#seq;
    const started = performance.now();
    return new Promise((resolvePromise) => {
      const finish = (a: EngineAnswer): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        resolvePromise(a);
      };
      const onMessage = (m: { seq: number; verdict: Verdict; detail?: string; ms: number }): void => {
        if (m.seq === seq) finish({ verdict: m.verdict, ...(m.detail ? { detail: m.detail } : {}), ms: m.ms });
      };
      const onError = (err: Error): void => {
        this.#worker = undefined;
        finish({ verdict: 'NO_VERDICT', detail: `worker failed: ${err.message}`, ms: performance.now() - started });
      };
      const timer = setTimeout(() => {
        void worker.terminate();
        this.#worker = undefined;
        finish({ verdict: 'NO_VERDICT', detail: `did not finish within ${this.#timeoutMs} ms`, ms: this.#timeoutMs });
      }, this.#timeoutMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage({ seq, tc });
    });
  }

  /** Stops the worker. */
  async close(): Promise<void> {
    const w = this.#worker;
    this.#worker = undefined;
    if (w !== undefined) await w.terminate();
  }
}

/** The category of a case: the first segment of its id (rfc5280, webpki, pathlen, crl, …). */
export function categoryOf(id: string): string {
  return id.split('::')[0];
}

/** Runs every case through both engines (one at a time; pkijs in a worker, see {@link PkijsRunner}). */
export async function runLimbo(file: LimboFile, o: { readonly pkijsTimeoutMs?: number } = {}): Promise<CaseOutcome[]> {
  const out: CaseOutcome[] = [];
  const pkijs = new PkijsRunner(o.pkijsTimeoutMs);
  try {
    for (const tc of file.testcases) {
      const base = { id: tc.id, category: categoryOf(tc.id), expected: tc.expected_result };
      const na = notApplicable(tc);
      if (na !== undefined) {
        out.push({ ...base, notApplicable: na });
        continue;
      }
      // pkijs runs in its worker while semper runs here: the two engines overlap, each timed on its own.
      const pending = pkijs.run(tc);
      const { result: _result, ...s } = await runSemper(tc);
      out.push({ ...base, semper: s, pkijs: await pending });
    }
  } finally {
    await pkijs.close();
  }
  return out;
}

/** Pass counts per category and in all, for both engines. */
export interface LimboSummary {
  readonly categories: readonly {
    readonly category: string;
    readonly applicable: number;
    readonly semper: number;
    readonly pkijs: number;
    readonly notApplicable: number;
  }[];
  /** Cases pkijs did not finish (not counted as passed), and how many of them expect FAILURE. */
  readonly pkijsNoVerdict: readonly string[];
  readonly pkijsNoVerdictExpectingFailure: number;
  readonly semper: { readonly passed: number; readonly applicable: number };
  readonly pkijs: { readonly passed: number; readonly applicable: number };
  readonly notApplicable: readonly { readonly id: string; readonly reason: string }[];
  readonly semperMs: number;
  readonly pkijsMs: number;
}

/** Sums the outcomes up. */
export function summarize(outcomes: readonly CaseOutcome[]): LimboSummary {
  const cats = new Map<
    string,
    { category: string; applicable: number; semper: number; pkijs: number; notApplicable: number }
  >();
  let semperMs = 0;
  let pkijsMs = 0;
  for (const o of outcomes) {
    let c = cats.get(o.category);
    if (c === undefined) {
      c = { category: o.category, applicable: 0, semper: 0, pkijs: 0, notApplicable: 0 };
      cats.set(o.category, c);
    }
    if (o.notApplicable !== undefined) {
      c.notApplicable++;
      continue;
    }
    c.applicable++;
    if (o.semper?.verdict === o.expected) c.semper++;
    if (o.pkijs?.verdict === o.expected) c.pkijs++;
    semperMs += o.semper?.ms ?? 0;
    if (o.pkijs?.verdict !== 'NO_VERDICT') pkijsMs += o.pkijs?.ms ?? 0;
  }
  const categories = [...cats.values()];
  const noVerdict = outcomes.filter((o) => o.pkijs?.verdict === 'NO_VERDICT');
  const total = (k: 'semper' | 'pkijs') => categories.reduce((n, c) => n + c[k], 0);
  const applicable = categories.reduce((n, c) => n + c.applicable, 0);
  return {
    categories,
    semper: { passed: total('semper'), applicable },
    pkijs: { passed: total('pkijs'), applicable },
    notApplicable: outcomes
      .filter((o) => o.notApplicable !== undefined)
      .map((o) => ({ id: o.id, reason: o.notApplicable as string })),
    pkijsNoVerdict: noVerdict.map((o) => o.id),
    pkijsNoVerdictExpectingFailure: noVerdict.filter((o) => o.expected === 'FAILURE').length,
    semperMs,
    pkijsMs,
  };
}

function pct(n: number, d: number): string {
  return d === 0 ? '   -  ' : `${((100 * n) / d).toFixed(1).padStart(5)}%`;
}

/** The report `npm run limbo` prints; its last line is the JSON object of the figures. */
export function formatReport(outcomes: readonly CaseOutcome[], verbose = false): string[] {
  const s = summarize(outcomes);
  const lines: string[] = [];
  lines.push('x509-limbo: semper PathValidator vs pkijs CertificateChainValidationEngine');
  lines.push('');
  lines.push(
    `${'category'.padEnd(14)} ${'applicable'.padStart(10)}  ${'semper'.padStart(15)}  ${'pkijs'.padStart(15)}  n/a`,
  );
  for (const c of s.categories) {
    lines.push(
      `${c.category.padEnd(14)} ${String(c.applicable).padStart(10)}  ${`${c.semper} ${pct(c.semper, c.applicable)}`.padStart(15)}  ${`${c.pkijs} ${pct(c.pkijs, c.applicable)}`.padStart(15)}  ${c.notApplicable}`,
    );
  }
  lines.push(
    `${'total'.padEnd(14)} ${String(s.semper.applicable).padStart(10)}  ${`${s.semper.passed} ${pct(s.semper.passed, s.semper.applicable)}`.padStart(15)}  ${`${s.pkijs.passed} ${pct(s.pkijs.passed, s.pkijs.applicable)}`.padStart(15)}  ${s.notApplicable.length}`,
  );
  const n = Math.max(1, s.semper.applicable);
  if (s.pkijsNoVerdict.length > 0) {
    lines.push('');
    lines.push(
      `pkijs did not finish ${s.pkijsNoVerdict.length} case(s) within ${PKIJS_TIMEOUT_MS} ms (stopped, counted as not passed; ${s.pkijsNoVerdictExpectingFailure} of them expect FAILURE, so pkijs would pass ${s.pkijs.passed + s.pkijsNoVerdictExpectingFailure} if a hang counted as a rejection): ${s.pkijsNoVerdict.join(', ')}`,
    );
  }
  lines.push('');
  const times = (k: 'semper' | 'pkijs') =>
    outcomes
      .map((o) => o[k])
      .filter((a): a is EngineAnswer => a !== undefined && a.verdict !== 'NO_VERDICT')
      .map((a) => a.ms)
      .sort((x, y) => x - y);
  const q = (xs: number[], f: number) => (xs.length === 0 ? 0 : xs[Math.min(xs.length - 1, Math.floor(f * xs.length))]);
  const st = times('semper');
  const pt = times('pkijs');
  lines.push(
    `time per case (parse and validate, one run, answered cases): semper median ${q(st, 0.5).toFixed(1)} ms, p95 ${q(st, 0.95).toFixed(1)} ms, mean ${(s.semperMs / n).toFixed(1)} ms; pkijs median ${q(pt, 0.5).toFixed(1)} ms, p95 ${q(pt, 0.95).toFixed(1)} ms`,
  );
  const failed = outcomes.filter((o) => o.semper !== undefined && o.semper.verdict !== o.expected);
  lines.push('');
  lines.push(`semper fails ${failed.length} applicable case(s):`);
  for (const o of failed)
    lines.push(
      `  ${o.id}: expected ${o.expected}, got ${o.semper?.verdict}${o.semper?.detail ? ` (${o.semper.detail})` : ''}`,
    );
  if (verbose) {
    const pf = outcomes.filter((o) => o.pkijs !== undefined && o.pkijs.verdict !== o.expected);
    lines.push('');
    lines.push(`pkijs fails ${pf.length} applicable case(s):`);
    for (const o of pf)
      lines.push(
        `  ${o.id}: expected ${o.expected}, got ${o.pkijs?.verdict}${o.pkijs?.detail ? ` (${o.pkijs.detail})` : ''}`,
      );
  }
  lines.push('');
  lines.push(`not applicable (${s.notApplicable.length}):`);
  const byReason = new Map<string, string[]>();
  for (const x of s.notApplicable) byReason.set(x.reason, [...(byReason.get(x.reason) ?? []), x.id]);
  for (const [reason, ids] of byReason) {
    lines.push(`  ${reason}:`);
    for (const id of ids) lines.push(`    ${id}`);
  }
  lines.push(
    JSON.stringify({
      semper: s.semper,
      pkijs: s.pkijs,
      notApplicable: s.notApplicable.map((x) => x.id),
    }),
  );
  return lines;
}
