import { InvalidArgumentError, Option } from 'commander';
import { CliError } from './errors.js';
import type { CmsForm } from './material.js';
import { parsePassphraseSource } from './passphrase.js';

/** Collects a repeatable option's values (`--recip a.pem --recip b.pem`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Parses `PEM`/`DER` in any case. */
export function parseForm(value: string): CmsForm {
  const upper = value.toUpperCase();
  if (upper === 'PEM' || upper === 'DER') return upper;
  throw new InvalidArgumentError('expected PEM or DER.');
}

/** `--inform PEM|DER`. */
export function informOption(what = 'the CMS input'): Option {
  return new Option('--inform <form>', `encoding of ${what}: DER or PEM (default: detected)`).argParser(parseForm);
}

/** `--outform PEM|DER` and its shorthand `--pem`. */
export function outformOptions(): Option[] {
  return [
    new Option('--outform <form>', 'encoding of the CMS output: DER or PEM (default: DER)')
      .argParser(parseForm)
      .conflicts('pem'),
    new Option('--pem', 'write the CMS output as PEM (-----BEGIN CMS-----); same as --outform PEM'),
  ];
}

/** The output form from `--outform`/`--pem`. */
export function outputForm(o: { outform?: CmsForm; pem?: boolean }): CmsForm {
  return o.pem ? 'PEM' : (o.outform ?? 'DER');
}

/** `--passin env:VAR|file:PATH|stdin|pass:TEXT`. */
export function passinOption(what = 'a protected key file'): Option {
  return new Option(
    '--passin <source>',
    `passphrase of ${what}: env:VAR, file:PATH, stdin or pass:TEXT (default: ask on the terminal)`,
  ).argParser(checkPassphraseSource('--passin'));
}

/**
 * Checks a passphrase source while the flags are parsed. Throws a {@link CliError} rather than commander's
 * InvalidArgumentError, whose message would repeat the value (perhaps a mistyped passphrase).
 */
export function checkPassphraseSource(flag: string): (value: string) => string {
  return (value) => {
    try {
      parsePassphraseSource(value);
    } catch (err) {
      throw new CliError('ERR_CLI_USAGE', `${flag}: ${(err as Error).message}`);
    }
    return value;
  };
}

/** A positive whole number within bounds. */
export function parseInteger(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return n;
  };
}

/** A digest name for `--md`: sha256, sha384 or sha512 (also SHA-256 etc.). */
export function parseDigest(value: string): 'SHA-256' | 'SHA-384' | 'SHA-512' {
  switch (value.toLowerCase().replace('-', '')) {
    case 'sha256':
      return 'SHA-256';
    case 'sha384':
      return 'SHA-384';
    case 'sha512':
      return 'SHA-512';
  }
  throw new InvalidArgumentError('expected sha256, sha384 or sha512.');
}

/** A time for `--attime`: seconds since the epoch (as openssl) or an ISO 8601 date-time. */
export function parseTime(value: string): Date {
  const date = /^\d+$/.test(value) ? new Date(Number(value) * 1000) : new Date(value);
  if (Number.isNaN(date.getTime()) || !/^\d|^\d{4}-/.test(value)) {
    throw new InvalidArgumentError('expected seconds since 1970 or an ISO 8601 date-time.');
  }
  return date;
}

/** An object identifier in dotted form. */
export function parseOid(value: string): string {
  if (!/^[0-2](\.(0|[1-9]\d*))+$/.test(value)) throw new InvalidArgumentError('expected a dotted OID.');
  return value;
}

const DURATION_UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration for `--expires-in`: a whole number with a unit, `s`, `m`, `h` or `d` (`90s`, `15m`, `12h`,
 * `7d`), from `min` to `max` milliseconds.
 */
export function parseDuration(min: number, max: number): (value: string) => number {
  return (value) => {
    const m = /^(\d{1,9})([smhd])$/.exec(value);
    const ms = m === null ? Number.NaN : Number(m[1]) * DURATION_UNITS[m[2]];
    if (!(ms >= min && ms <= max)) {
      throw new InvalidArgumentError(
        `expected a whole number and a unit s, m, h or d (e.g. 7d), from ${min / 1000}s to ${max / 86_400_000}d.`,
      );
    }
    return ms;
  };
}

/**
 * A certificate serial number in hex, as openssl prints it (`serial=0A1B…`, `0a:1b:…`, `0x0a1b…`): returned
 * as lower-case hex without separators.
 */
export function parseSerial(value: string): string {
  const hex = value
    .replace(/^serial=/i, '')
    .replace(/^0x/i, '')
    .replace(/:/g, '')
    .toLowerCase();
  if (!/^[0-9a-f]{1,42}$/.test(hex)) throw new InvalidArgumentError('expected a serial number in hex.');
  return hex.length % 2 === 1 ? `0${hex}` : hex;
}

/** A comma-separated list (`--kinds order,offer`), without empty entries. */
export function parseList(value: string): string[] {
  const items = value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (items.length === 0) throw new InvalidArgumentError('expected a comma-separated list.');
  return items;
}

/** Refuses two flags that would both read stdin (`--passin stdin` and `--secret-in stdin`, `--in -`). */
export function requireOneStdinReader(uses: readonly (readonly [string, string | undefined])[]): void {
  const readers = uses.filter(([, v]) => v === 'stdin' || v === '-').map(([flag]) => flag);
  if (readers.length > 1) throw new CliError('ERR_CLI_USAGE', `${readers.join(' and ')} both want stdin`);
}

/** Refuses `--json` with `--out -`: both would write to stdout. */
export function requireDistinctStdout(o: { out?: string; json?: boolean }): void {
  if (o.json && o.out === '-') throw new CliError('ERR_CLI_USAGE', '--json and --out - both want stdout');
}
