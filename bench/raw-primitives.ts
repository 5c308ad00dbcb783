// The physical limit of the seal+open design: the sum of the raw WebCrypto operations one round trip
// needs (EC P-256 signer, EC P-256 recipient, AES-256-GCM content encryption, ECDH + X9.63 KDF with
// SHA-256 + AES-256 key wrap), each measured alone on the same machine in the same run.
import { randomBytes } from 'node:crypto';
import { type Measurement, measure } from './measure.js';

const subtle = globalThis.crypto.subtle;

export interface RawPrimitiveCosts {
  totalUs: number;
  parts: Record<string, number>;
}

/**
 * `contentSize` is the size of the signed content; the encrypted payload is the SignedData around it
 * (content + roughly `signedOverhead` bytes of certificates, attributes and signature).
 */
export async function measureRawPrimitives(
  contentSize: number,
  signedOverhead: number,
  opts?: { minMs?: number },
): Promise<RawPrimitiveCosts> {
  const content = new Uint8Array(randomBytes(contentSize));
  const payload = new Uint8Array(randomBytes(contentSize + signedOverhead));
  const signedAttrs = globalThis.crypto.getRandomValues(new Uint8Array(110));
  const sharedInfo = globalThis.crypto.getRandomValues(new Uint8Array(4 + 32 + 20));

  const signer = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const recipient = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const recipientSpki = new Uint8Array(await subtle.exportKey('spki', recipient.publicKey));
  const signature = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, signer.privateKey, signedAttrs);
  const eph = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const kekBytes = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const kek = await subtle.importKey('raw', kekBytes, 'AES-KW', false, ['wrapKey', 'unwrapKey']);
  const cek = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
  const wrapped = await subtle.wrapKey('raw', cek, kek, 'AES-KW');
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await subtle.encrypt({ name: 'AES-GCM', iv }, cek, payload);

  const m = (op: () => Promise<unknown>): Promise<Measurement> => measure(op, { minMs: opts?.minMs ?? 600 });
  const parts: Record<string, number> = {};
  const add = async (name: string, times: number, op: () => Promise<unknown>) => {
    parts[name] = (await m(op)).meanUs * times;
  };
  // Seal: digest the content, sign the signed attributes, make a CEK, encrypt, agree a KEK, wrap the CEK.
  await add('sha256(content) x2 (sign, verify)', 2, () => subtle.digest('SHA-256', content));
  await add('ecdsa-p256 sign', 1, () =>
    subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, signer.privateKey, signedAttrs),
  );
  await add('ecdsa-p256 verify', 1, () =>
    subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, signer.publicKey, signature, signedAttrs),
  );
  await add('import recipient spki', 1, () =>
    subtle.importKey('spki', recipientSpki, { name: 'ECDH', namedCurve: 'P-256' }, false, []),
  );
  await add('ecdh-p256 ephemeral keygen', 1, () =>
    subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']),
  );
  await add('export ephemeral public key', 1, () => subtle.exportKey('raw', eph.publicKey));
  await add('ecdh-p256 derive x2 (seal, open)', 2, () =>
    subtle.deriveBits({ name: 'ECDH', public: recipient.publicKey }, eph.privateKey, 256),
  );
  await add('x9.63 kdf sha256 x2', 2, () => subtle.digest('SHA-256', sharedInfo));
  await add('import kek x2', 2, () => subtle.importKey('raw', kekBytes, 'AES-KW', false, ['wrapKey', 'unwrapKey']));
  await add('generate cek', 1, () =>
    subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']),
  );
  await add('aes-kw wrap', 1, () => subtle.wrapKey('raw', cek, kek, 'AES-KW'));
  await add('aes-kw unwrap', 1, () =>
    subtle.unwrapKey('raw', wrapped, kek, 'AES-KW', { name: 'AES-GCM', length: 256 }, false, ['decrypt']),
  );
  await add('aes-256-gcm encrypt', 1, () => subtle.encrypt({ name: 'AES-GCM', iv }, cek, payload));
  await add('aes-256-gcm decrypt', 1, () => subtle.decrypt({ name: 'AES-GCM', iv }, cek, ciphertext));
  const totalUs = Object.values(parts).reduce((a, b) => a + b, 0);
  return { totalUs, parts };
}
