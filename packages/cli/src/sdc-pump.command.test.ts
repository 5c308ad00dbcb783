import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openFolderTransport } from '@semper/comms';
import { createRecorder } from '@semper/comms/testing';
import { SDC_MIGRATIONS } from '@semper/sdc';
import { migrate, openStore } from '@semper/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, words } from './run.test-util.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'semper-cli-sdc-pump-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Puts `n` containers for `recipient` in the outbox of the store in `data` (as the services do). */
async function queue(data: string, recipient: string, ids: readonly string[]): Promise<void> {
  const store = await openStore(`pglite:${data}`);
  try {
    await migrate(store, SDC_MIGRATIONS);
    let seq = 0;
    for (const id of ids) {
      seq++;
      await store.query(
        `INSERT INTO sdc_outbox (container_id, recipient, type, sequence, bytes, created_at, queued_at)
         VALUES ($1, $2, 'export', $3, $4, now(), now() + make_interval(secs => $3::int8))`,
        [id, recipient, BigInt(seq), new TextEncoder().encode(`container ${id}`)],
      );
    }
  } finally {
    await store.close();
  }
}

async function tables(data: string): Promise<{ pending: number; sent: number; inbox: string[] }> {
  const store = await openStore(`pglite:${data}`);
  try {
    const [p] = await store.query<{ n: bigint }>('SELECT count(*) AS n FROM sdc_outbox WHERE sent_at IS NULL');
    const [s] = await store.query<{ n: bigint }>('SELECT count(*) AS n FROM sdc_outbox WHERE sent_at IS NOT NULL');
    const rows = await store.query<{ bytes: Uint8Array }>('SELECT bytes FROM sdc_inbox ORDER BY inbox_id');
    return {
      pending: Number(p?.n),
      sent: Number(s?.n),
      inbox: rows.map((r) => new TextDecoder().decode(r.bytes)),
    };
  } finally {
    await store.close();
  }
}

describe('semper sdc pump', { timeout: 180_000 }, () => {
  it('--once sends the outbox to the routed address and takes in what waits in the transfer folder', async () => {
    const data = join(dir, 'agency-data');
    const hubPath = join(dir, 'hub');
    await mkdir(join(hubPath, 'inbox'), { recursive: true });
    await queue(data, 'hub', ['sdc_a', 'sdc_b', 'sdc_c']);
    // The hub has left two containers in the agency's transfer folder.
    const hub = await openFolderTransport({ path: hubPath, pollIntervalMs: 20 });
    for (const id of ['r1', 'r2']) {
      await hub.send({
        id,
        from: hub.address,
        to: `folder:${join(dir, 'agency')}`,
        contentType: 'application/pkcs7-mime; smime-type=authEnveloped-data',
        body: new TextEncoder().encode(`answer ${id}`),
      });
    }
    const r = await run(
      words(`sdc pump --store agency-data --transport folder:agency --route hub=folder:${hubPath} --once --settle 300`),
      { cwd: dir },
    );
    expect(r.stderr).toMatch(
      /^sdc pump folder:.*agency \[\w+, transport \w+\] last run .*: sent 3, failed 0; total sent 3/m,
    );
    expect(r.stderr).toMatch(/\[stopped, .*total sent 3, received 2, duplicates 0, rejected 0, failures 0/);
    expect(r.code).toBe(0);
    expect(await tables(data)).toEqual({ pending: 0, sent: 3, inbox: ['answer r1', 'answer r2'] });
    expect((await readdir(join(dir, 'agency', 'inbox'))).filter((n) => n.endsWith('.msg'))).toEqual([]);
    const recorder = createRecorder();
    await hub.receive(recorder.handler);
    await recorder.waitFor(3);
    expect(recorder.messages.map((m) => [m.id, new TextDecoder().decode(m.body)])).toEqual([
      ['sdc_a', 'container sdc_a'],
      ['sdc_b', 'container sdc_b'],
      ['sdc_c', 'container sdc_c'],
    ]);
    await hub.close();

    // Nothing left: a second pass sends and takes in nothing; --json prints the statuses as JSON lines.
    const again = await run(
      words('sdc pump --store agency-data --transport folder:agency --once --settle 100 --json'),
      {
        cwd: dir,
      },
    );
    expect(again.code).toBe(0);
    const last = JSON.parse(again.stdout.trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ state: 'stopped', sent: 0, received: 0, failures: 0 });
  });

  it('runs at its interval until --duration is over, then stops cleanly', async () => {
    const data = join(dir, 'loop-data');
    const hubPath = join(dir, 'loop-hub');
    await mkdir(join(hubPath, 'inbox'), { recursive: true });
    await queue(data, `folder:${hubPath}`, ['sdc_x']); // a recipient that is an address needs no route
    const r = await run(words('sdc pump --store loop-data --transport folder:loop --interval 0.1 --duration 0.6'), {
      cwd: dir,
    });
    expect(r.code).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3); // several runs and the final line
    expect(lines.at(-1)).toMatch(/\[stopped, .*total sent 1, received 0/);
    expect((await tables(data)).sent).toBe(1);
    expect((await readdir(join(hubPath, 'inbox'))).filter((n) => n.endsWith('.msg')).length).toBe(1);
  });

  it('as a process, stops cleanly on SIGTERM: the last status line, exit code 0', async () => {
    const root = resolve(import.meta.dirname, '../../..');
    const child = spawn(
      join(root, 'node_modules/.bin/tsx'),
      [
        '--tsconfig',
        join(root, 'tsconfig.base.json'),
        '--conditions=@semper/source',
        join(root, 'packages/cli/src/cli.ts'),
        ...words('sdc pump --store signal-data --transport folder:signal --interval 0.2'),
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const deadline = Date.now() + 120_000;
    while (err.split('\n').filter((l) => l.startsWith('sdc pump ')).length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(err.trim().split('\n').at(-1)).toMatch(/^sdc pump folder:.*signal \[stopped, /);
  });

  it('a container without a route is left pending with the reason, and --once says the run had a failure', async () => {
    const data = join(dir, 'noroute-data');
    await queue(data, 'nobody', ['sdc_lost']);
    const r = await run(words('sdc pump --store noroute-data --transport folder:noroute --once --settle 50'), {
      cwd: dir,
    });
    expect(r.code).toBe(0); // the run itself went through; the failure is the container's
    expect(r.stderr).toMatch(/sent 0, failed 1/);
    const store = await openStore(`pglite:${data}`);
    const [row] = await store.query<{ last_error: string; sent_at: Date | null }>(
      'SELECT last_error, sent_at FROM sdc_outbox',
    );
    await store.close();
    expect(row).toEqual({ last_error: 'ERR_SDC_PUMP_BAD_ENTRY: no transport sends to "nobody"', sent_at: null });
  });

  it('bad usage and bad mail configurations exit 2 with one line, never a password', async () => {
    const cases: [string, RegExp][] = [
      ['sdc pump --transport folder:x --once', /^semper: ERR_CLI_USAGE: .*--store/],
      [
        'sdc pump --store d --transport bogus:x --once',
        /^semper: ERR_SDC_PUMP_INVALID_ARGUMENT: a transport is folder:PATH or mail:CONFIG.json$/,
      ],
      [
        'sdc pump --store d --transport folder:x --interval soon',
        /^semper: ERR_CLI_USAGE: .*--interval is a number of seconds/,
      ],
      ['sdc pump --store d --transport folder:x --route nohub --once', /^semper: ERR_CLI_USAGE: .*PARTY=ADDRESS/],
      [
        'sdc pump --store d --transport mail:missing.json --once',
        /^semper: ERR_SDC_PUMP_INVALID_ARGUMENT: cannot read the mail configuration: ENOENT$/,
      ],
    ];
    await writeFile(join(dir, 'notjson.json'), '{ nope');
    cases.push([
      'sdc pump --store d --transport mail:notjson.json --once',
      /ERR_SDC_PUMP_INVALID_ARGUMENT: the mail configuration is not JSON$/,
    ]);
    const config = {
      address: 'mailto:agency@example.org',
      smtp: { host: '127.0.0.1', port: 1, user: 'agency', password: 's3cret-smtp' },
      imap: { host: '127.0.0.1', port: 1, user: 'agency', passwordEnv: 'AGENCY_IMAP_PASSWORD' },
    };
    await writeFile(join(dir, 'mail.json'), JSON.stringify(config));
    cases.push([
      'sdc pump --store d --transport mail:mail.json --once',
      /ERR_SDC_PUMP_INVALID_ARGUMENT: imap: the variable AGENCY_IMAP_PASSWORD is not set$/,
    ]);
    await writeFile(join(dir, 'mail2.json'), JSON.stringify({ ...config, smtp: { ...config.smtp, port: 'x' } }));
    cases.push([
      'sdc pump --store d --transport mail:mail2.json --once',
      /ERR_SDC_PUMP_INVALID_ARGUMENT: the mail configuration: smtp.port: /,
    ]);
    await writeFile(join(dir, 'mail3.json'), JSON.stringify({ ...config, imap: undefined }));
    cases.push([
      'sdc pump --store d --transport mail:mail3.json --once',
      /the mail configuration: file: give exactly one of imap and pop3$/,
    ]);
    for (const [line, expected] of cases) {
      const r = await run(words(line), { cwd: dir });
      expect(r.code, line).toBe(2);
      expect(r.stderr.trim().split('\n').length, line).toBe(1);
      expect(r.stderr.trim(), line).toMatch(expected);
      expect(r.stderr).not.toContain('s3cret');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('--help describes the pump', async () => {
    const r = await run(words('sdc pump --help'), { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--transport <spec>');
    expect(r.stdout).toContain('mail:CONFIG.json');
  });
});
