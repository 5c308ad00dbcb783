/**
 * `@semper/payments/testing`: the conformance kit every payment module runs in its own test suite
 * (`src/<module>.payment-conformance.test.ts`): `describePaymentModuleConformance(name, factory)`, and
 * the two-party harness it is made of (`PaymentTestWorld`), for a module's own flows.
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
  ConformanceSuiteEnvironment,
} from './conformance.types.js';
export { describePaymentModuleConformance } from './testing/conformance.js';
export { DecoyPaymentModule } from './testing/decoy.payment-module.js';
export { OffsetClock, PaymentTestWorld, type SideSetup, type WorldSide, worldPki } from './testing/world.js';
