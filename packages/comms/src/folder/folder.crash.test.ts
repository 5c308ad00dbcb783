// Crash safety of the folder transport: a child process writing messages is killed with SIGKILL at random
// moments, many times; afterwards the receiver reads only complete messages, each exactly as written, none
// twice, every message whose send had resolved among them, in the writer's order; the temp files the
// crashes left behind are never read and are cleaned away.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecorder, waitUntil } from '../testing.js';
import type { RejectionReport } from '../transport.js';
import { openFolderTransport } from './folder.transport.js';
import { bodyFor, idFor } from './folder-crash.test-util.js';

const ITERATIONS = 32;
const PARALLEL = 8;
let root = '';
let writer = '';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'semper-crash-'));
  writer = join(root, 'writer.mjs');
  await build({
    entryPoints: [resolve(import.meta.dirname, 'folder-crash-writer.test-util.ts')],
    outfile: writer,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@semper/source'],
    // rxjs's ES module build, which tree-shakes (its `node` export is CommonJS): a smaller, faster child.
    alias: { rxjs: join(dirname(createRequire(import.meta.url).resolve('rxjs/package.json')), 'dist/esm/index.js') },
    logLevel: 'error',
  });
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/**
 * Runs the writer until it printed `ready` and then `afterSends` `sent` lines, lets it go on for `extraMs`,
 * kills it; returns the ids it reported sent. Counting sends makes the kill points independent of the
 * machine's speed: before the first write, between two, and (with the extra delay) in the middle of one.
 */
async function runAndKill(
  own: string,
  to: string,
  seed: string,
  afterSends: number,
  extraMs: number,
): Promise<string[]> {
  const child: ChildProcess = spawn(process.execPath, [writer, own, to, seed], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((r) =>
    child.once('exit', (code, signal) => r(signal ?? code)),
  );
  const sentCount = () => out.split('\nsent ').length - 1;
  await waitUntil(
    () => (out.includes('ready\n') && sentCount() >= afterSends) || child.exitCode !== null,
    20_000,
    'the writer to start and send',
  );
  if (child.exitCode !== null) throw new Error(`the writer exited early: ${err}`);
  if (extraMs > 0) await new Promise((r) => setTimeout(r, extraMs));
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return out
    .split('\n')
    .filter((line) => line.startsWith('sent '))
    .map((line) => line.slice(5));
}

interface RunResult {
  readonly tempFilesLeft: number;
  readonly delivered: number;
}

/** One iteration: write until killed, then restart what needs restarting and check what the receiver gets. */
async function crashRun(i: number): Promise<RunResult> {
  const seed = `s${i}`;
  const dir = join(root, `run-${i}`);
  const hub = join(dir, 'hub');
  const agency = join(dir, 'agency');
  // Two of three runs write straight into a present inbox; every third into the writer's own outbox (the
  // destination is absent: a stick not plugged in), forwarded by the restarted sender afterwards.
  const viaOutbox = i % 3 === 2;
  if (!viaOutbox) await mkdir(join(hub, 'inbox'), { recursive: true });
  const sent = await runAndKill(agency, `folder:${hub}`, seed, (i * 7) % 6, (i * 13) % 16);

  const temps = async (d: string) => (existsSync(d) ? (await readdir(d)).filter((n) => n.startsWith('.tmp-')) : []);
  const tempFilesLeft = (await temps(join(hub, 'inbox'))).length + (await temps(join(agency, 'outbox'))).length;

  const receiver = await openFolderTransport({ path: hub, pollIntervalMs: 5 });
  expect(await temps(join(hub, 'inbox'))).toEqual([]); // the dead writer's temp files are gone
  if (viaOutbox) {
    const restarted = await openFolderTransport({ path: agency, pollIntervalMs: 5 });
    expect(await temps(join(agency, 'outbox'))).toEqual([]);
    await restarted.flush();
    expect(restarted.waiting).toBe(0);
    await restarted.close();
  }
  const expected = (await readdir(join(hub, 'inbox'))).filter((n) => n.endsWith('.msg')).length;
  const reports: RejectionReport[] = [];
  receiver.rejected$.subscribe((r) => reports.push(r));
  const recorder = createRecorder();
  await receiver.receive(recorder.handler);
  await recorder.waitFor(expected, 10_000);
  await receiver.close();

  const ids = recorder.messages.map((m) => m.id);
  expect(reports).toEqual([]); // no partial or damaged message was ever seen
  expect(new Set(ids).size).toBe(ids.length); // none twice (the writer never re-sends)
  for (const id of sent) expect(ids).toContain(id); // every resolved send survived the kill
  // In the writer's order, without gaps: message k is there only if all before it are.
  const indexes = ids.map((id) => Number(id.slice(id.lastIndexOf('_') + 1)));
  expect(indexes).toEqual(indexes.map((_, k) => k));
  for (const m of recorder.messages) {
    const index = Number(m.id.slice(m.id.lastIndexOf('_') + 1));
    expect(m.id).toBe(idFor(seed, index));
    expect(Buffer.from(m.body).equals(Buffer.from(bodyFor(seed, index)))).toBe(true);
  }
  expect(ids.length).toBeLessThanOrEqual(sent.length + 1); // at most the one in flight at the kill
  await rm(dir, { recursive: true, force: true });
  return { tempFilesLeft, delivered: ids.length };
}

describe('folder transport under SIGKILL', () => {
  it(`delivers only complete messages, exactly as written, after ${ITERATIONS} kills at random moments`, async () => {
    const results: RunResult[] = [];
    // Eight writers at a time, each in its own folders: the kills stay independent, the test stays short.
    for (let batch = 0; batch < ITERATIONS; batch += PARALLEL) {
      const runs = Array.from({ length: Math.min(PARALLEL, ITERATIONS - batch) }, (_, k) => crashRun(batch + k));
      results.push(...(await Promise.all(runs)));
    }
    // The kills did land in the middle of writes (temp files left behind), and messages did get through.
    expect(results.reduce((n, r) => n + r.tempFilesLeft, 0)).toBeGreaterThan(0);
    expect(results.reduce((n, r) => n + r.delivered, 0)).toBeGreaterThan(ITERATIONS);
    expect(results.filter((r) => r.delivered > 0).length).toBeGreaterThan(ITERATIONS / 2);
  }, 60_000);
});
