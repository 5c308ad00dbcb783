/**
 * The Secure Data Container format, `semper-sdc/1` (docs/specs/sdc-format.md).
 *
 * @packageDocumentation
 */
export {
  type InspectedSdc,
  inspectSdc,
  type OpenedSdc,
  type OpenSdcOptions,
  openSdc,
  SDC_ECONTENT_TYPE,
  SDC_HEADER_ATTRIBUTE,
  type SdcInput,
  type SealSdcOptions,
  sealSdc,
} from './container.js';
export { SdcError, type SdcErrorCode } from './errors.js';
export {
  makeSdcHeader,
  SDC_FORMAT,
  SDC_TYPES,
  type SdcHeader,
  type SdcHeaderInput,
  type SdcType,
  sdcHeaderSchema,
  sdcPartyId,
} from './header.js';
export { SDC_LIMITS, type SdcLimits } from './limits.js';
export {
  armorSdc,
  dearmorSdc,
  fromSmime,
  SDC_ARMOR_LABEL,
  SDC_SMIME_CONTENT_TYPE,
  type SmimeHeaders,
  toSmime,
} from './text.js';
