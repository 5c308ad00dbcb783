// `npm run bench` (CMS part): seal+open round trips per second for 1 KiB and 100 KiB contents with an
// EC P-256 signer and an EC P-256 recipient, next to (a) the sum of the raw WebCrypto primitive costs one
// round trip needs and (b) a straightforward pkijs implementation of the same round trip — all measured
// in this run. Writes bench/results/cms.json.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createIdentity, openContainer, sealContainer, TrustStore } from '@semper/crypto';
import { measure, median, round } from './measure.js';
import { pkijsOpen, pkijsParty, pkijsSeal } from './pkijs-peer.js';
import { measureRawPrimitives } from './raw-primitives.js';

const here = dirname(fileURLToPath(import.meta.url));
const minMs = Number(process.env.BENCH_MIN_MS ?? 5000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

export interface CmsCase {
  size: number;
  roundTripsPerSec: number;
  rawPrimitiveUs: number;
  pkijsRoundTripsPerSec: number;
  ratioToRaw: number;
  speedupVsPkijs: number;
}

export async function runCmsBench(): Promise<{ cases: CmsCase[] }> {
  const signer = await createIdentity({ subject: 'CN=Bench Signer', key: { type: 'ec', curve: 'P-256' } });
  const recipient = await createIdentity({ subject: 'CN=Bench Recipient', key: { type: 'ec', curve: 'P-256' } });
  const trust = new TrustStore([signer.certificate]);
  const pkSigner = pkijsParty(
    signer.certificate.der,
    await signer.privateKey.cryptoKey('sign', 'SHA-256'),
    signer.privateKey.toPkcs8(),
  );
  const pkRecipient = pkijsParty(
    recipient.certificate.der,
    await recipient.privateKey.cryptoKey('sign', 'SHA-256'),
    recipient.privateKey.toPkcs8(),
  );

  const cases: CmsCase[] = [];
  for (const size of [1024, 100 * 1024]) {
    const content = new Uint8Array(randomBytes(size));
    // Correctness first: both implementations must round-trip this content.
    const sealed = await sealContainer(content, { signer, recipients: [recipient.certificate] });
    const opened = await openContainer(sealed, { identity: recipient, trust });
    if (!Buffer.from(opened.content).equals(Buffer.from(content))) throw new Error('semper round trip mismatch');
    const pkOpened = await pkijsOpen(await pkijsSeal(content, pkSigner, pkRecipient), pkRecipient);
    if (!Buffer.from(pkOpened).equals(Buffer.from(content))) throw new Error('pkijs round trip mismatch');

    const signedOverhead = sealed.length - size; // what the SignedData and envelope add around the content
    // The three are measured in interleaved rounds (semper, pkijs, raw, semper, …) and each figure is the
    // median over the rounds, so that a slow stretch of the machine weighs on all three alike.
    const semperUs: number[] = [];
    const pkijsUs: number[] = [];
    const rawUs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const slice = { minMs: minMs / rounds, warmup: r === 0 ? 20 : 5 };
      semperUs.push(
        (
          await measure(async () => {
            const s = await sealContainer(content, { signer, recipients: [recipient.certificate] });
            await openContainer(s, { identity: recipient, trust });
          }, slice)
        ).meanUs,
      );
      pkijsUs.push(
        (await measure(async () => pkijsOpen(await pkijsSeal(content, pkSigner, pkRecipient), pkRecipient), slice))
          .meanUs,
      );
      rawUs.push(
        (await measureRawPrimitives(size, signedOverhead, { minMs: Math.max(100, minMs / rounds / 8) })).totalUs,
      );
    }
    const semper = median(semperUs);
    const pkijs = median(pkijsUs);
    const raw = median(rawUs);
    const c: CmsCase = {
      size,
      roundTripsPerSec: round(1e6 / semper, 1),
      rawPrimitiveUs: round(raw, 1),
      pkijsRoundTripsPerSec: round(1e6 / pkijs, 1),
      ratioToRaw: round(semper / raw, 2),
      speedupVsPkijs: round(pkijs / semper, 2),
    };
    cases.push(c);
    console.log(
      `CMS seal+open ${String(size).padStart(6)} B: semper ${c.roundTripsPerSec}/s (${round(semper, 0)} µs) | ` +
        `raw primitives ${c.rawPrimitiveUs} µs -> ratio to raw ${c.ratioToRaw}x | ` +
        `pkijs ${c.pkijsRoundTripsPerSec}/s -> speed-up ${c.speedupVsPkijs}x`,
    );
  }
  const result = { cases };
  const out = join(here, 'results', 'cms.json');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${out}`);
  return result;
}
