import type { webcrypto } from 'node:crypto';
// The peer: a straightforward pkijs implementation of the same seal+open round trip
// (SignedData with content-type, signing-time and message-digest attributes, ECDSA P-256 / SHA-256;
// EnvelopedData to an EC P-256 recipient with ECDH + SHA-256 KDF + AES key wrap, AES-256-GCM content),
// written the way pkijs's own examples write it.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

pkijs.setEngine(
  'node',
  new pkijs.CryptoEngine({
    name: 'node',
    crypto: globalThis.crypto as unknown as ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'],
  }),
);

export interface PkijsParty {
  certificate: pkijs.Certificate;
  /** ECDSA signing key (for the signer). */
  signingKey: webcrypto.CryptoKey;
  /** PKCS#8 of the private key (pkijs imports it for ECDH when decrypting). */
  pkcs8: ArrayBuffer;
}

export function pkijsParty(certDer: Uint8Array, signingKey: webcrypto.CryptoKey, pkcs8: Uint8Array): PkijsParty {
  return {
    certificate: pkijs.Certificate.fromBER(new Uint8Array(certDer)),
    signingKey,
    pkcs8: new Uint8Array(pkcs8).buffer as ArrayBuffer, // a copy: a Buffer may be a view of a shared pool
  };
}

export async function pkijsSeal(content: Uint8Array, signer: PkijsParty, recipient: PkijsParty): Promise<ArrayBuffer> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', content);
  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({
      eContentType: pkijs.ContentInfo.DATA,
      eContent: new asn1js.OctetString({ valueHex: content }),
    }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({
          issuer: signer.certificate.issuer,
          serialNumber: signer.certificate.serialNumber,
        }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({
          type: 0,
          attributes: [
            new pkijs.Attribute({
              type: '1.2.840.113549.1.9.3',
              values: [new asn1js.ObjectIdentifier({ value: pkijs.ContentInfo.DATA })],
            }),
            new pkijs.Attribute({
              type: '1.2.840.113549.1.9.5',
              values: [new asn1js.UTCTime({ valueDate: new Date() })],
            }),
            new pkijs.Attribute({
              type: '1.2.840.113549.1.9.4',
              values: [new asn1js.OctetString({ valueHex: digest })],
            }),
          ],
        }),
      }),
    ],
    certificates: [signer.certificate],
  });
  await signedData.sign(signer.signingKey, 0, 'SHA-256');
  const signed = new pkijs.ContentInfo({
    contentType: pkijs.ContentInfo.SIGNED_DATA,
    content: signedData.toSchema(true),
  })
    .toSchema()
    .toBER(false);

  const enveloped = new pkijs.EnvelopedData();
  enveloped.addRecipientByCertificate(recipient.certificate, { kdfAlgorithm: 'SHA-256' }, 2);
  await enveloped.encrypt({ name: 'AES-GCM', length: 256 } as Parameters<typeof enveloped.encrypt>[0], signed);
  return new pkijs.ContentInfo({ contentType: pkijs.ContentInfo.ENVELOPED_DATA, content: enveloped.toSchema() })
    .toSchema()
    .toBER(false);
}

export async function pkijsOpen(sealed: ArrayBuffer, recipient: PkijsParty): Promise<Uint8Array> {
  const outer = pkijs.ContentInfo.fromBER(sealed);
  const enveloped = new pkijs.EnvelopedData({ schema: outer.content });
  const signedBytes = await enveloped.decrypt(0, {
    recipientCertificate: recipient.certificate,
    recipientPrivateKey: recipient.pkcs8,
  });
  const inner = pkijs.ContentInfo.fromBER(signedBytes);
  const signedData = new pkijs.SignedData({ schema: inner.content });
  const result = await signedData.verify({ signer: 0, checkChain: false, extendedMode: true });
  if (!result.signatureVerified) throw new Error('pkijs: signature did not verify');
  const eContent = signedData.encapContentInfo.eContent;
  if (!eContent) throw new Error('pkijs: no content');
  return new Uint8Array(eContent.getValue());
}
