/** Semantic Versioning 2.0.0, the regular expression suggested at semver.org. */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const MAX_LENGTH = 256;

interface Version {
  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  readonly prerelease: string | undefined;
}

function read(version: string): Version | undefined {
  if (typeof version !== 'string' || version.length > MAX_LENGTH) return undefined;
  const m = SEMVER.exec(version);
  if (m === null) return undefined;
  return { major: BigInt(m[1]!), minor: BigInt(m[2]!), patch: BigInt(m[3]!), prerelease: m[4] };
}

/**
 * Whether `version` is a Semantic Versioning 2.0.0 version (`1.2.3`, `1.0.0-rc.1`, `2.0.0+build.5`).
 *
 * @example
 * ```ts
 * import { isSemver } from '@semper/core/spi';
 * isSemver('1.4.0'); // true
 * isSemver('1.4'); // false
 * ```
 */
export function isSemver(version: unknown): version is string {
  return typeof version === 'string' && read(version) !== undefined;
}

/**
 * Whether two versions of one module can talk to each other, by the semver promise: the same major
 * version (for `0.y.z`, the same major and minor, since anything may change before 1.0.0). A
 * pre-release (`1.0.0-rc.1`) is compatible only with the very same version; build metadata is ignored.
 * Anything that is not a semver version is compatible with nothing.
 *
 * @example
 * ```ts
 * import { areVersionsCompatible } from '@semper/core/spi';
 * areVersionsCompatible('1.2.0', '1.9.3'); // true
 * areVersionsCompatible('1.2.0', '2.0.0'); // false
 * areVersionsCompatible('0.3.1', '0.4.0'); // false
 * ```
 */
export function areVersionsCompatible(a: string, b: string): boolean {
  const x = read(a);
  const y = read(b);
  if (x === undefined || y === undefined) return false;
  if (x.prerelease !== undefined || y.prerelease !== undefined) {
    return x.major === y.major && x.minor === y.minor && x.patch === y.patch && x.prerelease === y.prerelease;
  }
  if (x.major !== y.major) return false;
  return x.major !== 0n || x.minor === y.minor;
}
