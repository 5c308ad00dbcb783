// The must-show at the format level: every container sealSdc writes opens with `openssl cms -decrypt`
// then `openssl cms -verify` (OpenSSL 3.0), in each of its three forms (DER, armoured `.sdc`, S/MIME),
// to EC and RSA recipients; what OpenSSL outputs is exactly the canonical JSON of { body, header }; the
// clear header is the unauthenticated attribute OpenSSL prints; and a changed byte fails in OpenSSL too.
import type { Identity } from '@semper/crypto';
import { createTestPki, type TestPki } from '@semper/crypto/testing';
import { canonicalBytes } from '@semper/statements';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, opensslOk, type Scratch, scratch } from '../../../../test/support/openssl.js';
import { inspectSdc, SDC_HEADER_ATTRIBUTE, sealSdc } from './container.js';
import { SDC_TYPES } from './header.js';
import { armorSdc, toSmime } from './text.js';

let pki: TestPki;
let agency: Identity;
let hubEc: Identity;
let hubRsa: Identity;
let s: Scratch;
let n = 0;

beforeAll(async () => {
  [pki, s] = await Promise.all([createTestPki(), scratch('semper-sdc-openssl-')]);
  agency = await pki.issue('CN=agency-1, O=Example Transfers');
  hubEc = await pki.issue('CN=hub, O=Example Transfers');
  hubRsa = await pki.issue('CN=hub, O=Example Transfers', { key: { type: 'rsa', modulusLength: 2048 } });
  await s.write('root.pem', pki.root.certificate.toPem());
  for (const [name, id] of [
    ['hub-ec', hubEc],
    ['hub-rsa', hubRsa],
  ] as const) {
    await s.write(`${name}.pem`, id.certificate.toPem());
    await s.write(`${name}.key`, id.privateKey.toPem());
  }
});

afterAll(async () => {
  await s?.dispose();
});

type Form = 'DER' | 'armoured' | 'SMIME';

/** `openssl cms -decrypt` then `openssl cms -verify -CAfile root.pem`; the verified content, or the failing step. */
async function opensslOpen(
  bytes: Uint8Array,
  recip: string,
  form: Form,
): Promise<{ ok: true; content: Buffer } | { ok: false; step: string }> {
  const k = ++n;
  const decryptIn: string[] = [];
  if (form === 'DER') {
    await s.write(`c${k}.der`, bytes);
    decryptIn.push('-inform', 'DER', '-in', `c${k}.der`);
  } else if (form === 'SMIME') {
    await s.write(`c${k}.eml`, toSmime(bytes, { Subject: `SDC ${k}` }));
    decryptIn.push('-inform', 'SMIME', '-in', `c${k}.eml`);
  } else {
    // An armoured file is base64 between the BEGIN/END lines: `openssl base64 -d` after dropping them.
    const armoured = armorSdc(bytes);
    await s.write(`c${k}.sdc`, armoured);
    await s.write(`c${k}.b64`, `${armoured.split('\n').slice(1, -2).join('\n')}\n`);
    await opensslOk(['base64', '-d', '-in', `c${k}.b64`, '-out', `c${k}.der`], { cwd: s.dir });
    decryptIn.push('-inform', 'DER', '-in', `c${k}.der`);
  }
  const dec = await openssl(
    [
      'cms',
      '-decrypt',
      '-binary',
      ...decryptIn,
      '-recip',
      `${recip}.pem`,
      '-inkey',
      `${recip}.key`,
      '-out',
      `s${k}.der`,
    ],
    { cwd: s.dir },
  );
  if (dec.code !== 0) return { ok: false, step: 'decrypt' };
  const ver = await openssl(
    ['cms', '-verify', '-binary', '-inform', 'DER', '-in', `s${k}.der`, '-CAfile', 'root.pem', '-out', `v${k}.json`],
    {
      cwd: s.dir,
    },
  );
  if (ver.code !== 0) return { ok: false, step: 'verify' };
  return { ok: true, content: await s.read(`v${k}.json`) };
}

describe('every sealed container opens with openssl cms -decrypt then -verify', () => {
  it('each type, each form, EC and RSA recipients: OpenSSL outputs the canonical { body, header }', async () => {
    let checked = 0;
    for (const [recip, id] of [
      ['hub-ec', hubEc],
      ['hub-rsa', hubRsa],
    ] as const) {
      for (const type of SDC_TYPES) {
        const body = { type, rows: [{ Numero: 1, Status: 2, name: 'Zoë', amount: '10.50' }], n: [1, 2.5, -0, 1e21] };
        const bytes = await sealSdc(
          { header: { type, sequence: BigInt(checked + 1) }, body },
          { signer: agency, recipient: id.certificate },
        );
        const expected = Buffer.from(canonicalBytes({ body, header: inspectSdc(bytes).header }));
        for (const form of ['DER', 'armoured', 'SMIME'] as const) {
          const r = await opensslOpen(bytes, recip, form);
          expect(r, `${recip} ${type} ${form}`).toMatchObject({ ok: true });
          if (r.ok) expect(r.content.equals(expected), `${recip} ${type} ${form}`).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBe(2 * SDC_TYPES.length * 3);
  });

  it('openssl cms -cmsout -print shows the clear header as the unauthenticated attribute', async () => {
    const bytes = await sealSdc(
      { header: { type: 'message', sequence: 1, id: 'sdc_print_me' }, body: {} },
      { signer: agency, recipient: hubEc.certificate },
    );
    await s.write('print.der', bytes);
    const out = (
      await opensslOk(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', 'print.der'], { cwd: s.dir })
    ).toString('utf8');
    expect(out).toContain('unauthAttrs:');
    expect(out).toContain(SDC_HEADER_ATTRIBUTE);
    expect(out).toContain('"id":"sdc_print_me"');
  });

  it('a changed byte of the ciphertext fails in OpenSSL too', async () => {
    const bytes = await sealSdc(
      { header: { type: 'message', sequence: 1 }, body: { x: 1 } },
      { signer: agency, recipient: hubEc.certificate },
    );
    const bad = new Uint8Array(bytes);
    const at = Math.floor((bytes.length - inspectSdc(bytes).sizes.header) * 0.75);
    bad[at] = (bad[at] as number) ^ 0x01;
    const r = await opensslOpen(bad, 'hub-ec', 'DER');
    expect(r.ok).toBe(false);
  });
});
