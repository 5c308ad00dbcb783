// A durable SdcMailbox in plain files, for the pump's crash test (a party's real mailbox is its database):
//   outbox/<seq>-<id>   pending entries (JSON: id, to, body in base64), in name order
//   sent/<seq>-<id>     entries marked sent (renamed from outbox/: atomic)
//   inbox/<id>          containers taken in (written to a temp file, fsynced, renamed: atomic)
//   duplicates.log      one line per delivery of an id already in inbox/
// `slowMs` pauses before each commit, widening the window between "the transport has it" and "the
// mailbox recorded it", where the crash test's kills should land.
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { SendReceipt } from '@semper/comms';
import type { SdcIncoming, SdcIntakeResult, SdcMailbox, SdcOutgoing, SdcSendFailure } from './mailbox.js';

async function syncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

async function writeAtomic(dir: string, name: string, data: Uint8Array | string): Promise<void> {
  const temp = join(dir, `.tmp-${randomBytes(6).toString('hex')}`);
  const h = await open(temp, 'wx');
  try {
    await h.writeFile(data);
    await h.sync();
  } finally {
    await h.close();
  }
  await rename(temp, join(dir, name));
  await syncDir(dir);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class FileSdcMailbox implements SdcMailbox {
  constructor(
    readonly dir: string,
    readonly slowMs = 0,
    readonly log: (line: string) => void = () => undefined,
  ) {}

  static async open(dir: string, slowMs = 0, log?: (line: string) => void): Promise<FileSdcMailbox> {
    for (const d of ['outbox', 'sent', 'inbox']) await mkdir(join(dir, d), { recursive: true });
    return new FileSdcMailbox(dir, slowMs, log);
  }

  async enqueue(seq: number, entry: SdcOutgoing): Promise<void> {
    const json = JSON.stringify({ id: entry.id, to: entry.to, body: Buffer.from(entry.body).toString('base64') });
    await writeAtomic(join(this.dir, 'outbox'), `${String(seq).padStart(8, '0')}-${entry.id}`, json);
  }

  async pending(limit: number): Promise<readonly SdcOutgoing[]> {
    const names = (await readdir(join(this.dir, 'outbox'))).filter((n) => !n.startsWith('.tmp-')).sort();
    const out: SdcOutgoing[] = [];
    for (const name of names.slice(0, limit)) {
      const e = JSON.parse(await readFile(join(this.dir, 'outbox', name), 'utf8')) as {
        id: string;
        to: string;
        body: string;
      };
      out.push({ id: e.id, to: e.to, body: new Uint8Array(Buffer.from(e.body, 'base64')) });
    }
    return out;
  }

  async #moveOut(id: string): Promise<void> {
    if (this.slowMs > 0) await sleep(this.slowMs);
    const name = (await readdir(join(this.dir, 'outbox'))).find((n) => n.endsWith(`-${id}`));
    if (name === undefined) return;
    await rename(join(this.dir, 'outbox', name), join(this.dir, 'sent', name));
    await syncDir(join(this.dir, 'outbox'));
    await syncDir(join(this.dir, 'sent'));
  }

  async markSent(id: string, _receipt: SendReceipt): Promise<void> {
    await this.#moveOut(id);
    this.log(`sent ${id}`);
  }

  async markFailed(id: string, _failure: SdcSendFailure): Promise<void> {
    await this.#moveOut(id);
    this.log(`failed ${id}`);
  }

  async deliver(message: SdcIncoming): Promise<SdcIntakeResult> {
    const names = await readdir(join(this.dir, 'inbox'));
    if (names.includes(message.id)) {
      await appendFile(join(this.dir, 'duplicates.log'), `${message.id}\n`);
      this.log(`duplicate ${message.id}`);
      return { outcome: 'duplicate' };
    }
    if (this.slowMs > 0) await sleep(this.slowMs);
    await writeAtomic(join(this.dir, 'inbox'), message.id, message.body);
    this.log(`stored ${message.id}`);
    return { outcome: 'stored' };
  }

  async inbox(): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    for (const n of await readdir(join(this.dir, 'inbox'))) {
      if (!n.startsWith('.tmp-')) out.set(n, new Uint8Array(await readFile(join(this.dir, 'inbox', n))));
    }
    return out;
  }

  async outboxNames(): Promise<string[]> {
    return (await readdir(join(this.dir, 'outbox'))).filter((n) => !n.startsWith('.tmp-'));
  }

  async duplicates(): Promise<string[]> {
    try {
      return (await readFile(join(this.dir, 'duplicates.log'), 'utf8')).split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }
}
