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
