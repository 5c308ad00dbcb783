// Reading a terminal's input stream a line or a key at a time, listening only while a read waits, so a
// stream such as process.stdin is paused (and lets the process exit) between questions.
import { StringDecoder } from 'node:string_decoder';
import { TrustedIoError } from './errors.js';

/**
 * The input side of a terminal: any readable stream; a TTY (`isTTY` and `setRawMode`, like
 * `process.stdin`) lets secrets be read without echo.
 *
 * @example
 * ```ts
 * import type { TerminalInputStream } from '@semper/trusted-io';
 * const input: TerminalInputStream = process.stdin;
 * ```
 */
export type TerminalInputStream = NodeJS.ReadableStream & {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  readonly readableEnded?: boolean;
};

/** Longest line the terminal reads (anything longer is cut there): a size limit before any parsing. */
const MAX_LINE = 4096;

export class TerminalInput {
  readonly #input: TerminalInputStream;
  readonly #decoder = new StringDecoder('utf8');
  #buffer = '';
  #ended = false;
  #failure: unknown;
  /** A `\r` ended the last line: a `\n` right after it is the same line end. */
  #skipLf = false;

  constructor(input: TerminalInputStream) {
    this.#input = input;
  }

  /** Whether secrets can be read without echo. */
  get isTTY(): boolean {
    return this.#input.isTTY === true && typeof this.#input.setRawMode === 'function';
  }

  setRawMode(mode: boolean): void {
    if (this.isTTY) this.#input.setRawMode!(mode);
  }

  /** Drops what was typed before the question was shown (on a TTY: type-ahead must not answer it). */
  discardTypeAhead(): void {
    this.#buffer = '';
    this.#skipLf = false;
    const readable = this.#input as NodeJS.ReadableStream & { read?: () => unknown; readableFlowing?: boolean | null };
    if (typeof readable.read === 'function' && readable.readableFlowing !== true) {
      while (readable.read() !== null) {
        // drain what the stream has buffered
      }
    }
  }

  /** The next line without its end (`\n`, `\r\n` or `\r`), or `undefined` once the input has ended. */
  async readLine(): Promise<string | undefined> {
    for (;;) {
      this.#dropLf();
      const end = this.#buffer.search(/[\r\n]/);
      if (end >= 0) {
        const line = this.#buffer.slice(0, end);
        this.#skipLf = this.#buffer[end] === '\r';
        this.#buffer = this.#buffer.slice(end + 1);
        return line.slice(0, MAX_LINE);
      }
      if (this.#buffer.length > MAX_LINE) {
        const line = this.#buffer.slice(0, MAX_LINE);
        this.#buffer = this.#buffer.slice(MAX_LINE);
        return line;
      }
      if (!(await this.#fill())) {
        if (this.#buffer === '') return undefined;
        const line = this.#buffer;
        this.#buffer = '';
        return line.slice(0, MAX_LINE);
      }
    }
  }

  /** The next character (a whole code point), or `undefined` once the input has ended. */
  async readChar(): Promise<string | undefined> {
    for (;;) {
      this.#dropLf();
      if (this.#buffer.length > 0) {
        const ch = String.fromCodePoint(this.#buffer.codePointAt(0)!);
        this.#buffer = this.#buffer.slice(ch.length);
        return ch;
      }
      if (!(await this.#fill())) return undefined;
    }
  }

  /** After a key read ended a line with `\r`, a following `\n` belongs to it. */
  endedLineWith(ch: string): void {
    this.#skipLf = ch === '\r';
  }

  #dropLf(): void {
    if (this.#skipLf && this.#buffer.length > 0) {
      if (this.#buffer[0] === '\n') this.#buffer = this.#buffer.slice(1);
      this.#skipLf = false;
    }
  }

  /** Waits for more input: true when some arrived, false at the end. Throws when the stream failed. */
  #fill(): Promise<boolean> {
    if (this.#failure !== undefined) return Promise.reject(this.#ioFailed(this.#failure));
    if (this.#ended || this.#input.readableEnded === true) {
      this.#ended = true;
      return Promise.resolve(false);
    }
    return new Promise<boolean>((resolve, reject) => {
      const input = this.#input;
      const done = () => {
        input.off('data', onData);
        input.off('end', onEnd);
        input.off('close', onEnd);
        input.off('error', onError);
        input.pause();
      };
      const onData = (chunk: Buffer | string) => {
        this.#buffer += typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
        done();
        resolve(true);
      };
      const onEnd = () => {
        this.#buffer += this.#decoder.end();
        this.#ended = true;
        done();
        resolve(this.#buffer.length > 0);
      };
      const onError = (err: unknown) => {
        this.#failure = err;
        done();
        reject(this.#ioFailed(err));
      };
      input.on('data', onData);
      input.on('end', onEnd);
      input.on('close', onEnd);
      input.on('error', onError);
      input.resume();
    });
  }

  #ioFailed(cause: unknown): TrustedIoError {
    return new TrustedIoError('ERR_TRUSTEDIO_IO_FAILED', 'the terminal input failed', { cause });
  }
}
