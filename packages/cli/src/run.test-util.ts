// Runs `main` in-process with captured streams, for the CLI's tests.
import { PassThrough, Readable } from 'node:stream';
import type { InputStream } from './files.js';
import { main } from './main.js';

export interface RunResult {
  code: number;
  stdout: string;
  stdoutBytes: Buffer;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Bytes on stdin (not a terminal); default empty. */
  stdin?: Uint8Array | string | InputStream;
}

function capture(): { stream: { write(chunk: string | Uint8Array): boolean }; bytes(): Buffer } {
  const chunks: Buffer[] = [];
  return {
    stream: {
      write(chunk) {
        chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
        return true;
      },
    },
    bytes: () => Buffer.concat(chunks),
  };
}

/** A command line as the tests write it: words split on white space, then `extra` words verbatim. */
export function words(line: string, ...extra: string[]): string[] {
  return [...line.split(/\s+/).filter((w) => w !== ''), ...extra];
}

/** `semper ...args` in `opts.cwd`. */
export async function run(args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const out = capture();
  const err = capture();
  const stdin =
    opts.stdin === undefined || typeof opts.stdin === 'string' || opts.stdin instanceof Uint8Array
      ? Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)])
      : opts.stdin;
  const code = await main(['node', 'semper', ...args], {
    stdout: out.stream,
    stderr: err.stream,
    stdin: stdin as InputStream,
    env: opts.env ?? {},
    cwd: opts.cwd,
  });
  const stdoutBytes = out.bytes();
  return { code, stdout: stdoutBytes.toString('utf8'), stdoutBytes, stderr: err.bytes().toString('utf8') };
}

/** A fake terminal on stdin: `isTTY`, `setRawMode`; `type()` sends keystrokes. */
export function fakeTty(): PassThrough & {
  isTTY: true;
  setRawMode(mode: boolean): void;
  rawModes: boolean[];
  type(s: string): void;
} {
  const tty = new PassThrough() as PassThrough & {
    isTTY: true;
    setRawMode(mode: boolean): void;
    rawModes: boolean[];
    type(s: string): void;
  };
  tty.isTTY = true;
  tty.rawModes = [];
  tty.setRawMode = (mode) => {
    tty.rawModes.push(mode);
  };
  tty.type = (s) => {
    tty.write(s);
  };
  return tty;
}

/** Asserts the shape of an error report: exactly one line `semper: <code>: <message>`, no stack trace. */
export function errorLine(stderr: string): { code: string; message: string } {
  const lines = stderr.split('\n').filter((l) => l !== '');
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got ${lines.length}: ${stderr}`);
  const m = /^semper: (ERR_[A-Z0-9_]+): (.+)$/.exec(lines[0]);
  if (!m) throw new Error(`not an error line: ${lines[0]}`);
  if (/\n\s+at |\bat \S+\.[cm]?[jt]s:\d+:\d+/.test(stderr)) throw new Error(`stack trace on stderr: ${stderr}`);
  return { code: m[1], message: m[2] };
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
export async function reachable(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** Waits until 127.0.0.1:`port` accepts connections (at most `ms`). */
export async function untilReachable(port: number, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await reachable(port))) {
    if (Date.now() > until) throw new Error(`nothing listens on port ${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
