// `npm run bench` (SDC part): Secure Data Containers opened and applied per second by the hub's intake
// (`SecureDataService.receive`: decrypt, verify the signature and the signer's chain against a CRL, check
// recipient, sender, freshness and access status, apply the 10-row record set in one transaction with its
// log and deliveries, seal and queue the signed receipt), with the hub's database on PGlite and on a
// PostgreSQL server; next to, in the same run, the crypto-only rate (`openSdc` on the same containers, same
// kind of chain validator, nothing applied) and pgbench's TPC-B rate on the same server (`pgbench -i`,
// then `pgbench -T 10`, one client). Writes bench/results/sdc.json.
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { issueCrl, PathValidator } from '@semper/certificates';
import { openSdc } from '@semper/sdc';
import { createSdcTestNetwork, type SdcTestNetwork } from '@semper/sdc/testing';
import { openStore } from '@semper/store';
import { findPostgresBinaries, type PostgresServer, startPostgres } from '../test/harness/postgres.js';
import { median, round } from './measure.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Containers applied per backend and round (each is applied once: exactly-once intake). */
const containers = Number(process.env.BENCH_SDC_CONTAINERS ?? 120);
const rounds = Number(process.env.BENCH_SDC_ROUNDS ?? 3);
const pgbenchSeconds = Number(process.env.BENCH_PGBENCH_SECONDS ?? 10);
const ROWS = 10;

export interface SdcBenchResult {
  readonly rowsPerContainer: number;
  readonly containersPerRound: number;
  readonly rounds: number;
  readonly cryptoOnlyPerSec: number;
  readonly pglite: { readonly appliedPerSec: number; readonly ratioToCryptoOnly: number };
  readonly postgres:
    | {
        readonly appliedPerSec: number;
        readonly ratioToCryptoOnly: number;
        readonly pgbenchTps: number;
        readonly ratioToPgbench: number;
        readonly server: string;
      }
    | { readonly notRun: string };
}

/** Exports `n` containers of `ROWS` rows from agency-a to the hub; returns their bytes, in order. */
async function makeContainers(net: SdcTestNetwork, n: number, prefix: string): Promise<Uint8Array[]> {
  const agency = net.agencies[0]!;
  await net.insertTransfers(agency.id, n * ROWS, { status: 2, prefix });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await agency.service.exportTable('transfers', { to: net.hub.id, limit: ROWS });
    if (r.outcome !== 'exported' || r.rows !== ROWS) throw new Error(`export ${i} gave ${JSON.stringify(r)}`);
    ids.push(r.containerId);
  }
  const out: Uint8Array[] = [];
  for (const id of ids) {
    const e = await agency.service.outbox.get(id);
    if (!e) throw new Error(`no outbox entry ${id}`);
    await agency.service.outbox.markSent(id);
    out.push(e.bytes);
  }
  return out;
}

/** Applies every container at the hub, one after the other; returns microseconds per container. */
async function applyAll(net: SdcTestNetwork, bytes: readonly Uint8Array[]): Promise<number> {
  const start = process.hrtime.bigint();
  for (const b of bytes) {
    const r = await net.hub.service.receive(b);
    if (r.status !== 'accepted' || r.rows !== ROWS) throw new Error(`intake: ${JSON.stringify(r)}`);
  }
  return Number(process.hrtime.bigint() - start) / 1000 / bytes.length;
}

/** Opens every container (decrypt + verify + chain with CRL), applying nothing; µs per container. */
async function openAll(net: SdcTestNetwork, bytes: readonly Uint8Array[], trust: PathValidator): Promise<number> {
  const start = process.hrtime.bigint();
  for (const b of bytes) {
    const o = await openSdc(b, { identity: net.hub.identity, trust });
    if (o.header.recipient !== net.hub.id) throw new Error('opened for the wrong party');
  }
  return Number(process.hrtime.bigint() - start) / 1000 / bytes.length;
}

async function validatorOf(net: SdcTestNetwork): Promise<PathValidator> {
  const crl = await issueCrl({
    issuer: net.pki.intermediate,
    entries: [],
    nextUpdate: new Date(Date.now() + 86_400_000),
    crlNumber: 1,
  });
  return new PathValidator(net.pki.trust.anchors, { crls: [crl], revocation: 'leaf' });
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(`${stdout}${stderr}`);
    });
  });
}

/** pgbench's TPC-B-like rate against `db` on the server: `-i` (scale 1), then `-T seconds`, one client. */
async function pgbench(binDir: string, server: PostgresServer, db: string): Promise<number> {
  const common = ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres'];
  await run(join(binDir, 'pgbench'), ['-i', '-q', '-s', '1', ...common, db]);
  const out = await run(join(binDir, 'pgbench'), ['-T', String(pgbenchSeconds), '-c', '1', '-j', '1', ...common, db]);
  const tps = /tps = ([\d.]+) \((without initial connection time|excluding connections establishing)\)/.exec(out);
  if (!tps) throw new Error(`no tps in pgbench's output: ${out.slice(-300)}`);
  return Number(tps[1]);
}

export async function runSdcBench(): Promise<SdcBenchResult> {
  console.log(
    `SDC intake: ${rounds} round(s) of ${containers} containers of ${ROWS} rows per backend; pgbench -T ${pgbenchSeconds}`,
  );
  // PostgreSQL: a private server from the test harness, the hub's database on it.
  let server: PostgresServer | undefined;
  let notRun = '';
  const binaries = findPostgresBinaries();
  if (!binaries.available) notRun = binaries.reason;
  else {
    try {
      server = await startPostgres({ binaries });
    } catch (err) {
      notRun = `the PostgreSQL server did not start: ${(err as Error).message}`;
    }
  }
  if (notRun) console.log(`SDC on PostgreSQL not run: ${notRun}`);

  const pgliteNet = await createSdcTestNetwork({ agencies: ['agency-a'] });
  let pgNet: SdcTestNetwork | undefined;
  try {
    if (server) {
      const admin = await openStore(server.url);
      await admin.exec('CREATE DATABASE sdc_bench_hub');
      await admin.exec('CREATE DATABASE sdc_bench_pgbench');
      await admin.close();
      const hubUrl = new URL(server.url);
      hubUrl.pathname = '/sdc_bench_hub';
      pgNet = await createSdcTestNetwork({
        agencies: ['agency-a'],
        storeUrl: (p) => (p === 'hub' ? hubUrl.toString() : 'pglite:memory'),
      });
    }
    const trust = await validatorOf(pgliteNet);
    const pgliteUs: number[] = [];
    const pgUs: number[] = [];
    const cryptoUs: number[] = [];
    // Rounds interleave the backends and the crypto-only pass, so a slow stretch of the machine weighs on
    // all alike; each figure is the median over the rounds. Fresh containers each round (applied once).
    for (let r = 0; r < rounds; r++) {
      // Warm-up first (sequences must rise: containers are applied in the order they were made).
      if (r === 0) await applyAll(pgliteNet, await makeContainers(pgliteNet, 10, 'W'));
      const forPglite = await makeContainers(pgliteNet, containers, `R${r}`);
      cryptoUs.push(await openAll(pgliteNet, forPglite, trust));
      pgliteUs.push(await applyAll(pgliteNet, forPglite));
      if (pgNet) {
        if (r === 0) await applyAll(pgNet, await makeContainers(pgNet, 10, 'W'));
        const forPg = await makeContainers(pgNet, containers, `R${r}`);
        pgUs.push(await applyAll(pgNet, forPg));
      }
      console.log(
        `  round ${r + 1}: crypto-only ${round(1e6 / cryptoUs[r]!, 1)}/s, PGlite ${round(1e6 / pgliteUs[r]!, 1)}/s` +
          (pgNet ? `, PostgreSQL ${round(1e6 / pgUs[r]!, 1)}/s` : ''),
      );
    }
    // Everything arrived: the hub holds every row it was sent.
    for (const net of pgNet ? [pgliteNet, pgNet] : [pgliteNet]) {
      const [row] = await net.hub.store.query<{ n: bigint }>('SELECT count(*) AS n FROM transfers');
      const expected = (rounds * containers + 10) * ROWS;
      if (Number(row?.n) !== expected) throw new Error(`the hub holds ${row?.n} rows, not ${expected}`);
    }
    const crypto = 1e6 / median(cryptoUs);
    const pglite = 1e6 / median(pgliteUs);
    let postgres: SdcBenchResult['postgres'] = { notRun };
    if (pgNet && server && binaries.available) {
      const applied = 1e6 / median(pgUs);
      let tps = Number.NaN;
      try {
        tps = await pgbench(binaries.binDir, server, 'sdc_bench_pgbench');
      } catch (err) {
        console.log(`pgbench not run: ${(err as Error).message}`);
      }
      postgres = {
        appliedPerSec: round(applied, 1),
        ratioToCryptoOnly: round(applied / crypto, 2),
        pgbenchTps: round(tps, 1),
        ratioToPgbench: round(applied / tps, 3),
        server: server.version,
      };
    }
    const result: SdcBenchResult = {
      rowsPerContainer: ROWS,
      containersPerRound: containers,
      rounds,
      cryptoOnlyPerSec: round(crypto, 1),
      pglite: { appliedPerSec: round(pglite, 1), ratioToCryptoOnly: round(pglite / crypto, 2) },
      postgres,
    };
    console.log(
      `SDC open+apply (${ROWS} rows): PGlite ${result.pglite.appliedPerSec}/s (${result.pglite.ratioToCryptoOnly}x of crypto-only)` +
        ('appliedPerSec' in postgres
          ? ` | PostgreSQL ${postgres.appliedPerSec}/s (${postgres.ratioToCryptoOnly}x of crypto-only, ${postgres.ratioToPgbench}x of pgbench TPC-B ${postgres.pgbenchTps} tps)`
          : ` | PostgreSQL not run: ${postgres.notRun}`) +
        ` | crypto-only open ${result.cryptoOnlyPerSec}/s`,
    );
    const out = join(here, 'results', 'sdc.json');
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${out}`);
    return result;
  } finally {
    await pgliteNet.close();
    await pgNet?.close();
    await server?.stop();
  }
}

// Run on its own: `npx tsx --tsconfig tsconfig.base.json --conditions=@semper/source bench/sdc.bench.ts`.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await runSdcBench();
