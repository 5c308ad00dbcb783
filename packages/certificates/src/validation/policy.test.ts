import { describe, expect, it } from 'vitest';
import { ANY_POLICY, type CertificateAnalysis } from './extensions.js';
import { processPolicies } from './policy.js';

const P = '1.3.6.1.4.1.99999.1';
const Q = '1.3.6.1.4.1.99999.2';
const R = '1.3.6.1.4.1.99999.3';

function cert(o: Partial<CertificateAnalysis> = {}): CertificateAnalysis {
  return {
    violations: [],
    unknownCritical: [],
    subject: [],
    selfIssued: false,
    isCa: true,
    missingAkiKeyId: false,
    subjectEmails: [],
    ...o,
  };
}

describe('policy processing (RFC 5280 §6.1, default inputs)', () => {
  it('keeps the policies every certificate asserts, anyPolicy matching any', () => {
    expect(processPolicies([cert({ policies: [P, Q] }), cert({ policies: [P] })])).toEqual({ ok: true, policies: [P] });
    expect(processPolicies([cert({ policies: [ANY_POLICY] }), cert({ policies: [Q] })])).toEqual({
      ok: true,
      policies: [Q],
    });
    expect(processPolicies([cert({ policies: [P] }), cert({ policies: [ANY_POLICY] })])).toEqual({
      ok: true,
      policies: [P],
    });
    expect(processPolicies([cert({ policies: [ANY_POLICY] }), cert({ policies: [ANY_POLICY] })])).toEqual({
      ok: true,
      policies: [ANY_POLICY],
    });
  });

  it('a NULL tree is valid unless an explicit policy is required', () => {
    expect(processPolicies([cert({ policies: [P] }), cert()])).toEqual({ ok: true, policies: [] });
    expect(processPolicies([cert({ policies: [P] }), cert({ policies: [Q] })])).toEqual({ ok: true, policies: [] });
    const r = processPolicies([cert({ policies: [P], requireExplicitPolicy: 0 }), cert({ policies: [Q] })]);
    expect(r.ok).toBe(false);
    // requireExplicitPolicy n: the count reaches 0 after n more certificates (the target included, §6.1.5 (a)).
    expect(processPolicies([cert({ policies: [P], requireExplicitPolicy: 1 }), cert({ policies: [Q] })]).ok).toBe(
      false,
    );
    expect(processPolicies([cert({ policies: [P], requireExplicitPolicy: 2 }), cert({ policies: [Q] })]).ok).toBe(true);
    expect(
      processPolicies([
        cert({ policies: [P], requireExplicitPolicy: 2 }),
        cert({ policies: [P] }),
        cert({ policies: [Q] }),
      ]).ok,
    ).toBe(false);
    // In the last certificate, requireExplicitPolicy 0 applies to itself.
    expect(processPolicies([cert({ policies: [P] }), cert({ policies: [Q], requireExplicitPolicy: 0 })]).ok).toBe(
      false,
    );
  });

  it('maps policies, unless mapping is inhibited', () => {
    const mapping = cert({ policies: [P], policyMappings: [[P, Q]] });
    expect(processPolicies([mapping, cert({ policies: [Q] })])).toEqual({ ok: true, policies: [Q] });
    // inhibitPolicyMapping applies to the certificates after the one that carries it.
    const inhibiting = cert({ policies: [P], inhibitPolicyMapping: 0, requireExplicitPolicy: 0 });
    const mapper = cert({ policies: [P], policyMappings: [[P, Q]] });
    expect(processPolicies([inhibiting, mapper, cert({ policies: [Q] })]).ok).toBe(false);
    expect(
      processPolicies([cert({ policies: [P], requireExplicitPolicy: 0 }), mapper, cert({ policies: [Q] })]).ok,
    ).toBe(true);
    expect(
      processPolicies([cert({ policies: [P], policyMappings: [[ANY_POLICY, Q]] }), cert({ policies: [Q] })]).ok,
    ).toBe(false);
    // A mapping from anyPolicy's node creates the issuer-domain policy.
    expect(
      processPolicies([cert({ policies: [ANY_POLICY], policyMappings: [[R, Q]] }), cert({ policies: [Q] })]),
    ).toEqual({
      ok: true,
      policies: [Q],
    });
  });

  it('honours inhibitAnyPolicy, except in self-issued intermediates', () => {
    const req = { requireExplicitPolicy: 0 };
    expect(
      processPolicies([cert({ policies: [P], inhibitAnyPolicy: 0, ...req }), cert({ policies: [ANY_POLICY] })]).ok,
    ).toBe(false);
    expect(
      processPolicies([cert({ policies: [P], inhibitAnyPolicy: 1, ...req }), cert({ policies: [ANY_POLICY] })]).ok,
    ).toBe(true);
    expect(
      processPolicies([
        cert({ policies: [P], inhibitAnyPolicy: 0, ...req }),
        cert({ policies: [ANY_POLICY], selfIssued: true }),
        cert({ policies: [P] }),
      ]).ok,
    ).toBe(true);
  });

  it('counts self-issued intermediates out of the skip counts', () => {
    const top = cert({ policies: [P], requireExplicitPolicy: 2 });
    expect(processPolicies([top, cert({ policies: [P], selfIssued: true }), cert({ policies: [Q] })]).ok).toBe(true);
    expect(processPolicies([top, cert({ policies: [P] }), cert({ policies: [Q] })]).ok).toBe(false);
  });
});
