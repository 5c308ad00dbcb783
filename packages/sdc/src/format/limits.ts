import { SdcError } from './errors.js';

/**
 * The size and nesting limits of the SDC format, version `semper-sdc/1` (docs/specs/sdc-format.md §7).
 * Each is checked before the bytes it bounds are parsed; exceeding one is `ERR_SDC_TOO_LARGE` or
 * `ERR_SDC_TOO_DEEP`.
 *
 * @example
 * ```ts
 * import { SDC_LIMITS } from '@semper/sdc';
 * if (file.length > SDC_LIMITS.maxContainerBytes) console.log('too large for an SDC');
 * ```
 */
export const SDC_LIMITS = Object.freeze({
  /** Largest container, as DER bytes: 16 MiB. */
  maxContainerBytes: 16 * 1024 * 1024,
  /** Largest text form (armoured `.sdc` file or S/MIME entity), in characters: base64 of 16 MiB, line breaks and headers. */
  maxTextChars: 23 * 1024 * 1024,
  /** Largest clear header (canonical JSON, UTF-8): 4 KiB. */
  maxHeaderBytes: 4096,
  /** Largest signed content, the canonical JSON of `{ body, header }`: 16 MiB. */
  maxContentBytes: 16 * 1024 * 1024,
  /** Deepest ASN.1 nesting of constructed values in the container. */
  maxAsn1Depth: 32,
  /** Deepest JSON nesting of the signed content (the root object is depth 1; the body is at depth 2). */
  maxJsonDepth: 32,
});

/**
 * Limits in force for one call: {@link SDC_LIMITS}, or stricter ones given by the caller.
 *
 * @example
 * ```ts
 * import type { SdcLimits } from '@semper/sdc';
 * const small: Partial<SdcLimits> = { maxContainerBytes: 1024 * 1024 };
 * ```
 */
export type SdcLimits = { readonly [K in keyof typeof SDC_LIMITS]: number };

/** The limits of one call: the caller's values where given, each at most {@link SDC_LIMITS}'. */
export function resolveLimits(limits: Partial<SdcLimits> | undefined): SdcLimits {
  if (limits === undefined) return SDC_LIMITS;
  const out: Record<string, number> = { ...SDC_LIMITS };
  for (const [k, v] of Object.entries(limits)) {
    if (!(k in SDC_LIMITS) || v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new SdcError('ERR_SDC_INVALID_ARGUMENT', `limit ${k} must be a positive integer`);
    }
    out[k] = Math.min(v, SDC_LIMITS[k as keyof SdcLimits]);
  }
  return out as SdcLimits;
}
