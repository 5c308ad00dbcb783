/**
 * Certificate policy processing (RFC 5280 §6.1.2 (a), (d)–(f); §6.1.3 (d)–(f); §6.1.4 (a)–(b), (h)–(j);
 * §6.1.5 (a)–(b), (g)) with the default inputs: user-initial-policy-set = {anyPolicy}, and
 * initial-explicit-policy, initial-policy-mapping-inhibit and initial-any-policy-inhibit all false.
 *
 * With those inputs the valid_policy_tree matters only through its bottom row (whether it is empty, and
 * which policies it holds), and the expected_policy_set of a node depends only on its valid_policy (a
 * mapping sets it for every node of that policy). So the tree is kept as that row: a map from valid_policy
 * to expected_policy_set, which gives the same verdict and the same authorities-constrained policy set.
 *
 * @packageDocumentation
 * @internal
 */
import { ANY_POLICY, type CertificateAnalysis } from './extensions.js';

/**
 * The outcome of policy processing over a path.
 * @example
 * ```ts
 * const o: PolicyOutcome = processPolicies(path.map(analyze));
 * if (!o.ok) console.log(o.reason);
 * ```
 * @internal
 */
export type PolicyOutcome =
  | { readonly ok: true; readonly policies: readonly string[] }
  | { readonly ok: false; readonly index: number; readonly reason: string };

/**
 * Runs policy processing over `certs`, the path from the certificate issued by the trust anchor (first) to
 * the target (last), the anchor excluded.
 *
 * @example
 * ```ts
 * const o = processPolicies([intermediate, leaf].map(analyze)); // anchor excluded, top first
 * if (o.ok) console.log(o.policies);
 * ```
 * @internal
 */
export function processPolicies(certs: readonly CertificateAnalysis[]): PolicyOutcome {
  const n = certs.length;
  let explicitPolicy = n + 1;
  let inhibitAnyPolicy = n + 1;
  let policyMapping = n + 1;
  // The bottom row of the valid_policy_tree: valid_policy -> expected_policy_set; null is the NULL tree.
  let row: Map<string, Set<string>> | null = new Map([[ANY_POLICY, new Set([ANY_POLICY])]]);
  for (let i = 1; i <= n; i++) {
    const c = certs[i - 1];
    const last = i === n;
    // §6.1.3 (d): the certificate has policies and the tree is not NULL.
    if (c.policies !== undefined && row !== null) {
      const next = new Map<string, Set<string>>();
      for (const p of c.policies) {
        if (p === ANY_POLICY) continue;
        const matched = [...row.values()].some((expected) => expected.has(p));
        if (matched || row.has(ANY_POLICY)) next.set(p, new Set([p]));
      }
      const anyAllowed = inhibitAnyPolicy > 0 || (!last && c.selfIssued);
      if (c.policies.includes(ANY_POLICY) && anyAllowed) {
        for (const expected of row.values()) {
          for (const v of expected) if (!next.has(v)) next.set(v, new Set([v]));
        }
      }
      row = next.size > 0 ? next : null;
    } else {
      // (e): no certificatePolicies, the tree becomes NULL.
      row = null;
    }
    // (f)
    if (explicitPolicy <= 0 && row === null) {
      return {
        ok: false,
        index: i - 1,
        reason: 'an explicit certificate policy is required and no valid policy remains',
      };
    }
    if (last) break;
    // §6.1.4 (a)–(b): policy mappings.
    if (c.policyMappings !== undefined) {
      if (c.policyMappings.some(([from, to]) => from === ANY_POLICY || to === ANY_POLICY)) {
        return { ok: false, index: i - 1, reason: 'a policy mapping maps to or from anyPolicy' };
      }
      if (row !== null) {
        const bySource = new Map<string, string[]>();
        for (const [from, to] of c.policyMappings) bySource.set(from, [...(bySource.get(from) ?? []), to]);
        for (const [from, targets] of bySource) {
          if (policyMapping > 0) {
            if (row.has(from)) row.set(from, new Set(targets));
            else if (row.has(ANY_POLICY)) row.set(from, new Set(targets));
          } else {
            row.delete(from);
          }
        }
        if (row.size === 0) row = null;
      }
    }
    // (h)
    if (!c.selfIssued) {
      if (explicitPolicy !== 0) explicitPolicy--;
      if (policyMapping !== 0) policyMapping--;
      if (inhibitAnyPolicy !== 0) inhibitAnyPolicy--;
    }
    // (i)
    if (c.requireExplicitPolicy !== undefined && c.requireExplicitPolicy < explicitPolicy) {
      explicitPolicy = c.requireExplicitPolicy;
    }
    if (c.inhibitPolicyMapping !== undefined && c.inhibitPolicyMapping < policyMapping) {
      policyMapping = c.inhibitPolicyMapping;
    }
    // (j)
    if (c.inhibitAnyPolicy !== undefined && c.inhibitAnyPolicy < inhibitAnyPolicy) {
      inhibitAnyPolicy = c.inhibitAnyPolicy;
    }
  }
  // §6.1.5 (a)–(b)
  if (n > 0) {
    if (explicitPolicy !== 0) explicitPolicy--;
    if (certs[n - 1].requireExplicitPolicy === 0) explicitPolicy = 0;
  }
  // (g): user-initial-policy-set is anyPolicy, so the intersection is the whole tree.
  if (explicitPolicy > 0 || row !== null) return { ok: true, policies: row === null ? [] : [...row.keys()] };
  return { ok: false, index: n - 1, reason: 'an explicit certificate policy is required and no valid policy remains' };
}
