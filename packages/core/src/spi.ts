/**
 * `@semper/core/spi`: what module and block writers need: the module base class, descriptors,
 * capability requirements, version compatibility, and the manager base.
 *
 * @packageDocumentation
 */
export { AbstractServiceModule } from './abstract-service-module.js';
export { UnsupportedOperationError } from './errors.js';
export {
  type Capabilities,
  defineDescriptor,
  isDeclaredForJurisdiction,
  matchRequirements,
  type ModuleDescriptor,
  type RequirementMatch,
  type Requirements,
  type RequirementValue,
  type ServiceModule,
} from './module.js';
export type { Offer, OfferedModule } from './negotiation.js';
export type { PolicyContext } from './policy.js';
export { areVersionsCompatible, isSemver } from './semver.js';
export { type ManagerNegotiationOptions, ServiceManager, type ServiceManagerOptions } from './service-manager.js';
