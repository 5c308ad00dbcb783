import { type FileHandle, mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CommsError } from './errors.js';
import type { MessageHandler, ReceivedMessage } from './transport.js';

/**
 * Where {@link dedupe} remembers the messages it has processed. Keys are printable ASCII without line
 * breaks (message ids, optionally with the sender). A store may forget old keys (a bounded size, an age):
 * a duplicate arriving after that is processed again, so size it for the longest redelivery window.
 * Implement it over your database to make it persistent and transactional.
 *
 * @example
 * ```ts
 * import type { DedupStore } from '@semper/comms';
 * const sqlStore = (db: Db): DedupStore => ({
 *   has: async (key) => (await db.query('select 1 from comms_seen where key = $1', [key])).length > 0,
 *   add: async (key) => { await db.query('insert into comms_seen (key) values ($1) on conflict do nothing', [key]); },
 * });
 * ```
 */
export interface DedupStore {
  /** Whether `key` was recorded. */
  has(key: string): Promise<boolean>;
  /** Records `key`; recording a key twice is harmless. Resolves once it is durable (for durable stores). */
  add(key: string): Promise<void>;
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > 1024 || !/^[\x20-\x7e]+$/.test(key)) {
    throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'a dedup key is 1 to 1024 printable ASCII characters');
  }
}

function checkMaxEntries(value: number | undefined, fallback: number): number {
  const n = value ?? fallback;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'maxEntries is a positive integer');
  return n;
}

/**
 * A {@link DedupStore} in memory, keeping the `maxEntries` most recently added keys (default 100 000).
 * Forgets everything on restart: right for tests, and for receivers whose handler is idempotent anyway.
 *
 * @example
 * ```ts
 * import { MemoryDedupStore } from '@semper/comms';
 * const store = new MemoryDedupStore({ maxEntries: 10_000 });
 * await store.add('msg_1');
 * await store.has('msg_1'); // true
 * ```
 */
export class MemoryDedupStore implements DedupStore {
  readonly #keys = new Set<string>();
  readonly #max: number;

  constructor(options: { readonly maxEntries?: number } = {}) {
    this.#max = checkMaxEntries(options.maxEntries, 100_000);
  }

  /** Keys held now. */
  get size(): number {
    return this.#keys.size;
  }

  async has(key: string): Promise<boolean> {
    return this.#keys.has(key);
  }

  async add(key: string): Promise<void> {
    checkKey(key);
    this.#keys.delete(key);
    this.#keys.add(key);
    while (this.#keys.size > this.#max) {
      const oldest = this.#keys.values().next().value as string;
      this.#keys.delete(oldest);
    }
  }
}

/**
 * A persistent {@link DedupStore} in one append-only file (one key per line, fsynced on every `add`),
 * keeping the `maxEntries` most recent keys (default 100 000; the file is compacted, by write-to-temp and
 * rename, when it holds twice that). A line cut short by a crash is ignored on open. One process per file.
 * Open it with {@link openFileDedupStore}.
 *
 * @example
 * ```ts
 * import { openFileDedupStore } from '@semper/comms';
 * const store = await openFileDedupStore('/var/lib/semper/hub/seen.log');
 * await store.add('msg_1');
 * await store.close();
 * ```
 */
export class FileDedupStore implements DedupStore {
  readonly path: string;
  readonly #keys: Set<string>;
  readonly #max: number;
  #file: FileHandle | undefined;
  #lines: number;
  #queue: Promise<void> = Promise.resolve();

  /** Use {@link openFileDedupStore}. */
  private constructor(path: string, keys: Set<string>, lines: number, max: number, file: FileHandle) {
    this.path = path;
    this.#keys = keys;
    this.#lines = lines;
    this.#max = max;
    this.#file = file;
  }

  /** @internal */
  static async open(path: string, options: { readonly maxEntries?: number } = {}): Promise<FileDedupStore> {
    const max = checkMaxEntries(options.maxEntries, 100_000);
    await mkdir(dirname(path), { recursive: true });
    let text = '';
    try {
      text = await readFile(path, 'latin1');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new CommsError('ERR_COMMS_IO', 'cannot read the dedup store', { cause: err });
      }
    }
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    const lines = complete.split('\n').filter((line) => line.length > 0);
    const keys = new Set<string>();
    for (const line of lines) {
      keys.delete(line);
      keys.add(line);
    }
    while (keys.size > max) keys.delete(keys.values().next().value as string);
    if (complete.length !== text.length) {
      // A torn last line: rewrite without it, so that the next append starts on a fresh line.
      await rewrite(path, keys);
    }
    const file = await open(path, 'a');
    return new FileDedupStore(path, keys, lines.length, max, file);
  }

  async has(key: string): Promise<boolean> {
    return this.#keys.has(key);
  }

  add(key: string): Promise<void> {
    checkKey(key);
    const run = this.#queue.then(async () => {
      if (!this.#file) throw new CommsError('ERR_COMMS_CLOSED', 'add() on a closed dedup store');
      if (this.#keys.has(key)) return;
      try {
        await this.#file.write(`${key}\n`);
        await this.#file.sync();
      } catch (err) {
        throw new CommsError('ERR_COMMS_IO', 'cannot write the dedup store', { cause: err });
      }
      this.#keys.add(key);
      this.#lines++;
      while (this.#keys.size > this.#max) this.#keys.delete(this.#keys.values().next().value as string);
      if (this.#lines > 2 * this.#max) await this.#compact();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #compact(): Promise<void> {
    await this.#file?.close();
    this.#file = undefined;
    await rewrite(this.path, this.#keys);
    this.#file = await open(this.path, 'a');
    this.#lines = this.#keys.size;
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.#queue;
    await this.#file?.close();
    this.#file = undefined;
  }
}

async function rewrite(path: string, keys: ReadonlySet<string>): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  const file = await open(temp, 'w');
  try {
    await file.write([...keys].map((k) => `${k}\n`).join(''));
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
}

/**
 * Opens (creating it if needed) a {@link FileDedupStore}.
 *
 * @example
 * ```ts
 * import { dedupe, openFileDedupStore } from '@semper/comms';
 * const store = await openFileDedupStore('./data/seen.log', { maxEntries: 50_000 });
 * await transport.receive(dedupe(handler, { store }));
 * ```
 */
export function openFileDedupStore(
  path: string,
  options: { readonly maxEntries?: number } = {},
): Promise<FileDedupStore> {
  if (typeof path !== 'string' || path.length === 0)
    throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'a path is needed');
  return FileDedupStore.open(path, options);
}

/**
 * Options of {@link dedupe}.
 *
 * @example
 * ```ts
 * import { MemoryDedupStore, type DedupeOptions } from '@semper/comms';
 * const options: DedupeOptions = { store: new MemoryDedupStore(), key: (m) => `${m.from} ${m.id}` };
 * ```
 */
export interface DedupeOptions {
  /** Where processed keys are kept (default a new {@link MemoryDedupStore}). */
  readonly store?: DedupStore;
  /** The key of a message (default its `id`). */
  readonly key?: (message: ReceivedMessage) => string;
  /** Told about each duplicate (acknowledged without running the handler). */
  readonly onDuplicate?: (message: ReceivedMessage) => void;
}

/**
 * Wraps a handler so that a message whose key (default: its id) was already processed is acknowledged
 * without running the handler again — what at-least-once delivery needs. The key is recorded after the
 * handler succeeded (not when it rejected, failed or asked to retry). Two deliveries of one key at the same
 * time (possible with `concurrency` > 1) run the handler once: the second waits for the first.
 *
 * A crash between the handler's commit and the store's `add` lets one duplicate through after the
 * restart; where that matters, record the key in the handler's own database transaction (and give a
 * `store` over that table).
 *
 * @example
 * ```ts
 * import { dedupe, MemoryDedupStore } from '@semper/comms';
 * await transport.receive(
 *   dedupe(async (m) => { await applyOnce(m); }, { store: new MemoryDedupStore() }),
 * );
 * ```
 */
export function dedupe(handler: MessageHandler, options: DedupeOptions = {}): MessageHandler {
  if (typeof handler !== 'function') throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'a handler is a function');
  const store = options.store ?? new MemoryDedupStore();
  const keyOf = options.key ?? ((m: ReceivedMessage) => m.id);
  const inProgress = new Map<string, Promise<void>>();
  return async (message, context) => {
    const key = keyOf(message);
    for (let current = inProgress.get(key); current; current = inProgress.get(key)) await current;
    // Claimed synchronously after the last check: an overlapping delivery of the same key waits above.
    let finish: () => void = () => {};
    inProgress.set(key, new Promise<void>((resolve) => (finish = resolve)));
    try {
      if (await store.has(key)) {
        options.onDuplicate?.(message);
        return { outcome: 'acked' };
      }
      const result = (await handler(message, context)) ?? undefined;
      if (result === undefined || result.outcome === 'acked') await store.add(key);
      return result;
    } finally {
      inProgress.delete(key);
      finish();
    }
  };
}
