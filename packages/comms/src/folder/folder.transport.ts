import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { Clock } from '@semper/core';
import { AbstractTransport, type IncomingMessage, type InboundSink, type PollingLoop } from '../abstract-transport.js';
import { type ParsedAddress, parseAddress } from '../address.js';
import { decodeEnvelope, encodeEnvelope } from '../envelope.js';
import { CommsError, MalformedMessageError, MessageTooLargeError } from '../errors.js';
import type { Message } from '../message.js';
import type { RejectionReport, SendReceipt } from '../transport.js';
import { cleanTempFiles, moveFile, readBounded, syncDirectory, writeFileAtomic } from './atomic-file.js';

/**
 * The sub-folders of a transfer folder.
 * - `inbox/`: messages for this folder's owner, written by senders (atomically: temp file, fsync, rename);
 * - `outbox/`: messages this owner has sent whose destination folder is not reachable now (a removable
 *   medium not plugged in); forwarded, in order, once it is;
 * - `processed/`: acknowledged messages (unless `afterAck: 'delete'`);
 * - `failed/`: messages moved aside, each with a `<name>.reason.json` saying why.
 *
 * @example
 * ```ts
 * import { join } from 'node:path';
 * import { FOLDER_LAYOUT } from '@semper/comms';
 * const inbox = join('/media/usb/hub', FOLDER_LAYOUT.inbox);
 * ```
 */
export const FOLDER_LAYOUT: Readonly<{ inbox: 'inbox'; outbox: 'outbox'; processed: 'processed'; failed: 'failed' }> =
  Object.freeze({ inbox: 'inbox', outbox: 'outbox', processed: 'processed', failed: 'failed' });

/** What a receiver picks up: any file ending in `.msg` that is not hidden (temp files start with a dot). */
const MESSAGE_NAME = /^[^./\\][^/\\]*\.msg$/;

let lastMs = 0;
let sequence = 0;

function tag(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * The file name for a new message. Names sort in the order they were made within this process (a
 * millisecond clock that never goes back here, then a sequence), so a receiver that handles names in sorted
 * order keeps each sender's order.
 */
function nextName(message: Message): string {
  let now = Date.now();
  if (now <= lastMs) {
    now = lastMs;
    sequence++;
    if (sequence > 999_999) {
      now = ++lastMs;
      sequence = 0;
    }
  } else {
    lastMs = now;
    sequence = 0;
  }
  return `${String(now).padStart(13, '0')}-${String(sequence).padStart(6, '0')}-${tag(message.from, 8)}-${tag(message.id, 16)}.msg`;
}

/**
 * Options of {@link openFolderTransport}.
 *
 * @example
 * ```ts
 * import type { FolderTransportOptions } from '@semper/comms';
 * const options: FolderTransportOptions = { path: '/var/lib/semper/agency-0042', pollIntervalMs: 2000 };
 * ```
 */
export interface FolderTransportOptions {
  /** This party's transfer folder (created with its sub-folders if missing). Its address is `folder:<absolute path>`. */
  readonly path: string;
  /** The body limit (default `DEFAULT_MAX_MESSAGE_BYTES`). */
  readonly maxMessageBytes?: number;
  /** How often `inbox/` is looked at while receiving, and `outbox/` retried while messages wait (default 1000 ms). */
  readonly pollIntervalMs?: number;
  /** What acknowledging does: move to `processed/` (default) or delete. */
  readonly afterAck?: 'move' | 'delete';
  /**
   * Temp files older than this are removed (default 1 hour); those of a dead process of this host are
   * removed at once. Keep it well above the time a slow writer (a slow USB stick) takes for one message.
   */
  readonly staleTempMs?: number;
  /** fsync files and directories (default `true`; turn off only for throw-away test folders). */
  readonly fsync?: boolean;
  readonly clock?: Clock;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

function ioError(what: string, err: unknown): CommsError {
  return new CommsError('ERR_COMMS_IO', `${what}: ${(err as NodeJS.ErrnoException).code ?? 'failed'}`, { cause: err });
}

/**
 * The folder transport: messages as files in transfer folders, for a shared or synchronised directory and
 * for removable media (a USB stick carried between an agency and the hub).
 *
 * **Sending** to `folder:/path/of/recipient` writes the encoded message (`encodeEnvelope`) into the
 * recipient's `inbox/` — write to a temp file, fsync, rename, fsync the directory — so that a crash never
 * leaves a partial message under a name that is read. When the recipient's folder is not there (the stick
 * is not plugged in), or earlier messages are still waiting, the message goes to this transport's own
 * `outbox/` instead, and is forwarded in order as soon as the destination appears (`flush`, also retried
 * every `pollIntervalMs`). Either way `send` resolves once the file is durable.
 *
 * **Receiving** looks at `inbox/` every `pollIntervalMs` and delivers the `*.msg` files in name order
 * (which is each sender's order); acknowledging moves a file to `processed/` (or deletes it); a message
 * moved aside goes to `failed/` with `<name>.reason.json`. Temp files (`.tmp-*`) are never read, and removed
 * when stale. One receiver per transfer folder.
 *
 * Guarantees: per-sender order of first deliveries; at-least-once across crashes and restarts of either
 * side (a file is in `inbox/` until acked); store-and-forward. On FAT-formatted sticks renames are atomic
 * but fsync of directories is not available everywhere: eject the medium properly.
 *
 * @example
 * ```ts
 * import { openFolderTransport } from '@semper/comms';
 * const agency = await openFolderTransport({ path: '/var/lib/semper/agency' });
 * await agency.send({ id: 'msg_1', from: agency.address, to: 'folder:/media/usb/hub', contentType: 'application/cms', body: sdc });
 * await agency.flush(); // after the stick is plugged in (also retried automatically)
 * ```
 */
export class FolderTransport extends AbstractTransport {
  /** The absolute path of this transport's transfer folder. */
  readonly path: string;
  readonly #inbox: string;
  readonly #outbox: string;
  readonly #processed: string;
  readonly #failed: string;
  readonly #pollMs: number;
  readonly #afterAck: 'move' | 'delete';
  readonly #staleTempMs: number;
  readonly #fsync: boolean;
  readonly #inflight = new Set<string>();
  readonly #delayed = new Map<string, number>();
  readonly #outboxDest = new Map<string, string>();
  #outboxCount = 0;
  #exclusive: Promise<unknown> = Promise.resolve();
  #flushTimer: NodeJS.Timeout | undefined;
  #loop: PollingLoop | undefined;
  #receiving = false;
  #lastClean = 0;

  constructor(options: FolderTransportOptions) {
    if (typeof options !== 'object' || options === null || typeof options.path !== 'string' || options.path === '') {
      throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'a folder transport needs { path }');
    }
    const path = resolve(options.path);
    super({
      address: `folder:${path}`,
      schemes: ['folder'],
      capabilities: { ordering: 'per-sender', storeAndForward: true, send: true, receive: true },
      maxMessageBytes: options.maxMessageBytes,
      clock: options.clock,
    });
    this.path = path;
    this.#inbox = join(path, FOLDER_LAYOUT.inbox);
    this.#outbox = join(path, FOLDER_LAYOUT.outbox);
    this.#processed = join(path, FOLDER_LAYOUT.processed);
    this.#failed = join(path, FOLDER_LAYOUT.failed);
    this.#pollMs = positive(options.pollIntervalMs, 1000, 'pollIntervalMs');
    this.#staleTempMs = positive(options.staleTempMs, 3_600_000, 'staleTempMs');
    this.#afterAck = options.afterAck ?? 'move';
    if (this.#afterAck !== 'move' && this.#afterAck !== 'delete') {
      throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', "afterAck is 'move' or 'delete'");
    }
    this.#fsync = options.fsync ?? true;
  }

  /** Messages waiting in `outbox/` for their destination. */
  get waiting(): number {
    return this.#outboxCount;
  }

  /**
   * Forwards what waits in `outbox/` to destinations that are reachable now, in order; returns how many
   * were forwarded. Also runs by itself every `pollIntervalMs` while messages wait.
   *
   * @example
   * ```ts
   * const forwarded = await transport.flush();
   * ```
   */
  async flush(): Promise<number> {
    await this.open();
    return this.#serialized(() => this.#flushNow());
  }

  protected override onCanSend(to: ParsedAddress): boolean {
    return isAbsolute(to.target);
  }

  protected override async onOpen(): Promise<void> {
    try {
      for (const dir of [this.#inbox, this.#outbox, this.#processed, this.#failed])
        await mkdir(dir, { recursive: true });
      await this.#cleanTemps();
      const waiting = (await readdir(this.#outbox)).filter((n) => MESSAGE_NAME.test(n));
      this.#outboxCount = waiting.length;
    } catch (err) {
      throw ioError(`cannot open the transfer folder ${this.path}`, err);
    }
    if (this.#outboxCount > 0) {
      this.#reportOutbox();
      this.#scheduleFlush(0);
    }
  }

  protected override onSend(message: Message): Promise<SendReceipt> {
    return this.#serialized(async () => {
      const bytes = encodeEnvelope(message);
      const name = nextName(message);
      const dest = resolve(parseAddress(message.to).target);
      const destInbox = join(dest, FOLDER_LAYOUT.inbox);
      if (this.#outboxCount === 0 && (await isDirectory(destInbox))) {
        try {
          await writeFileAtomic(destInbox, name, bytes, this.#fsync);
          return { id: message.id, to: message.to, acceptedAt: this.clock.now(), detail: join(destInbox, name) };
        } catch {
          // the medium went away, or refuses writes: keep the message in the outbox instead
        }
      }
      try {
        await writeFileAtomic(this.#outbox, name, bytes, this.#fsync);
      } catch (err) {
        throw ioError(`cannot write to ${this.#outbox}`, err);
      }
      this.#outboxDest.set(name, dest);
      this.#outboxCount++;
      this.#reportOutbox();
      this.#scheduleFlush(0);
      return { id: message.id, to: message.to, acceptedAt: this.clock.now(), detail: join(this.#outbox, name) };
    });
  }

  protected override async onReceive(sink: InboundSink): Promise<void> {
    this.#receiving = true;
    this.setStatus('polling', this.#outboxCount > 0 ? { detail: this.#outboxDetail() } : {});
    this.#loop = this.startPolling(sink, { intervalMs: this.#pollMs, poll: (s) => this.#pollInbox(s) });
  }

  protected override async onStopReceiving(): Promise<void> {
    await this.#loop?.done;
    this.#loop = undefined;
    this.#receiving = false;
    this.#inflight.clear();
    this.#delayed.clear();
  }

  protected override async onClose(): Promise<void> {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    await this.#exclusive.catch(() => undefined);
  }

  #serialized<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#exclusive.then(operation);
    this.#exclusive = run.catch(() => undefined);
    return run;
  }

  async #cleanTemps(): Promise<void> {
    this.#lastClean = Date.now();
    await cleanTempFiles(this.#inbox, this.#staleTempMs);
    await cleanTempFiles(this.#outbox, this.#staleTempMs);
    await cleanTempFiles(this.#failed, this.#staleTempMs);
  }

  async #pollInbox(sink: InboundSink): Promise<void> {
    if (Date.now() - this.#lastClean > Math.min(this.#staleTempMs, 60_000)) await this.#cleanTemps();
    let names: string[];
    try {
      names = (await readdir(this.#inbox)).filter((n) => MESSAGE_NAME.test(n)).sort();
    } catch (err) {
      throw ioError(`cannot list ${this.#inbox}`, err);
    }
    for (const name of names) {
      if (sink.signal.aborted) return;
      if (this.#inflight.has(name)) continue;
      const until = this.#delayed.get(name);
      if (until !== undefined && until > Date.now()) continue;
      if (!(await sink.whenReady())) return;
      let stats: Stats;
      try {
        stats = await lstat(join(this.#inbox, name));
      } catch {
        continue; // gone since the listing
      }
      this.#delayed.delete(name);
      this.#inflight.add(name);
      void sink.deliver(this.#incoming(name, stats)).finally(() => this.#inflight.delete(name));
    }
  }

  #incoming(name: string, stats: Stats): IncomingMessage {
    const file = join(this.#inbox, name);
    return {
      size: stats.isFile() ? stats.size : undefined,
      ref: name,
      read: async (maxRawBytes) => {
        if (!stats.isFile()) throw new MalformedMessageError('ERR_COMMS_MALFORMED', `${name} is not a regular file`);
        let read: Awaited<ReturnType<typeof readBounded>>;
        try {
          read = await readBounded(file, maxRawBytes);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ELOOP' || code === 'ENOTREG') {
            throw new MalformedMessageError('ERR_COMMS_MALFORMED', `${name} is not a regular file`);
          }
          throw ioError(`cannot read ${file}`, err);
        }
        if (!read.bytes) throw new MessageTooLargeError(read.size, maxRawBytes, { kind: 'raw' });
        return decodeEnvelope(read.bytes, { maxMessageBytes: this.maxMessageBytes });
      },
      ack: async () => {
        try {
          if (this.#afterAck === 'move') {
            await moveFile(this.#inbox, this.#processed, name, this.#fsync);
          } else {
            await unlink(file);
            if (this.#fsync) await syncDirectory(this.#inbox);
          }
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // acknowledged already
          throw ioError(`cannot acknowledge ${name}`, err);
        }
      },
      reject: async (report) => this.#moveAside(this.#inbox, name, report),
      release: async (delayMs) => {
        if (delayMs <= 0) return;
        this.#delayed.set(name, Date.now() + delayMs);
        setTimeout(() => this.#loop?.wake(), delayMs).unref();
      },
    };
  }

  async #moveAside(from: string, name: string, report: RejectionReport): Promise<string> {
    try {
      await moveFile(from, this.#failed, name, this.#fsync);
      const reason = new TextEncoder().encode(`${JSON.stringify({ ...report, location: undefined }, null, 2)}\n`);
      await writeFileAtomic(this.#failed, `${name}.reason.json`, reason, this.#fsync);
    } catch (err) {
      throw ioError(`cannot move ${name} to ${this.#failed}`, err);
    }
    return join(this.#failed, name);
  }

  async #flushNow(): Promise<number> {
    let names: string[];
    try {
      names = (await readdir(this.#outbox)).filter((n) => MESSAGE_NAME.test(n)).sort();
    } catch (err) {
      throw ioError(`cannot list ${this.#outbox}`, err);
    }
    const blocked = new Set<string>();
    let forwarded = 0;
    let waiting = 0;
    for (const name of names) {
      const file = join(this.#outbox, name);
      let dest = this.#outboxDest.get(name);
      let bytes: Uint8Array | undefined;
      if (dest === undefined) {
        try {
          bytes = await this.#readOutboxFile(file);
          const message = decodeEnvelope(bytes, { maxMessageBytes: Number.MAX_SAFE_INTEGER });
          dest = resolve(parseAddress(message.to).target);
          this.#outboxDest.set(name, dest);
        } catch (err) {
          if (err instanceof CommsError) {
            await this.#moveOutboxAside(name, err).catch(() => undefined);
            continue;
          }
          waiting++;
          continue;
        }
      }
      if (blocked.has(dest)) {
        waiting++;
        continue;
      }
      const destInbox = join(dest, FOLDER_LAYOUT.inbox);
      if (!(await isDirectory(destInbox))) {
        blocked.add(dest);
        waiting++;
        continue;
      }
      try {
        bytes ??= await this.#readOutboxFile(file);
        // Same name in the destination: a repeat after a crash between copy and unlink overwrites the
        // same file (or, if it was consumed already, is a duplicate that the receiver's dedupe absorbs).
        await writeFileAtomic(destInbox, name, bytes, this.#fsync);
        await unlink(file);
        if (this.#fsync) await syncDirectory(this.#outbox);
        this.#outboxDest.delete(name);
        forwarded++;
      } catch {
        blocked.add(dest);
        waiting++;
      }
    }
    this.#outboxCount = waiting;
    this.#reportOutbox();
    if (waiting > 0) this.#scheduleFlush(this.#pollMs);
    return forwarded;
  }

  async #readOutboxFile(file: string): Promise<Uint8Array> {
    const read = await readBounded(file, Number.MAX_SAFE_INTEGER);
    return read.bytes!;
  }

  async #moveOutboxAside(name: string, err: unknown): Promise<void> {
    const report: RejectionReport = {
      reason: 'malformed',
      code: 'ERR_COMMS_MALFORMED',
      detail: `unreadable outbox file: ${(err as Error).message}`,
      at: this.clock.now(),
      via: this.address,
      ref: name,
    };
    await this.#moveAside(this.#outbox, name, report);
  }

  #outboxDetail(): string {
    return `${this.#outboxCount} message(s) waiting in ${this.#outbox}`;
  }

  #reportOutbox(): void {
    if (this.closed) return;
    if (this.#outboxCount > 0) {
      this.setStatus(this.#receiving ? 'polling' : 'backoff', {
        detail: this.#outboxDetail(),
        retryAt: new Date(this.clock.now().getTime() + this.#pollMs),
      });
    } else if (this.status.detail !== undefined) {
      this.setStatus(this.#receiving ? 'polling' : 'idle');
    }
  }

  #scheduleFlush(delayMs: number): void {
    if (this.closed || this.#flushTimer) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      if (this.closed) return;
      this.#serialized(() => this.#flushNow()).catch((err: unknown) => {
        this.setStatus('error', { error: err, detail: 'forwarding the outbox failed' });
        this.#scheduleFlush(this.#pollMs);
      });
    }, delayMs);
    this.#flushTimer.unref();
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', `${name} is a positive number`);
  }
  return v;
}

/**
 * Opens a {@link FolderTransport}: creates the transfer folder's sub-folders if needed, removes stale temp
 * files, and starts forwarding what waits in `outbox/`.
 *
 * @example
 * ```ts
 * import { openFolderTransport } from '@semper/comms';
 * const hub = await openFolderTransport({ path: '/media/usb/hub' });
 * await hub.receive(async (m) => { await apply(m); });
 * ```
 */
export async function openFolderTransport(options: FolderTransportOptions): Promise<FolderTransport> {
  const transport = new FolderTransport(options);
  await transport.open();
  return transport;
}
