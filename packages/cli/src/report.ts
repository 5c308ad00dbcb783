// How commands print what they found: a titled list of `name: value` rows, or JSON.
import type { Certificate } from '@semper/crypto';
import { describeError } from './errors.js';
import type { CliIo, OutputStream } from './files.js';

/** Writes `value` as indented JSON and a newline. */
export function writeJson(stream: OutputStream, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A row of a report; rows whose value is undefined are left out, an array value takes one line per item. */
export type ReportRow = readonly [string, string | readonly string[] | undefined];

/** Writes `title` and then the rows, values aligned. */
export function writeReport(stream: OutputStream, title: string, rows: readonly ReportRow[]): void {
  const shown = rows.filter((r): r is readonly [string, string | readonly string[]] => r[1] !== undefined);
  const width = Math.max(0, ...shown.map(([k]) => k.length)) + 2;
  const lines = shown.flatMap(([k, v]) => {
    const values = typeof v === 'string' ? [v] : v.length === 0 ? ['-'] : v;
    return values.map((value, i) => `${(i === 0 ? `${k}:` : '').padEnd(width)}${value}\n`);
  });
  stream.write(`${title}\n${lines.join('')}`);
}

/**
 * Runs `fn`; with `--json`, a failure is also reported on stdout, as `{ [key]: false, error: { code, message },
 * ...extra(err) }`, before it is rethrown (and printed on stderr as one line).
 */
export async function reportingFailureAsJson(
  json: boolean | undefined,
  io: CliIo,
  fn: () => Promise<void>,
  key = 'verified',
  extra: (err: unknown) => Record<string, unknown> = () => ({}),
): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (json) writeJson(io.stdout, { [key]: false, error: describeError(err), ...extra(err) });
    throw err;
  }
}

/** A certificate as reports show it. */
export function certificateSummary(cert: Certificate): { subject: string; issuer: string; serialNumber: string } {
  return { subject: cert.subject, issuer: cert.issuer, serialNumber: cert.serialNumber };
}
