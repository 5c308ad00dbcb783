export { main, type MainIo } from './main.js';
export {
  CliError,
  type CliErrorCode,
  describeError,
  EXIT_OK,
  EXIT_USAGE,
  EXIT_VERDICT,
  exitCodeFor,
  formatError,
  VerdictError,
} from './errors.js';
export { type CliIo, type InputStream, MAX_INPUT_BYTES, type OutputStream } from './files.js';
export { type PassphraseSource, parsePassphraseSource } from './passphrase.js';
