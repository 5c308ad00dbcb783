import { CliError } from './errors.js';
import { type CliIo, readText } from './files.js';

/** The largest passphrase file (or stdin) read for `--passin file:` / `stdin`. */
const MAX_PASSPHRASE_SOURCE = 64 * 1024;

/** Where a passphrase comes from, after openssl's `-passin`/`-passout` arguments. */
export type PassphraseSource =
  | { readonly kind: 'pass'; readonly value: string }
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'stdin' };

/**
 * Parses a passphrase argument: `env:VAR` (an environment variable), `file:PATH` (the first line of a file),
 * `stdin` (the first line of stdin) or `pass:TEXT` (the text itself — visible to other users in the process
 * list, so only for tests and throw-away keys).
 *
 * @throws {@link CliError} `ERR_CLI_USAGE` on any other form. The message never repeats the argument.
 *
 * @example
 * ```ts
 * import { parsePassphraseSource } from '@semper/cli';
 * parsePassphraseSource('env:SEMPER_PASS'); // { kind: 'env', name: 'SEMPER_PASS' }
 * ```
 */
export function parsePassphraseSource(spec: string): PassphraseSource {
  if (spec === 'stdin') return { kind: 'stdin' };
  const colon = spec.indexOf(':');
  const scheme = colon < 0 ? '' : spec.slice(0, colon);
  const rest = colon < 0 ? '' : spec.slice(colon + 1);
  switch (scheme) {
    case 'pass':
      return { kind: 'pass', value: rest };
    case 'env':
      if (rest !== '') return { kind: 'env', name: rest };
      break;
    case 'file':
      if (rest !== '') return { kind: 'file', path: rest };
      break;
  }
  // Never echo `spec`: it may be a mistyped passphrase.
  throw new CliError('ERR_CLI_USAGE', 'a passphrase source is env:VAR, file:PATH, stdin or pass:TEXT');
}

function firstLine(text: string): string {
  const end = text.search(/\r?\n/);
  return end < 0 ? text : text.slice(0, end);
}

function readSource(io: CliIo, source: PassphraseSource): Promise<string> | string {
  switch (source.kind) {
    case 'pass':
      return source.value;
    case 'env': {
      const value = io.env[source.name];
      if (value === undefined) {
        throw new CliError('ERR_CLI_PASSPHRASE', `environment variable ${source.name} is not set`);
      }
      return value;
    }
    case 'file':
      return readText(io, source.path, MAX_PASSPHRASE_SOURCE).then(firstLine);
    case 'stdin':
      return readText(io, '-', MAX_PASSPHRASE_SOURCE).then(firstLine);
  }
}

/**
 * Asks for a passphrase on the terminal without echoing it: raw mode on stdin, the prompt on stderr.
 * Enter ends the input, Backspace deletes, Ctrl-C or Ctrl-D on an empty line cancels.
 *
 * @throws {@link CliError} `ERR_CLI_PASSPHRASE` when stdin is not a terminal, `ERR_CLI_CANCELLED` on Ctrl-C.
 */
export function promptHidden(io: CliIo, prompt: string): Promise<string> {
  const input = io.stdin;
  if (!input.isTTY || typeof input.setRawMode !== 'function') {
    return Promise.reject(
      new CliError(
        'ERR_CLI_PASSPHRASE',
        'a passphrase is needed: give --passin env:VAR or file:PATH (stdin is no terminal)',
      ),
    );
  }
  io.stderr.write(prompt);
  input.setRawMode(true);
  input.setEncoding?.('utf8');
  input.resume?.();
  return new Promise((resolve, reject) => {
    let typed: string[] = [];
    const finish = (): void => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause?.();
      io.stderr.write('\n');
    };
    const onData = (chunk: unknown): void => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
      for (const ch of text) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(typed.join(''));
          return;
        }
        if (ch === '\u0003' || (ch === '\u0004' && typed.length === 0)) {
          finish();
          reject(new CliError('ERR_CLI_CANCELLED', 'cancelled'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else if (ch === '\u0015')
          typed = []; // Ctrl-U: erase the line
        else if (ch >= ' ') typed.push(ch);
      }
    };
    input.on('data', onData);
  });
}

/**
 * Gets a passphrase to open a protected key: from `spec` (see {@link parsePassphraseSource}) when given, else
 * by asking on the terminal.
 *
 * @throws {@link CliError} `ERR_CLI_PASSPHRASE`, `ERR_CLI_USAGE`, `ERR_CLI_READ`, `ERR_CLI_CANCELLED`.
 */
export async function getPassphrase(io: CliIo, spec: string | undefined, prompt: string): Promise<string> {
  if (spec !== undefined) return readSource(io, parsePassphraseSource(spec));
  return promptHidden(io, prompt);
}

/**
 * Gets a new passphrase to protect a key: from `spec` when given, else asked twice on the terminal. An empty
 * passphrase is refused.
 *
 * @throws {@link CliError} `ERR_CLI_PASSPHRASE` (empty, or the two entries differ), and as {@link getPassphrase}.
 */
export async function getNewPassphrase(io: CliIo, spec: string | undefined, prompt: string): Promise<string> {
  let passphrase: string;
  if (spec !== undefined) {
    passphrase = await readSource(io, parsePassphraseSource(spec));
  } else {
    passphrase = await promptHidden(io, prompt);
    if (passphrase !== '') {
      const again = await promptHidden(io, `Verifying - ${prompt}`);
      if (again !== passphrase) throw new CliError('ERR_CLI_PASSPHRASE', 'the passphrases do not match');
    }
  }
  if (passphrase === '') throw new CliError('ERR_CLI_PASSPHRASE', 'an empty passphrase is not allowed');
  return passphrase;
}
