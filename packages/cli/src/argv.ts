import type { Command } from 'commander';

/** A long option known somewhere in the program, and whether it takes a value. */
interface KnownOption {
  readonly takesValue: boolean;
}

function collectLongOptions(cmd: Command, into: Map<string, KnownOption>): void {
  for (const option of cmd.options) {
    if (option.long) into.set(option.long, { takesValue: option.required || option.optional });
  }
  for (const sub of cmd.commands) collectLongOptions(sub, into);
}

/**
 * Accepts openssl's single-dash spelling of long options (`-in F`, `-CAfile CA.pem`, `-inform PEM`) by
 * rewriting them to the `--` form commander parses. Only names that are a long option of some semper command
 * are rewritten, only where an option may stand (not as the value of the option before it), and never after
 * `--`; anything else is left for commander to judge.
 *
 * @example
 * ```ts
 * normalizeArgs(program, ['cms', 'verify', '-in', 'm.der', '-CAfile', 'ca.pem']);
 * // ['cms', 'verify', '--in', 'm.der', '--CAfile', 'ca.pem']
 * ```
 */
export function normalizeArgs(program: Command, args: readonly string[]): string[] {
  const known = new Map<string, KnownOption>();
  collectLongOptions(program, known);
  const out: string[] = [];
  let valueNext = false;
  let rest = false;
  for (const arg of args) {
    if (rest || valueNext) {
      out.push(arg);
      valueNext = false;
      continue;
    }
    if (arg === '--') {
      rest = true;
      out.push(arg);
      continue;
    }
    let candidate = arg;
    if (/^-[A-Za-z][A-Za-z0-9-]+(=.*)?$/.test(arg) && known.has(`-${arg.split('=')[0]}`)) candidate = `-${arg}`;
    const name = candidate.split('=')[0];
    const option = candidate.startsWith('--') ? known.get(name) : undefined;
    if (option?.takesValue && !candidate.includes('=')) valueNext = true;
    out.push(candidate);
  }
  return out;
}
