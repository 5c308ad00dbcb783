// A small PKI made with openssl for the CLI's tests: a CA, EC and RSA leaves, and an unrelated CA.
import { randomBytes } from 'node:crypto';
import { opensslOk, type Scratch } from '../../../test/support/openssl.js';

export type KeyKind = 'ec' | 'rsa';

export async function makeCa(s: Scratch, name: string): Promise<void> {
  await opensslOk(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-subj',
      `/CN=${name}`,
      '-days',
      '30',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    { cwd: s.dir },
  );
}

/** `<name>.key` and `<name>.pem`, issued by `ca`, with `emailAddress` `<name>@example.com` in the subject. */
export async function makeLeaf(s: Scratch, name: string, kind: KeyKind, ca: string): Promise<void> {
  const newkey = kind === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  await opensslOk(
    [
      'req',
      '-new',
      ...newkey,
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-subj',
      `/CN=${name}/emailAddress=${name}@example.com`,
      '-out',
      `${name}.csr`,
    ],
    { cwd: s.dir },
  );
  const usage = kind === 'ec' ? 'digitalSignature,keyAgreement' : 'digitalSignature,keyEncipherment';
  await s.write(
    `${name}.ext`,
    `basicConstraints=CA:FALSE\nkeyUsage=critical,${usage}\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n`,
  );
  await opensslOk(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.pem`,
      '-CAkey',
      `${ca}.key`,
      '-set_serial',
      `0x${randomBytes(8).toString('hex')}`,
      '-days',
      '30',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    ],
    { cwd: s.dir },
  );
}

/**
 * Makes, in `s`: `ca.pem`/`ca.key`; leaves `alice` (EC P-256) and `bob` (RSA 2048) issued by it; `other-ca.pem`
 * (trusted by nobody) and `mallory` (EC) issued by it.
 */
export async function makePki(s: Scratch): Promise<void> {
  await Promise.all([makeCa(s, 'ca'), makeCa(s, 'other-ca')]);
  await Promise.all([
    makeLeaf(s, 'alice', 'ec', 'ca'),
    makeLeaf(s, 'bob', 'rsa', 'ca'),
    makeLeaf(s, 'mallory', 'ec', 'other-ca'),
  ]);
}

/** Flips one byte of `bytes` at the first occurrence of `marker` (e.g. inside the signed content). */
export function tamper(bytes: Uint8Array, marker: string): Buffer {
  const out = Buffer.from(bytes);
  const at = out.indexOf(Buffer.from(marker));
  if (at < 0) throw new Error(`marker ${marker} not found`);
  out[at] ^= 0x01;
  return out;
}
