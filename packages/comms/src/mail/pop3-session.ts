import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import Pop3Command from 'node-pop3';
import { CommsError, CommsTimeoutError, MessageTooLargeError } from '../errors.js';
import { mailError } from './mail-errors.js';

/**
 * How a {@link Pop3Session} connects.
 *
 * @internal
 */
export interface Pop3SessionOptions {
  readonly host: string;
  readonly port: number;
  /** `implicit`: POP3S (TLS from the first byte); `none`: plain text (loopback only). node-pop3 has no STLS. */
  readonly tls: 'implicit' | 'none';
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  readonly servername?: string;
  readonly user: string;
  readonly password: string;
  /** The deadline of each command, in ms. */
  readonly timeoutMs: number;
}

/**
 * One message of a maildrop: its number in this session, its unique id, its size in octets.
 *
 * @internal
 */
export interface Pop3Entry {
  readonly num: number;
  readonly uidl: string;
  readonly size: number;
}

type Pop3Socket = { destroy(): void; destroyed?: boolean } | null;

/**
 * One POP3 session over node-pop3, made safe to use from concurrent deliveries: commands run one at a
 * time, each under a deadline (a command left without an answer destroys the connection instead of
 * hanging), node-pop3's stray `error` events are caught, and multi-line answers (`UIDL`, `LIST`, `RETR`,
 * `TOP`) are read off the socket as bytes, with a size cap, by a reader of our own — node-pop3 finds the
 * status line and the terminator only within single TCP chunks, so an answer split at an unlucky place
 * gets the rest of its status line in its data, stalls, or ends early — and a `RETR` is checked against
 * the size `LIST` announced.
 *
 * `DELE` only marks a message: the server removes the marked messages at `QUIT` (RFC 1939's UPDATE
 * state). A session that ends any other way (a crash, a kill, a broken connection) deletes nothing, so
 * what was acknowledged but not yet committed is delivered again: at-least-once, never lost.
 *
 * @internal
 */
export class Pop3Session {
  readonly #client: Pop3Command;
  readonly #timeoutMs: number;
  #queue: Promise<unknown> = Promise.resolve();
  #broken: Error | undefined;

  private constructor(client: Pop3Command, timeoutMs: number) {
    this.#client = client;
    this.#timeoutMs = timeoutMs;
  }

  /** Connects and logs in (USER/PASS). Throws a `CommsError` (`ERR_COMMS_AUTH_FAILED`, `…_UNAVAILABLE`, …). */
  static async open(options: Pop3SessionOptions): Promise<Pop3Session> {
    const client = new Pop3Command({
      host: options.host,
      port: options.port,
      user: options.user,
      password: options.password,
      tls: options.tls === 'implicit',
      timeout: options.timeoutMs,
      ...(options.servername ? { servername: options.servername } : {}),
      tlsOptions: {
        ...(options.ca ? { ca: options.ca as string | Buffer | Array<string | Buffer> } : {}),
        minVersion: 'TLSv1.2',
        // node-pop3 sends the host as SNI name; for an IP address that is not allowed (RFC 6066): send none
        // (the certificate is still checked against the host).
        ...(options.servername === undefined && isIP(options.host) !== 0 ? { servername: undefined } : {}),
      },
    });
    // node-pop3 emits `error` when no command waits for it (a socket error while a RETR streams, an
    // unsolicited -ERR): without a listener that would crash the process.
    client.on('error', () => undefined);
    client.on('warn', () => undefined);
    const session = new Pop3Session(client, options.timeoutMs);
    // node-pop3 connects and authenticates lazily, on the first command.
    await session.#run('login', () => (client as unknown as { _connect(): Promise<string> })._connect(), 'pop3');
    return session;
  }

  /** Whether the connection failed (then nothing more can be done on it; nothing was committed). */
  get broken(): boolean {
    return this.#broken !== undefined;
  }

  /** The maildrop: every message's number, unique id and size (`UIDL` and `LIST`). */
  async list(): Promise<Pop3Entry[]> {
    const lines = (bytes: Buffer) =>
      bytes
        .toString('latin1')
        .split('\r\n')
        .filter((line) => line.length > 0)
        .map((line) => line.split(' '));
    const uidl = lines(await this.#multiline(['UIDL'], 64 * 1024 * 1024));
    const list = lines(await this.#multiline(['LIST'], 64 * 1024 * 1024));
    const sizes = new Map(list.map(([num, size]) => [Number(num), Number(size)]));
    return uidl
      .map(([num, id]) => ({ num: Number(num), uidl: String(id ?? ''), size: sizes.get(Number(num)) ?? Number.NaN }))
      .filter(
        (e) =>
          Number.isSafeInteger(e.num) &&
          e.num > 0 &&
          /^[\x21-\x7e]{1,70}$/.test(e.uidl) &&
          Number.isSafeInteger(e.size),
      );
  }

  /**
   * The message `num` as bytes (`RETR`, dot-unstuffed), at most `maxBytes`; a larger one is a
   * `MessageTooLargeError` (and the connection is dropped rather than read to the end). A message that
   * comes back shorter or longer than `expectedSize` (LIST's) is a protocol fault (`ERR_COMMS_PROTOCOL`,
   * transient: the session is dropped, nothing of it committed).
   */
  async retr(num: number, expectedSize: number, maxBytes: number): Promise<Buffer> {
    if (expectedSize > maxBytes) throw new MessageTooLargeError(expectedSize, maxBytes, { kind: 'raw' });
    const bytes = await this.#multiline(['RETR', num], maxBytes);
    if (bytes.length !== expectedSize) {
      this.destroy();
      throw new CommsError(
        'ERR_COMMS_PROTOCOL',
        `POP3 RETR ${num} returned ${bytes.length} bytes, LIST announced ${expectedSize}`,
      );
    }
    return bytes;
  }

  /** The header section of message `num` (`TOP num 0`), at most `maxBytes`. */
  top(num: number, maxBytes: number): Promise<Buffer> {
    return this.#multiline(['TOP', num, 0], maxBytes);
  }

  /** Marks message `num` for deletion at {@link Pop3Session.quit}. */
  async dele(num: number): Promise<void> {
    await this.#run('DELE', () => this.#client.DELE(num));
  }

  /** Ends the session with `QUIT`: the server deletes the messages marked by `DELE`. */
  async quit(): Promise<void> {
    if (this.#broken) throw this.#broken;
    await this.#run('QUIT', () => this.#client.QUIT());
  }

  /** Drops the connection without `QUIT`: nothing marked is deleted. */
  destroy(): void {
    this.#broken ??= new CommsError('ERR_COMMS_CLOSED', 'the POP3 session was dropped');
    const socket = (this.#client as unknown as { _socket: Pop3Socket })._socket;
    try {
      socket?.destroy();
    } catch {
      // already gone
    }
  }

  /**
   * Sends a command with a multi-line answer through node-pop3 (so that its own state stays in step) but
   * reads the answer off the socket with a {@link MultilineReader}: node-pop3 looks for the status line
   * and for the terminator within single TCP chunks, so a status line split across two chunks ends up in
   * its data, and a terminator split across two chunks stalls it.
   */
  #multiline(args: Array<string | number>, maxBytes: number): Promise<Buffer> {
    return this.#run(String(args[0]), async () => {
      const internals = this.#client as unknown as {
        _socket: (NodeJS.EventEmitter & { destroy(): void }) | null;
        _stream: Readable | null;
        _endStream(err?: Error): void;
      };
      const socket = internals._socket;
      if (!socket) throw new CommsError('ERR_COMMS_UNAVAILABLE', 'the POP3 connection is gone');
      const reader = new MultilineReader(maxBytes);
      let cleanup: () => void = () => undefined;
      const answer = new Promise<Buffer>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          try {
            const data = reader.push(chunk);
            if (data) {
              cleanup();
              resolve(data);
            }
          } catch (err) {
            cleanup();
            reject(err);
          }
        };
        const onClose = () => {
          cleanup();
          reject(new CommsError('ERR_COMMS_UNAVAILABLE', `the POP3 connection closed during ${args[0]}`));
        };
        cleanup = () => {
          socket.removeListener('data', onData);
          socket.removeListener('close', onClose);
        };
        socket.on('data', onData);
        socket.once('close', onClose);
      });
      // node-pop3 writes the command and keeps a copy of the answer in a stream of its own: discard it.
      const sent = this.#client.command(...args).then(([, stream]) => {
        (stream as Readable | null)?.resume();
      });
      try {
        await Promise.all([answer, sent]);
      } catch (err) {
        cleanup();
        // The rest of the answer may still be coming: the connection cannot take another command.
        this.destroy();
        throw err;
      }
      // node-pop3 missed a terminator split across two chunks: end its stream, so that it takes commands again.
      if (internals._stream) internals._endStream();
      return unstuff(await answer);
    });
  }

  /** Runs one command after the previous one ended, under the deadline. */
  #run<T>(what: string, operation: () => Promise<T>, kind: 'pop3' = 'pop3'): Promise<T> {
    const next = this.#queue.then(async () => {
      if (this.#broken) throw this.#broken;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const err = new CommsTimeoutError(`POP3 ${what}: no answer within ${this.#timeoutMs} ms`, this.#timeoutMs);
          this.destroy();
          this.#broken = err;
          reject(err);
        }, this.#timeoutMs);
      });
      try {
        return await Promise.race([operation(), deadline]);
      } catch (err) {
        if (err instanceof CommsError) throw err;
        const mapped = mailError(err, `${kind} ${what}`);
        // A server's -ERR to one command leaves the session usable; anything else does not.
        if ((err as { eventName?: string }).eventName !== 'error' || (err as { code?: string }).code) {
          this.#broken ??= mapped;
        }
        throw mapped;
      } finally {
        clearTimeout(timer);
      }
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

const TERMINATOR = Buffer.from('\r\n.\r\n');

/**
 * Reads one multi-line POP3 answer from raw socket chunks (RFC 1939 §3): skips what is left of an earlier
 * single-line answer (node-pop3 takes the first chunk of an answer for all of it), then reads a status
 * line (`+OK …`; `-ERR …` throws), then data up to the line `.`. `push` returns the data once complete
 * (still dot-stuffed, with the CRLF of its last line).
 *
 * @internal
 */
export class MultilineReader {
  readonly #maxBytes: number;
  #status = '';
  #statusDone = false;
  readonly #chunks: Buffer[] = [];
  #length = 0;
  /** The last bytes seen, to find a terminator split across chunks (starts as the status line's CRLF). */
  #tail: Buffer = Buffer.from('\r\n');

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  push(chunk: Buffer): Buffer | undefined {
    let data = chunk;
    while (!this.#statusDone) {
      // The status line's CRLF may itself be split across chunks: look in what is pending and the new bytes.
      const pending = this.#status + data.toString('latin1');
      const eol = pending.indexOf('\r\n');
      if (eol < 0) {
        this.#status = pending;
        if (pending.length > 4096) throw new CommsError('ERR_COMMS_PROTOCOL', 'a POP3 status line of over 4 KiB');
        return undefined;
      }
      const line = pending.slice(0, eol);
      this.#status = '';
      data = Buffer.from(pending.slice(eol + 2), 'latin1');
      if (line.startsWith('-ERR')) throw new CommsError('ERR_COMMS_PROTOCOL', `POP3: ${line.slice(0, 200)}`);
      if (line.startsWith('+OK')) this.#statusDone = true;
      // anything else is the rest of an earlier answer: skip it
    }
    if (data.length === 0) return undefined;
    this.#chunks.push(data);
    this.#length += data.length;
    if (this.#length > this.#maxBytes + 3) {
      throw new MessageTooLargeError(this.#length - 3, this.#maxBytes, { kind: 'raw', atLeast: true });
    }
    this.#tail = Buffer.concat([this.#tail, data]).subarray(-TERMINATOR.length);
    if (this.#tail.equals(TERMINATOR)) {
      return Buffer.concat(this.#chunks, this.#length).subarray(0, this.#length - 3); // without ".\r\n"
    }
    return undefined;
  }
}

/** Removes POP3's dot-stuffing: a line that starts with `..` starts with `.`. */
function unstuff(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  if (bytes[0] === 0x2e && bytes[1] === 0x2e) {
    parts.push(bytes.subarray(0, 1));
    from = 2;
  }
  for (let at = bytes.indexOf('\r\n..', from); at >= 0; at = bytes.indexOf('\r\n..', from)) {
    parts.push(bytes.subarray(from, at + 3));
    from = at + 4;
  }
  if (parts.length === 0) return bytes;
  parts.push(bytes.subarray(from));
  return Buffer.concat(parts);
}
