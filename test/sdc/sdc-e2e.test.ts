// The must-show end to end, over transfer folders: two agencies and a hub, each with its own database
// (PGlite) and its own pump, exchange exports, import requests, import responses, messages and receipts;
// counted record by record at both ends; every container a pump sent opens with `openssl cms -decrypt`
// then `openssl cms -verify`; a container delivered twice is applied once.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFolderTransport, type Transport } from '@semper/comms';
import { inspectSdc } from '@semper/sdc';
import { createSdcTestNetwork, type SdcTestNetwork } from '@semper/sdc/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Scratch, scratch } from '../support/openssl.js';
import {
  type CapturedContainer,
  checkCaptured,
  checkRecords,
  checkWithOpenssl,
  queueRound1,
  queueRound2,
  startPumps,
  waitQuiet,
} from './e2e-scenario.js';

let dir = '';
let net: SdcTestNetwork;
let s: Scratch;
const transports = new Map<string, Transport>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'semper-sdc-e2e-'));
  s = await scratch('semper-sdc-e2e-openssl-');
  net = await createSdcTestNetwork({ agencies: ['agency-a', 'agency-b'] });
  for (const p of [net.hub, ...net.agencies]) {
    transports.set(p.id, await openFolderTransport({ path: join(dir, p.id), pollIntervalMs: 25 }));
  }
}, 180_000);

afterAll(async () => {
  for (const t of transports.values()) await t.close();
  await net?.close();
  await s?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('secure data services end to end over transfer folders (PGlite)', () => {
  it('exports, imports, messages and receipts arrive record by record; every container opens with openssl', async () => {
    const log: CapturedContainer[] = [];
    const plan = await queueRound1(net);
    const pumps = await startPumps(net, transports, log, { intervalMs: 200 });
    let message: CapturedContainer | undefined;
    try {
      await waitQuiet(net, 120_000, 'round 1');
      await queueRound2(plan);
      await waitQuiet(net, 120_000, 'round 2');

      // A container delivered again (a stick copied twice, a mail server's redelivery) is applied once.
      const before = await net.party('agency-a').service.intakeCounts();
      message = log.find((c) => c.sender === 'hub' && c.message.to === transports.get('agency-a')!.address);
      expect(message).toBeDefined();
      await transports.get('hub')!.send(message!.message);
      await expect
        .poll(async () => (await net.party('agency-a').service.intakeCounts()).duplicate ?? 0, { timeout: 30_000 })
        .toBe((before.duplicate ?? 0) + 1);
      await waitQuiet(net, 60_000, 'the duplicate');
      // The databases are quiet as soon as agency-a has queued the receipt again, but that receipt may still be
      // a file in the hub's inbox folder: wait until the transfer folders are empty too, then for the intake.
      await expect
        .poll(
          async () => {
            let files = 0;
            for (const p of [net.hub, ...net.agencies]) {
              files += (await readdir(join(dir, p.id, 'inbox'))).filter((n) => n.endsWith('.msg')).length;
            }
            return files;
          },
          { timeout: 30_000, interval: 100 },
        )
        .toBe(0);
      await waitQuiet(net, 60_000, 'the receipt sent again');
    } finally {
      await pumps.stop();
    }
    const counts = await checkRecords(plan);
    expect(counts['agency-a duplicates']).toBe(1);

    // What the pumps sent: every container once, but the receipt of the duplicate, acknowledged again (the
    // same receipt, same id, queued again by agency-a's intake).
    const unique = log.filter((c, i) => log.findIndex((d) => d.message.id === c.message.id) === i);
    expect(log.length - unique.length).toBe(1);
    const again = log.at(-1)!;
    expect(inspectSdc(again.message.body).header).toMatchObject({ type: 'receipt', inReplyTo: message!.message.id });
    expect(log.filter((c) => c.message.id === again.message.id).length).toBe(2);
    const byType = checkCaptured(unique);
    expect(Object.fromEntries(byType)).toEqual({
      export: 5,
      'import-request': 3,
      'import-response': 3,
      message: 2,
      receipt: 10, // 5 exports, 2 messages and 3 import responses acknowledged
    });
    const sent = [...pumps.pumps.values()].reduce((n, p) => n + p.status.sent, 0);
    expect(sent).toBe(log.length);
    for (const p of pumps.pumps.values()) expect(p.status.failures).toBe(0);
    for (const p of [net.hub, ...net.agencies]) {
      expect((await readdir(join(dir, p.id, 'inbox'))).filter((n) => n.endsWith('.msg'))).toEqual([]);
      expect(await readdir(join(dir, p.id, 'failed'))).toEqual([]);
    }
    const opened = await checkWithOpenssl(log, net, s);
    expect(opened).toBe(log.length);
    console.log(
      `sdc e2e (folders, PGlite): ${opened} containers opened by openssl cms -decrypt/-verify; ${JSON.stringify(counts)}\n${pumps.lines.filter((l) => l.includes('[stopped')).join('\n')}`,
    );
  }, 300_000);
});
