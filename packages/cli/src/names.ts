// Names the command line offers as choices, kept here so that defining the commands (and `semper --help`)
// loads none of the blocks; names.test.ts checks them against the blocks' own lists.
import type { CertificateProfileName, RevocationReason } from '@semper/certificates';

/** The certificate profiles (`@semper/certificates`' CERTIFICATE_PROFILE_NAMES). */
export const PROFILE_NAMES = [
  'signing',
  'encryption',
  'ttp',
  'ca',
  'hub',
  'agency',
] as const satisfies readonly CertificateProfileName[];

/** The reasons `ca revoke` takes: RFC 5280 §5.3.1 but removeFromCRL, which is not a reason to revoke. */
export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'privilegeWithdrawn',
  'aACompromise',
] as const satisfies readonly RevocationReason[];

/** The built-in statement kinds (`@semper/statements`' BUILTIN_STATEMENT_KINDS). */
export const STATEMENT_KIND_NAMES: readonly string[] = [
  'offer',
  'order',
  'order-confirmation',
  'cancellation',
  'payment-confirmation',
  'shipping-note',
  'receipt',
  'contract',
  'licence',
];
