// Builds containers the format code would refuse to seal (another version, a swapped header, a bad
// signature, non-canonical content…), from the engine's primitives, to test that openSdc refuses them.
import { type Certificate, encryptData, type Identity, signData } from '@semper/crypto';
import { canonicalBytes } from '@semper/statements';
import { SDC_ECONTENT_TYPE, withClearHeader } from './container.js';

export interface ForgeOptions {
  /** The exact bytes that are signed; default the canonical JSON of `{ body, header }`. */
  readonly content?: Uint8Array;
  readonly header?: unknown;
  readonly body?: unknown;
  /** The exact bytes of the clear header; default the canonical JSON of `header`. */
  readonly clearHeader?: Uint8Array;
  readonly signer: Identity;
  readonly recipient: Certificate;
  /** eContentType; default id-ct-semperSdc. */
  readonly contentType?: string;
  /** Change the SignedData DER before it is encrypted. */
  readonly tamperSigned?: (der: Uint8Array) => Uint8Array;
}

export async function forgeSdc(o: ForgeOptions): Promise<Uint8Array> {
  const content = o.content ?? canonicalBytes({ body: o.body ?? {}, header: o.header });
  let signed = await signData(content, { signer: o.signer, contentType: o.contentType ?? SDC_ECONTENT_TYPE });
  if (o.tamperSigned !== undefined) signed = o.tamperSigned(new Uint8Array(signed));
  const enveloped = await encryptData(signed, { recipients: [o.recipient], contentEncryption: 'AES-256-GCM' });
  return withClearHeader(enveloped, o.clearHeader ?? canonicalBytes(o.header));
}

/** A header that passes the schema. */
export function validHeader(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    format: 'semper-sdc/1',
    id: 'sdc_forged_1',
    type: 'message',
    sender: 'agency-1',
    recipient: 'hub',
    createdAt: '2026-12-01T10:00:00.000Z',
    sequence: '1',
    ...over,
  };
}

/** Whether a JSON value has a member named `__proto__` (an own property, as JSON.parse makes it) anywhere. */
export const hasProtoMember = (v: unknown): boolean =>
  v !== null &&
  typeof v === 'object' &&
  ((!Array.isArray(v) && Object.hasOwn(v, '__proto__')) || Object.values(v).some(hasProtoMember));
