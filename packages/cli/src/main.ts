import { CommanderError } from 'commander';
import { CliError, EXIT_OK, EXIT_USAGE, exitCodeFor, formatError } from './errors.js';
import type { CliIo } from './files.js';
import { normalizeArgs } from './argv.js';

/** What {@link main} reads and writes; every field defaults to the process's own. */
export type MainIo = Partial<CliIo>;

function usageMessage(err: CommanderError): string {
  if (err.code === 'commander.help') return "a command is missing; see 'semper --help'";
  return err.message.replace(/^error: /, '');
}

/**
 * Runs the `semper` command and returns its exit code: 0 success, 1 a negative verdict (bad signature,
 * untrusted signer, decryption failure, receipt mismatch), 2 a usage or input error. Never calls
 * `process.exit` and never prints a stack trace: an error is one line `semper: <code>: <message>` on stderr.
 *
 * @param argv - arguments as in `process.argv`: the first two (node and the script) are skipped.
 * @param io - streams, environment and working folder; default the process's.
 *
 * @example
 * ```ts
 * import 'reflect-metadata';
 * import { main } from '@semper/cli';
 * process.exitCode = await main(['node', 'semper', 'cms', 'verify', '--in', 'm.p7m', '--CAfile', 'ca.pem']);
 * ```
 */
export async function main(argv: readonly string[], io: MainIo = {}): Promise<number> {
  const full: CliIo = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    stdin: io.stdin ?? process.stdin,
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
  };
  try {
    // Loaded here, not at the top: a fault while loading the engine is reported like any other, on one line.
    const { createProgram } = await import('./program.js');
    const program = createProgram(full);
    await program.parseAsync(normalizeArgs(program, argv.slice(2)), { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return EXIT_OK; // --help, --version, `semper help`
      full.stderr.write(formatError(new CliError('ERR_CLI_USAGE', usageMessage(err))));
      return EXIT_USAGE;
    }
    full.stderr.write(formatError(err));
    return exitCodeFor(err);
  }
}
