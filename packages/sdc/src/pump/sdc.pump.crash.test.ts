// Crash safety of the pump: a child process pumping between a durable (file) mailbox and a transfer folder
// is killed with SIGKILL at varied moments — between "the transport accepted it" and "the mailbox marked it
// sent", between "the mailbox stored it" and "the transport acknowledged it", and everywhere else —, twice
// per run, then a pump in this process finishes the job. Afterwards: every outbox container reached the
// hub (some twice, with the same id: what the receiver's exactly-once intake absorbs), every container
// that waited for the agency is in its inbox exactly once, byte for byte, and nothing is left on either
// medium. Nothing is ever lost.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { openFolderTransport } from '@semper/comms';
import { createRecorder, waitUntil } from '@semper/comms/testing';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSdcMailbox } from './file-mailbox.test-util.js';
import { SDC_SMIME_CONTENT_TYPE as SDC_CONTENT_TYPE } from '../format/index.js';
import { runPumpOnce } from './sdc.pump.js';

const ITERATIONS = 12;
const PARALLEL = 4;
const OUT = 10;
const IN = 10;
let root = '';
let child = '';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'semper-sdc-pump-crash-'));
  child = join(root, 'child.mjs');
  await build({
    entryPoints: [resolve(import.meta.dirname, 'pump-crash-child.test-util.ts')],
    outfile: child,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@semper/source'],
    alias: { rxjs: join(dirname(createRequire(import.meta.url).resolve('rxjs/package.json')), 'dist/esm/index.js') },
    logLevel: 'error',
  });
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

function bodyOf(seed: string): Uint8Array {
  const h = createHash('sha256').update(seed).digest();
  const out = new Uint8Array(200 + (h[0]! << 4));
  for (let i = 0; i < out.length; i++) out[i] = h[i % h.length]! ^ (i & 0xff);
  return out;
}

/**
 * Runs the child until `ready` and `afterLines` mailbox commits (or until it has been quiet for a second:
 * nothing left to do), lets it go on `extraMs`, kills it.
 */
async function runAndKill(args: string[], afterLines: number, extraMs: number): Promise<string[]> {
  const proc: ChildProcess = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let lastOutput = Date.now();
  proc.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    lastOutput = Date.now();
  });
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((r) =>
    proc.once('exit', (code, signal) => r(signal ?? code)),
  );
  const lines = () => out.split('\n').filter((l) => /^(sent|stored|duplicate|failed) /.test(l));
  await waitUntil(
    // Or the child has nothing left to do (quiet for a while): a restart after a late kill.
    () =>
      (out.includes('ready\n') && (lines().length >= afterLines || Date.now() - lastOutput > 1000)) ||
      proc.exitCode !== null,
    20_000,
    'the pump child to start and work',
  );
  if (proc.exitCode !== null) throw new Error(`the pump child exited early: ${err}`);
  if (extraMs > 0) await new Promise((r) => setTimeout(r, extraMs));
  proc.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return lines();
}

interface RunResult {
  readonly outboundDuplicates: number;
  readonly inboundDuplicates: number;
}

async function crashRun(i: number): Promise<RunResult> {
  const dir = join(root, `run-${i}`);
  const mailboxDir = join(dir, 'agency-mailbox');
  const agencyFolder = join(dir, 'agency');
  const hubFolder = join(dir, 'hub');
  await mkdir(join(agencyFolder, 'inbox'), { recursive: true });
  const mailbox = await FileSdcMailbox.open(mailboxDir);
  for (let k = 0; k < OUT; k++) {
    await mailbox.enqueue(k, { id: `out_${i}_${k}`, to: `folder:${hubFolder}`, body: bodyOf(`out ${i} ${k}`) });
  }
  const hub = await openFolderTransport({ path: hubFolder, pollIntervalMs: 5 });
  for (let k = 0; k < IN; k++) {
    await hub.send({
      id: `in_${i}_${k}`,
      from: hub.address,
      to: `folder:${agencyFolder}`,
      contentType: SDC_CONTENT_TYPE,
      body: bodyOf(`in ${i} ${k}`),
    });
  }
  // Two kills at different depths into the work; slow commits (3 ms) widen the windows between steps.
  const args = [mailboxDir, agencyFolder, '3'];
  await runAndKill(args, (i * 5) % (OUT + IN - 4), (i * 7) % 9);
  await runAndKill(args, (i * 3) % 6, (i * 11) % 7);

  // A pump in this process finishes what the dead ones left.
  const agency = await openFolderTransport({ path: agencyFolder, pollIntervalMs: 5 });
  const final = await runPumpOnce({ mailbox, transport: agency, settleMs: 150 });
  await agency.close();
  expect(final.failures).toBe(0);
  expect(await mailbox.outboxNames()).toEqual([]);

  // The agency side: every container that waited for it, exactly once, byte for byte; its inbox is empty.
  const inbox = await mailbox.inbox();
  expect([...inbox.keys()].sort()).toEqual(Array.from({ length: IN }, (_, k) => `in_${i}_${k}`).sort());
  for (const [id, body] of inbox) {
    const k = Number(id.split('_')[2]);
    expect(Buffer.from(body).equals(Buffer.from(bodyOf(`in ${i} ${k}`)))).toBe(true);
  }
  expect((await readdir(join(agencyFolder, 'inbox'))).filter((n) => n.endsWith('.msg'))).toEqual([]);

  // The hub side: every outbox container arrived, byte for byte; duplicates carry the same id.
  const recorder = createRecorder();
  const files = (await readdir(join(hubFolder, 'inbox'))).filter((n) => n.endsWith('.msg')).length;
  await hub.receive(recorder.handler);
  await recorder.waitFor(files, 10_000);
  await hub.close();
  const ids = recorder.messages.map((m) => m.id);
  expect([...new Set(ids)].sort()).toEqual(Array.from({ length: OUT }, (_, k) => `out_${i}_${k}`).sort());
  for (const m of recorder.messages) {
    const k = Number(m.id.split('_')[2]);
    expect(Buffer.from(m.body).equals(Buffer.from(bodyOf(`out ${i} ${k}`)))).toBe(true);
  }
  // At most one container in flight per kill is sent twice.
  expect(ids.length - OUT).toBeLessThanOrEqual(2);
  const inboundDuplicates = (await mailbox.duplicates()).length;
  expect(inboundDuplicates).toBeLessThanOrEqual(2);
  await rm(dir, { recursive: true, force: true });
  return { outboundDuplicates: ids.length - OUT, inboundDuplicates };
}

describe('SdcPump under SIGKILL', () => {
  it(`loses no container, in or out, across ${ITERATIONS * 2} kills at varied moments`, async () => {
    const results: RunResult[] = [];
    for (let batch = 0; batch < ITERATIONS; batch += PARALLEL) {
      const runs = Array.from({ length: Math.min(PARALLEL, ITERATIONS - batch) }, (_, k) => crashRun(batch + k));
      results.push(...(await Promise.all(runs)));
    }
    // Some kills did land between the transport's acceptance and the mailbox's record: re-sent, same id.
    const outDup = results.reduce((n, r) => n + r.outboundDuplicates, 0);
    const inDup = results.reduce((n, r) => n + r.inboundDuplicates, 0);
    console.log(`pump crash test: ${outDup} containers sent twice, ${inDup} delivered twice, none lost`);
    expect(outDup + inDup).toBeGreaterThan(0);
  }, 120_000);
});
