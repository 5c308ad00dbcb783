/**
 * Name constraints (RFC 5280 §4.2.1.10, §6.1.3 (b)–(c), §6.1.4 (g)): each CA's permitted and excluded
 * subtrees, applied to the names of every certificate below it.
 *
 * Instead of intersecting permitted subtrees into one set (which RFC 5280 leaves to the implementer), every
 * CA's constraints are kept as a layer: a name of a form must lie in one permitted subtree of that form in
 * every layer that has such subtrees, and in no excluded subtree of any layer. That is the intersection and
 * union of §6.1.4 (g), without computing them.
 *
 * Forms compared: dNSName, rfc822Name (also the emailAddress attributes of the subject DN), iPAddress,
 * uniformResourceIdentifier (its host) and directoryName (the subject DN and directoryName SANs). A
 * constraint on any other form (otherName, x400Address, ediPartyName, registeredID) fails a certificate that
 * has a name of that form, as §4.2.1.10 requires of an implementation that does not process it. A
 * wildcard `*.example.com` SAN is treated as every name it could match: it must lie wholly in a permitted
 * subtree and must not overlap an excluded one (CVE-2025-61727).
 *
 * @packageDocumentation
 * @internal
 */
import type { CertificateAnalysis, NameConstraintsValue } from './extensions.js';
import {
  type GeneralName,
  type GeneralNameType,
  isDnsName,
  isNamePrefix,
  type Rdns,
  splitMailbox,
  uriHost,
} from './names.js';

/**
 * Most name-to-constraint comparisons for one path (nc-dos: quadratic blow-up).
 * @example
 * ```ts
 * if (names * subtrees > MAX_NAME_COMPARISONS) console.log('refused as a denial of service');
 * ```
 */
export const MAX_NAME_COMPARISONS = 250_000;

/** A name of a certificate, as name constraints see it. @internal */
type SubjectName =
  | { readonly type: 'dNSName'; readonly value: string }
  | { readonly type: 'rfc822Name'; readonly value: string }
  | { readonly type: 'uniformResourceIdentifier'; readonly value: string }
  | { readonly type: 'iPAddress'; readonly bytes: Uint8Array }
  | { readonly type: 'directoryName'; readonly rdns: Rdns }
  | {
      readonly type: Exclude<
        GeneralNameType,
        'dNSName' | 'rfc822Name' | 'uniformResourceIdentifier' | 'iPAddress' | 'directoryName'
      >;
    };

/** Outcome of one comparison: in the subtree, not in it, or the name cannot be compared (malformed). */
type Match = boolean | { readonly invalid: string };

function dnsMatch(name: string, constraint: string, excluded: boolean): Match {
  const n = name.toLowerCase();
  const c = constraint.toLowerCase();
  if (!isDnsName(n, true)) return { invalid: `dNSName ${JSON.stringify(name)} is not a valid DNS name` };
  if (c === '') return true;
  const within = (x: string, base: string): boolean => x === base || x.endsWith(`.${base}`);
  if (n.startsWith('*.')) {
    const base = n.slice(2);
    // Permitted only if every name the wildcard matches is; excluded if any could be.
    return excluded ? within(base, c) || c.endsWith(`.${base}`) : within(base, c);
  }
  return within(n, c);
}

function rfc822Match(address: string, constraint: string): Match {
  const box = splitMailbox(address);
  if (box === undefined) return { invalid: `rfc822Name ${JSON.stringify(address)} is not a valid mailbox` };
  const domain = box.domain.toLowerCase();
  const c = constraint.toLowerCase();
  if (constraint === '') return true;
  if (constraint.includes('@')) {
    // A particular mailbox: the local part is case-sensitive, the host is not.
    const cbox = splitMailbox(constraint);
    return cbox !== undefined && cbox.local === box.local && cbox.domain.toLowerCase() === domain;
  }
  if (c.startsWith('.')) return domain.endsWith(c); // any host in the domain, not the domain itself
  return domain === c; // every mailbox on that host
}

function uriMatch(uri: string, constraint: string): Match {
  const host = uriHost(uri);
  if (host === undefined) return { invalid: `URI ${JSON.stringify(uri)} is not an absolute URI` };
  if (host === null) return { invalid: `URI ${JSON.stringify(uri)} has no host to check against the constraints` };
  if (host.startsWith('[') || /^[0-9.]+$/.test(host)) {
    return { invalid: `URI ${JSON.stringify(uri)} names an IP address, which URI constraints cannot check` };
  }
  const c = constraint.toLowerCase();
  if (c === '') return true;
  if (c.startsWith('.')) return host.endsWith(c);
  return host === c;
}

function ipMatch(address: Uint8Array, constraint: Uint8Array): Match {
  if (address.length !== 4 && address.length !== 16) {
    return { invalid: `an iPAddress of ${address.length} octets` };
  }
  if (constraint.length !== address.length * 2) return false; // the other address family
  for (let i = 0; i < address.length; i++) {
    const mask = constraint[address.length + i];
    if ((address[i] & mask) !== (constraint[i] & mask)) return false;
  }
  return true;
}

function matches(name: SubjectName, base: GeneralName, excluded: boolean): Match {
  if (name.type === 'dNSName' && base.type === 'dNSName') return dnsMatch(name.value, base.value, excluded);
  if (name.type === 'rfc822Name' && base.type === 'rfc822Name') return rfc822Match(name.value, base.value);
  if (name.type === 'uniformResourceIdentifier' && base.type === 'uniformResourceIdentifier') {
    return uriMatch(name.value, base.value);
  }
  if (name.type === 'iPAddress' && base.type === 'iPAddress') return ipMatch(name.bytes, base.bytes);
  if (name.type === 'directoryName' && base.type === 'directoryName') return isNamePrefix(base.rdns, name.rdns);
  return false;
}

function describe(n: SubjectName): string {
  switch (n.type) {
    case 'dNSName':
    case 'rfc822Name':
    case 'uniformResourceIdentifier':
      return `${n.type} ${JSON.stringify(n.value)}`;
    case 'iPAddress':
      return n.bytes.length === 4
        ? `iPAddress ${[...n.bytes].join('.')}`
        : `iPAddress ${Buffer.from(n.bytes).toString('hex')}`;
    case 'directoryName':
      return 'the directoryName';
    default:
      return `a name of form ${n.type}`;
  }
}

const COMPARED = new Set<GeneralNameType>([
  'dNSName',
  'rfc822Name',
  'uniformResourceIdentifier',
  'iPAddress',
  'directoryName',
]);

/**
 * The names of a certificate that name constraints apply to.
 * @example
 * ```ts
 * constrainedNames(analyze(leaf)).map((n) => n.type); // ['directoryName', 'dNSName', …]
 * ```
 * @internal
 */
export function constrainedNames(a: CertificateAnalysis): SubjectName[] {
  const names: SubjectName[] = [];
  if (a.subject.length > 0) names.push({ type: 'directoryName', rdns: a.subject });
  for (const e of a.subjectEmails) names.push({ type: 'rfc822Name', value: e ?? '' });
  for (const g of a.subjectAltName ?? []) {
    switch (g.type) {
      case 'dNSName':
      case 'rfc822Name':
      case 'uniformResourceIdentifier':
        names.push({ type: g.type, value: g.value });
        break;
      case 'iPAddress':
        names.push({ type: 'iPAddress', bytes: g.bytes });
        break;
      case 'directoryName':
        names.push({ type: 'directoryName', rdns: g.rdns });
        break;
      default:
        names.push({ type: g.type });
    }
  }
  return names;
}

/**
 * A counter shared by the checks of one path.
 * @example
 * ```ts
 * const budget: ComparisonBudget = { used: 0 };
 * ```
 * @internal
 */
export interface ComparisonBudget {
  used: number;
}

/**
 * Checks the names of one certificate against the constraint layers of the CAs above it; returns why it
 * violates them, or undefined.
 *
 * @example
 * ```ts
 * const why = checkNameConstraints(analyze(leaf), [analyze(ca).nameConstraints!], { used: 0 });
 * if (why !== undefined) console.log('NAME_CONSTRAINTS', why);
 * ```
 * @internal
 */
export function checkNameConstraints(
  a: CertificateAnalysis,
  layers: readonly NameConstraintsValue[],
  budget: ComparisonBudget,
): string | undefined {
  if (layers.length === 0) return undefined;
  const names = constrainedNames(a);
  for (const layer of layers) {
    budget.used += names.length * (layer.permitted.length + layer.excluded.length);
    if (budget.used > MAX_NAME_COMPARISONS) {
      return `checking the names against the name constraints takes more than ${MAX_NAME_COMPARISONS} comparisons`;
    }
  }
  for (const name of names) {
    for (const layer of layers) {
      const permitted = layer.permitted.filter((p) => p.type === name.type);
      const excluded = layer.excluded.filter((p) => p.type === name.type);
      if (!COMPARED.has(name.type)) {
        if (permitted.length > 0 || excluded.length > 0) {
          return `${describe(name)} is constrained, and semper does not process constraints on that form`;
        }
        continue;
      }
      for (const e of excluded) {
        const m = matches(name, e, true);
        if (typeof m === 'object') return m.invalid;
        if (m) return `${describe(name)} is in an excluded subtree`;
      }
      if (permitted.length > 0) {
        let ok = false;
        for (const p of permitted) {
          const m = matches(name, p, false);
          if (typeof m === 'object') return m.invalid;
          if (m) {
            ok = true;
            break;
          }
        }
        if (!ok) return `${describe(name)} is not in any permitted subtree`;
      }
    }
  }
  return undefined;
}
