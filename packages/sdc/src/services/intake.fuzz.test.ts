/**
 * The intake fuzz: at least 100,000 inputs fed to the secure data services' intake (the hub's, and a
 * share to an agency's), none of which may be applied. Mutations of valid containers (bit flips, byte
 * insertions and deletions, overwrites, splices), truncations, random bytes, oversized inputs, deeply
 * nested ASN.1, and validly signed and encrypted containers whose JSON body breaks the schema (wrong
 * types, extra fields, huge arrays, wrong table and column names, injection attempts) or that come from
 * the wrong party. Each must come back as a typed rejection or refusal — no throw, no
 * `ERR_SDC_INTAKE_FAILED` — and every store's contents digest must be unchanged (outside the intake log,
 * and the outbox and sequence counter that hold the error containers answering refusals).
 *
 * SDC_FUZZ_INPUTS (default 100000) and SDC_FUZZ_SEED (default fixed) change the run.
 */
import { loadavg } from 'node:os';
import { createTestPki } from '@semper/crypto/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgeSdc, hasProtoMember } from '../format/forge.test-util.js';
import { type SdcErrorCode, makeSdcHeader, sealSdc } from '../format/index.js';
import type { SdcServiceErrorCode } from './errors.js';
import {
  createSdcTestNetwork,
  digestStore,
  SDC_TEST_TABLES,
  type SdcTestNetwork,
  type SdcTestParty,
} from '../testing/network.js';
import type { IntakeOutcome } from './secure-data.service.js';

const TOTAL = Number(process.env.SDC_FUZZ_INPUTS ?? 100_000);
const SEED = Number(process.env.SDC_FUZZ_SEED ?? 0x5eed_5dc1);

const KNOWN_CODES = new Set<string>([
  ...([
    'ERR_SDC_MALFORMED',
    'ERR_SDC_TOO_LARGE',
    'ERR_SDC_TOO_DEEP',
    'ERR_SDC_UNSUPPORTED_VERSION',
    'ERR_SDC_WRONG_RECIPIENT',
    'ERR_SDC_DECRYPT_FAILED',
    'ERR_SDC_BAD_SIGNATURE',
    'ERR_SDC_UNTRUSTED_SIGNER',
    'ERR_SDC_HEADER_MISMATCH',
    'ERR_SDC_SENDER_MISMATCH',
    'ERR_SDC_UNSUPPORTED_ALGORITHM',
  ] satisfies SdcErrorCode[]),
  ...([
    'ERR_SDC_REPLAY',
    'ERR_SDC_WRONG_RECIPIENT',
    'ERR_SDC_UNKNOWN_SENDER',
    'ERR_SDC_UNSOLICITED',
    'ERR_SDC_ACCESS_DENIED',
    'ERR_SDC_BODY_INVALID',
    'ERR_SDC_SCHEMA_MISMATCH',
    'ERR_SDC_BAD_ROW',
    'ERR_SDC_TABLE_NOT_ALLOWED',
    'ERR_SDC_COLUMN_NOT_ALLOWED',
    'ERR_SDC_QUERY_INVALID',
    'ERR_SDC_TOO_MANY_ROWS',
  ] satisfies SdcServiceErrorCode[]),
]);

/** xorshift32: reproducible from SEED. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  return {
    int: (n: number) => next() % Math.max(1, n),
    bytes: (n: number) => {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = next() & 0xff;
      return b;
    },
    pick: <T>(xs: readonly T[]): T => xs[next() % xs.length] as T,
  };
}
type Rng = ReturnType<typeof rng>;

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function derLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

function tlv(tag: number, content: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(tag), derLength(content.length), content);
}

/** ASN.1 nested `depth` deep (definite lengths), optionally inside the start of a real ContentInfo. */
function deepAsn1(r: Rng, depth: number): Uint8Array {
  const tags = [0x30, 0x31, 0xa0, 0xa1, 0xa2, 0x24];
  let inner: Uint8Array = r.int(2) === 0 ? new Uint8Array(0) : Uint8Array.of(0x05, 0x00);
  for (let i = 0; i < depth; i++) inner = tlv(r.pick(tags), inner);
  if (r.int(2) === 0) return inner;
  // id-ct-authEnvelopedData (1.2.840.113549.1.9.16.1.23), then the deep value as its [0] content.
  const oid = Uint8Array.of(0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17);
  return tlv(0x30, concat(oid, tlv(0xa0, inner)));
}

/** Indefinite-length nesting (BER, refused by DER readers). */
function indefinite(depth: number): Uint8Array {
  const open = new Uint8Array(depth * 2);
  for (let i = 0; i < depth; i++) {
    open[i * 2] = 0x30;
    open[i * 2 + 1] = 0x80;
  }
  return concat(open, new Uint8Array(depth * 2));
}

function mutate(r: Rng, seed: Uint8Array, other: Uint8Array): { kind: string; bytes: Uint8Array } {
  const b = new Uint8Array(seed);
  const k = r.int(100);
  if (k < 35) {
    // Mostly in the DER structure (the first bytes: versions, recipient infos, keys, algorithms) and the
    // tail (MAC, clear header); a quarter anywhere, which is mostly AES-GCM ciphertext.
    const flips = 1 + r.int(8);
    const zone = r.int(4);
    for (let i = 0; i < flips; i++) {
      const p =
        zone === 0
          ? r.int(Math.min(400, b.length))
          : zone === 1
            ? b.length - 1 - r.int(Math.min(600, b.length))
            : zone === 2
              ? r.int(Math.min(160, b.length))
              : r.int(b.length);
      b[p] = (b[p] as number) ^ (1 << r.int(8));
    }
    return { kind: 'bit flips', bytes: b };
  }
  if (k < 45) {
    const p = r.int(b.length + 1);
    return { kind: 'byte insertions', bytes: concat(b.subarray(0, p), r.bytes(1 + r.int(16)), b.subarray(p)) };
  }
  if (k < 55) {
    const p = r.int(b.length);
    const n = 1 + r.int(Math.min(64, b.length - p));
    return { kind: 'byte deletions', bytes: concat(b.subarray(0, p), b.subarray(p + n)) };
  }
  if (k < 65) {
    const p = r.int(b.length);
    const chunk = r.bytes(1 + r.int(32));
    b.set(chunk.subarray(0, Math.min(chunk.length, b.length - p)), p);
    return { kind: 'overwrites', bytes: b };
  }
  if (k < 80) {
    const cut = r.int(b.length);
    const from = r.int(other.length);
    return { kind: 'splices', bytes: concat(b.subarray(0, cut), other.subarray(from)) };
  }
  // A length octet changed: the tag-length structure says something else than the bytes.
  const positions: number[] = [];
  for (let i = 0; i + 1 < b.length && positions.length < 64; i++)
    if (b[i] === 0x30 || b[i] === 0x04) positions.push(i + 1);
  const p = positions.length > 0 ? r.pick(positions) : r.int(b.length);
  b[p] = r.pick([0x00, 0x7f, 0x80, 0x81, 0x84, 0x89, 0xff, ((b[p] as number) + 1) & 0xff]);
  return { kind: 'length changes', bytes: b };
}

describe('intake fuzz', () => {
  let net: SdcTestNetwork;
  let a: SdcTestParty;
  let hub: SdcTestParty;

  beforeAll(async () => {
    net = await createSdcTestNetwork();
    [a] = net.agencies as [SdcTestParty];
    hub = net.hub;
    // Some state first: rows applied both ways, so sequences and received ids exist.
    await net.insertTransfers(a.id, 10);
    await a.service.exportTable('transfers', { to: hub.id });
    await hub.store.query(
      `insert into rates ("Status", currency, rate, valid_from) values (2, 'XOF', '1', '2026-12-01')`,
    );
    await a.service.requestImport({ table: 'rates' }, { from: hub.id });
    await net.deliverAll();
  }, 120_000);
  afterAll(async () => net?.close());

  it(`feeds ${TOTAL.toLocaleString('en')} inputs to the intake: each a typed rejection, every database unchanged`, async () => {
    const started = Date.now();
    const r = rng(SEED);
    const nextSeq = async (from: SdcTestParty, to: string) => {
      const [row] = await from.store.query<{ last: bigint }>(
        `INSERT INTO sdc_sequences (recipient, last) VALUES ($1, 1)
         ON CONFLICT (recipient) DO UPDATE SET last = sdc_sequences.last + 1 RETURNING last`,
        [to],
      );
      return BigInt(row?.last as bigint);
    };
    const seal = async (
      from: SdcTestParty,
      to: SdcTestParty,
      type: 'export' | 'import-request' | 'import-response' | 'receipt' | 'error' | 'message',
      body: unknown,
      o: { sequence?: bigint; inReplyTo?: string; signer?: SdcTestParty['identity']; sender?: string } = {},
    ) => {
      const header = makeSdcHeader({
        type,
        sender: o.sender ?? from.id,
        recipient: to.id,
        sequence: o.sequence ?? 1_000_000n,
        ...(o.inReplyTo === undefined ? {} : { inReplyTo: o.inReplyTo }),
      });
      const signer = o.signer ?? from.identity;
      // sealSdc refuses a "__proto__" member (format §4); a hostile sender signs one anyway.
      return hasProtoMember(body)
        ? forgeSdc({ header, body, signer, recipient: to.identity.certificate })
        : sealSdc({ header, body }, { signer, recipient: to.identity.certificate });
    };

    // Valid seeds (never delivered as they are): containers a real peer would send.
    const cols = SDC_TEST_TABLES.transfers.columns.map((c) => ({ name: c.name, type: c.type }));
    const good = (i: number) => ({
      reference: `F-${i}`,
      amount: String(100 + i),
      currency: 'EUR',
      beneficiary: 'Awa',
      value_date: '2026-12-02',
      sent_at: '2026-12-01T09:00:00.000Z',
      urgent: true,
      fee: '0.75',
      priority: 3,
    });
    const hubSeeds = [
      await seal(
        a,
        hub,
        'export',
        { recordSet: { table: 'transfers', columns: cols, rows: [good(1), good(2), good(3)] } },
        { sequence: await nextSeq(a, hub.id) },
      ),
      await seal(
        a,
        hub,
        'import-request',
        { query: { table: 'rates', where: { field: 'currency', op: '=', value: 'XOF' } } },
        { sequence: await nextSeq(a, hub.id) },
      ),
      await seal(a, hub, 'message', { text: 'fuzz seed' }, { sequence: await nextSeq(a, hub.id) }),
    ];
    const agencySeeds = [
      await seal(hub, a, 'message', { subject: 's', text: 'fuzz seed' }, { sequence: await nextSeq(hub, a.id) }),
      await seal(
        hub,
        a,
        'receipt',
        { for: 'sdc_x', digest: 'A'.repeat(43), rows: 1 },
        { sequence: await nextSeq(hub, a.id), inReplyTo: 'sdc_x' },
      ),
    ];

    // Validly signed and encrypted containers whose body breaks the schema, or from the wrong party.
    const table = (name: string, rows: unknown[] = [good(0)], columns: unknown = cols) => ({
      recordSet: { table: name, columns, rows },
    });
    const badExports: unknown[] = [
      null,
      42,
      'export',
      [],
      {},
      { recordSet: null },
      { recordSet: {}, extra: 1 },
      { ...table('transfers'), extra: true },
      table('transfers', [{ ...good(0), amount: 100 }]),
      table('transfers', [{ ...good(0), amount: '1e3' }]),
      table('transfers', [{ ...good(0), amount: '99999999999999999999' }]),
      table('transfers', [{ ...good(0), urgent: 'yes' }]),
      table('transfers', [{ ...good(0), value_date: '2026-02-30' }]),
      table('transfers', [{ ...good(0), sent_at: 'yesterday' }]),
      table('transfers', [{ ...good(0), priority: 2 ** 31 }]),
      table('transfers', [{ ...good(0), priority: 1.5 }]),
      table('transfers', [{ ...good(0), fee: '1,5' }]),
      table('transfers', [{ ...good(0), currency: 'EURO' }]),
      table('transfers', [{ ...good(0), currency: null }]),
      table('transfers', [{ ...good(0), reference: 'x'.repeat(41) }]),
      table('transfers', [{ ...good(0), beneficiary: '\u0000' }]),
      table('transfers', [{ ...good(0), Numero: '1' }]),
      table('transfers', [{ ...good(0), Status: 2 }]),
      table('transfers', [JSON.parse('{"__proto__": {"polluted": true}, "reference": "P"}')]),
      table('transfers', [{ ...good(0), constructor: 'x' }]),
      table('transfers', [[1, 2, 3]]),
      table('transfers', ['row']),
      table('transfers', [good(0)], [...cols, { name: 'Numero', type: 'bigint' }]),
      table('transfers', [good(0)], [...cols, { name: 'Status', type: 'integer' }]),
      table('transfers', [good(0)], [...cols, cols[0]]),
      table(
        'transfers',
        [good(0)],
        cols.map((c) => (c.name === 'priority' ? { ...c, type: 'bigint' } : c)),
      ),
      table(
        'transfers',
        [good(0)],
        cols.map((c) => (c.name === 'fee' ? { ...c, type: 'money' } : c)),
      ),
      table('transfers', [good(0)], cols.slice(1)),
      table('transfers', [good(0)], []),
      table('transfers', [good(0)], 'all'),
      table('Transfers'),
      table('rates'),
      table('sdc_outbox'),
      table('sdc_received'),
      table('pg_catalog.pg_user'),
      table('transfers"; drop table transfers; --'),
      table(
        'transfers',
        [{ ...good(0), 'amount"; drop table transfers; --': '1' }],
        [...cols, { name: 'amount"; drop table transfers; --', type: 'text' }],
      ),
      table(
        'transfers',
        [good(0)],
        Array.from({ length: 201 }, (_, i) => ({ name: `c${i}`, type: 'text' })),
      ),
    ];
    const badQueries: unknown[] = [
      null,
      'select * from transfers',
      { query: 'select * from transfers' },
      { query: {} },
      { query: { table: 'rates' }, extra: 1 },
      { query: { table: 'rates', where: 'currency = XOF' } },
      { query: { table: 'rates', where: { field: 'currency', op: 'like', value: '%' } } },
      { query: { table: 'rates', where: { field: 'currency', op: '=', value: { $ne: 1 } } } },
      { query: { table: 'rates', where: { field: 'currency', op: '=', value: null } } },
      { query: { table: 'rates', where: { field: 'rate', op: '>', value: 'NaN' } } },
      { query: { table: 'rates', where: { field: 'rate', op: 'prefix', value: '1' } } },
      { query: { table: 'rates', where: { field: 'currency', op: 'in', values: [] } } },
      {
        query: {
          table: 'rates',
          where: { field: 'currency', op: 'in', values: Array.from({ length: 257 }, (_, i) => `C${i}`) },
        },
      },
      { query: { table: 'rates', where: { field: 'currency"; drop table rates; --', op: '=', value: 'x' } } },
      { query: { table: 'rates', where: { field: 'Numero', op: '>', value: '0' } } },
      { query: { table: 'rates', fields: ['currency', 'rate; drop table rates'] } },
      { query: { table: 'rates', fields: [] } },
      { query: { table: 'rates', orderBy: [{ field: '1; drop table rates' }] } },
      { query: { table: 'rates', orderBy: [{ field: 'currency', desc: 'yes' }] } },
      { query: { table: 'rates', limit: 0 } },
      { query: { table: 'rates', limit: 10_001 } },
      { query: { table: 'rates', limit: 1.5 } },
      { query: { table: 'transfers', fields: ['beneficiary'] } },
      { query: { table: 'sdc_intake_log' } },
      { query: { table: 'pg_shadow' } },
      {
        query: {
          table: 'rates',
          where: JSON.parse(`${'{"not":'.repeat(20)}{"field":"currency","op":"is-null"}${'}'.repeat(20)}`),
        },
      },
      {
        query: {
          table: 'rates',
          where: { and: Array.from({ length: 65 }, () => ({ field: 'currency', op: 'is-null' })) },
        },
      },
      {
        query: {
          table: 'rates',
          where: {
            or: Array.from({ length: 60 }, () => ({
              and: [
                { field: 'currency', op: 'is-null' },
                { field: 'currency', op: 'not-null' },
                { field: 'rate', op: 'is-null' },
              ],
            })),
          },
        },
      },
    ];
    const badOther: { type: 'message' | 'import-response' | 'receipt' | 'error'; body: unknown; inReplyTo?: string }[] =
      [
        { type: 'message', body: { text: 42 } },
        { type: 'message', body: { text: 'x', extra: 1 } },
        { type: 'message', body: { text: 'x'.repeat(100_001) } },
        { type: 'message', body: [] },
        { type: 'import-response', body: table('rates'), inReplyTo: 'sdc_none' },
        { type: 'import-response', body: { truncated: 'no' } },
        { type: 'receipt', body: { for: 'sdc_none', digest: 'A'.repeat(43), rows: 1 }, inReplyTo: 'sdc_none' },
        { type: 'error', body: { for: 'sdc_none', code: 'ERR_X', reason: 'r' }, inReplyTo: 'sdc_none' },
        { type: 'error', body: { code: 1 } },
      ];
    const VALID_BAD = Math.min(2000, Math.max(300, Math.floor(TOTAL * 0.02)));
    const validBad: { to: SdcTestParty; bytes: Uint8Array; kind: string }[] = [];
    const stranger = await net.pki.issue('CN=agency-z');
    const rogue = await (await createTestPki({ name: 'rogue' })).issue(`CN=${a.id}`);
    // Two huge arrays (10,001 rows; 201 columns above), sealed once each.
    validBad.push({
      to: hub,
      kind: 'valid crypto, huge array',
      bytes: await seal(
        a,
        hub,
        'export',
        table(
          'transfers',
          Array.from({ length: 10_001 }, (_, i) => good(i)),
        ),
      ),
    });
    validBad.push({
      to: hub,
      kind: 'valid crypto, huge array',
      bytes: await seal(a, hub, 'import-request', {
        query: { table: 'rates', fields: Array.from({ length: 5000 }, () => 'rate') },
      }),
    });
    for (let i = validBad.length; i < VALID_BAD; i++) {
      const k = i % 20;
      if (k < 9)
        validBad.push({
          to: hub,
          kind: 'valid crypto, bad export body',
          bytes: await seal(a, hub, 'export', badExports[i % badExports.length]),
        });
      else if (k < 15)
        validBad.push({
          to: hub,
          kind: 'valid crypto, bad query',
          bytes: await seal(a, hub, 'import-request', badQueries[i % badQueries.length]),
        });
      else if (k < 17) {
        const o = badOther[i % badOther.length] as (typeof badOther)[number];
        validBad.push({
          to: hub,
          kind: 'valid crypto, bad body (other types)',
          bytes: await seal(a, hub, o.type, o.body, { inReplyTo: o.inReplyTo }),
        });
      } else if (k === 17) {
        const o = badOther[i % badOther.length] as (typeof badOther)[number];
        validBad.push({
          to: a,
          kind: 'valid crypto, bad body (other types)',
          bytes: await seal(hub, a, o.type, o.body, { inReplyTo: o.inReplyTo }),
        });
      } else if (k === 18) {
        // old sequence numbers: replays
        validBad.push({
          to: hub,
          kind: 'valid crypto, replayed sequence',
          bytes: await seal(a, hub, 'message', { text: 'old' }, { sequence: 1n }),
        });
      } else {
        const rogueOrStranger = i % 2 === 0;
        validBad.push({
          to: hub,
          kind: 'valid crypto, wrong party',
          bytes: await seal(
            a,
            hub,
            'message',
            { text: 'who' },
            rogueOrStranger ? { signer: rogue } : { signer: stranger, sender: 'agency-z' },
          ),
        });
      }
    }
    const sealedIn = Date.now() - started;

    const EXCLUDE = ['sdc_intake_log', 'sdc_outbox', 'sdc_sequences'];
    const digests = async () =>
      Promise.all([hub, ...net.agencies].map((p) => digestStore(p.store, { exclude: EXCLUDE })));
    const before = await digests();
    const fullB = await digestStore((net.agencies[1] as SdcTestParty).store);
    const outboxBefore = await Promise.all([hub, a].map((p) => p.service.outbox.countPending()));
    const logBefore = await Promise.all(
      [hub, a].map(async (p) =>
        Number((await p.store.query<{ n: bigint }>('select count(*) as n from sdc_intake_log'))[0]?.n),
      ),
    );

    const byCode = new Map<string, number>();
    const byKind = new Map<string, number>();
    const refused = [0, 0];
    const unexpected: string[] = [];
    let fed = 0;
    let toAgency = 0;
    const tally = (to: SdcTestParty, o: IntakeOutcome, kind: string) => {
      fed++;
      if (to === a) toAgency++;
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
      if (o.status !== 'rejected' && o.status !== 'refused') {
        unexpected.push(`${kind}: ${o.status}`);
        return;
      }
      if (!KNOWN_CODES.has(o.code)) unexpected.push(`${kind}: untyped ${o.code} (${o.reason})`);
      if (o.status === 'refused') refused[to === hub ? 0 : 1]++;
      const key = `${o.status} ${o.code}`;
      byCode.set(key, (byCode.get(key) ?? 0) + 1);
    };
    // Inputs go in batches (receiveMany: the rejections' log lines written together before it returns).
    const batches = new Map<SdcTestParty, { bytes: Uint8Array; kind: string }[]>([
      [hub, []],
      [a, []],
    ]);
    const flush = async (to: SdcTestParty) => {
      const batch = batches.get(to) as { bytes: Uint8Array; kind: string }[];
      if (batch.length === 0) return;
      batches.set(to, []);
      let outcomes: IntakeOutcome[];
      try {
        outcomes = await to.service.receiveMany(batch.map((x) => ({ bytes: x.bytes, source: `fuzz:${x.kind}` })));
      } catch (e) {
        unexpected.push(`batch threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
        return;
      }
      for (const [i, o] of outcomes.entries()) tally(to, o, (batch[i] as { kind: string }).kind);
    };
    const feed = async (to: SdcTestParty, bytes: Uint8Array, kind: string) => {
      const batch = batches.get(to) as { bytes: Uint8Array; kind: string }[];
      batch.push({ bytes, kind });
      if (batch.length >= 500) await flush(to);
    };

    // The expensive ones first, then the cheap path for the rest.
    for (const v of validBad) await feed(v.to, v.bytes, v.kind);
    await flush(hub);
    await flush(a);
    const validDone = Date.now() - started;
    const OVERSIZED = 8;
    for (let i = 0; i < OVERSIZED; i++) {
      const big = new Uint8Array(16 * 1024 * 1024 + 1 + i * 4099);
      big.set((hubSeeds[0] as Uint8Array).subarray(0, 64));
      await feed(hub, big, 'oversized');
    }
    const rest = TOTAL - validBad.length - OVERSIZED;
    for (let i = 0; i < rest; i++) {
      const to = i % 5 === 4 ? a : hub;
      const seeds = to === hub ? hubSeeds : agencySeeds;
      const seed = r.pick(seeds);
      const k = r.int(100);
      let input: { kind: string; bytes: Uint8Array };
      if (k < 62) input = mutate(r, seed, r.pick([...hubSeeds, ...agencySeeds]));
      else if (k < 74) input = { kind: 'truncations', bytes: seed.slice(0, r.int(seed.length)) };
      else if (k < 86) {
        const n = r.pick([0, 1, 2, 16, 100, 1000, 5000, 20_000]);
        const b = r.bytes(n);
        if (n > 0 && r.int(2) === 0) b[0] = 0x30;
        input = { kind: 'random bytes', bytes: b };
      } else if (k < 91) {
        // a DER header that claims more than the limit
        const claimed = r.pick([16 * 1024 * 1024 + 1, 0x7fffffff, 0xffffffff, 2 ** 40]);
        const len =
          claimed > 0xffffffff
            ? Uint8Array.of(0x85, 1, 0, 0, 0, 0)
            : Uint8Array.of(
                0x84,
                (claimed >>> 24) & 0xff,
                (claimed >>> 16) & 0xff,
                (claimed >>> 8) & 0xff,
                claimed & 0xff,
              );
        input = { kind: 'oversized length', bytes: concat(Uint8Array.of(0x30), len, seed.subarray(2, 200)) };
      } else if (k < 97) input = { kind: 'deeply nested ASN.1', bytes: deepAsn1(r, r.pick([33, 64, 200, 1000, 5000])) };
      else input = { kind: 'deeply nested ASN.1', bytes: indefinite(r.pick([40, 500, 5000])) };
      if (
        seeds.some(
          (s) => s.length === input.bytes.length && Buffer.compare(Buffer.from(s), Buffer.from(input.bytes)) === 0,
        )
      ) {
        input = { kind: input.kind, bytes: input.bytes.slice(1) };
      }
      await feed(to, input.bytes, input.kind);
    }
    await flush(hub);
    await flush(a);
    const elapsed = Date.now() - started;

    const after = await digests();
    const outboxAfter = await Promise.all([hub, a].map((p) => p.service.outbox.countPending()));
    const logAfter = await Promise.all(
      [hub, a].map(async (p) =>
        Number((await p.store.query<{ n: bigint }>('select count(*) as n from sdc_intake_log'))[0]?.n),
      ),
    );
    const errorsQueued = await Promise.all(
      [hub, a].map(async (p) =>
        Number(
          (
            await p.store.query<{ n: bigint }>(
              `select count(*) as n from sdc_outbox where sent_at is null and type = 'error'`,
            )
          )[0]?.n,
        ),
      ),
    );

    const lines = [
      `intake fuzz: ${fed.toLocaleString('en')} inputs (${(fed - toAgency).toLocaleString('en')} to the hub, ${toAgency.toLocaleString('en')} to an agency), seed ${SEED}, in ${(elapsed / 1000).toFixed(1)} s (sealing ${validBad.length.toLocaleString('en')} valid containers: ${(sealedIn / 1000).toFixed(1)} s, feeding them: ${((validDone - sealedIn) / 1000).toFixed(1)} s; load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')})`,
      'by kind:',
      ...[...byKind].sort((x, y) => y[1] - x[1]).map(([k, n]) => `  ${n.toString().padStart(7)}  ${k}`),
      'by outcome and code:',
      ...[...byCode].sort((x, y) => y[1] - x[1]).map(([k, n]) => `  ${n.toString().padStart(7)}  ${k}`),
      `stores: digests unchanged ${before.every((d, i) => d === after[i])}; error containers queued (hub, agency): ${errorsQueued.join(', ')}`,
    ];
    console.log(lines.join('\n'));

    expect(unexpected.slice(0, 20)).toEqual([]);
    expect(fed).toBe(TOTAL);
    expect(fed).toBeGreaterThanOrEqual(Math.min(TOTAL, 100_000));
    expect(after).toEqual(before);
    expect(await digestStore((net.agencies[1] as SdcTestParty).store)).toBe(fullB);
    // Every input logged once; the outboxes grew by exactly the error containers answering refusals.
    expect(logAfter[0] - (logBefore[0] as number)).toBe(fed - toAgency);
    expect(logAfter[1] - (logBefore[1] as number)).toBe(toAgency);
    expect(outboxAfter[0] - (outboxBefore[0] as number)).toBe(refused[0]);
    expect(outboxAfter[1] - (outboxBefore[1] as number)).toBe(refused[1]);
    expect(errorsQueued[0]).toBe(refused[0]);
    expect(byCode.get('rejected ERR_SDC_INTAKE_FAILED')).toBeUndefined();
  }, 900_000);
});
