/**
 * `@semper/payments/testing`: the conformance kit every payment module runs in its own test suite
 * (`src/<module>.payment-conformance.test.ts`): `describePaymentModuleConformance(name, factory)`.
 *
 * @packageDocumentation
 */
export type {
  ConformanceEnvironment,
  ConformanceFactory,
  ConformanceFaults,
  ConformanceFixture,
  ConformanceOptions,
  ConformanceParty,
} from './conformance.types.js';
