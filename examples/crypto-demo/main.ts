// `npm run demo` (until the commerce demo exists): the crypto engine and the store at work.
// Alice and Bob get identities; Alice seals a container for Bob (signed, then encrypted); Bob opens it
// and checks Alice's signature; OpenSSL independently decrypts and verifies the same bytes; the
// opened result is recorded in an embedded PostgreSQL (PGlite) database.
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdentity, openContainer, packIdentity, sealContainer, TrustStore, unpackIdentity } from '@semper/crypto';
import { openStore } from '@semper/store';

const step = (n: number, text: string) => console.log(`\n[${n}] ${text}`);
const work = mkdtempSync(join(tmpdir(), 'semper-demo-'));

try {
  step(1, 'Alice (EC P-256) and Bob (RSA-2048) create identities');
  const alice = await createIdentity({
    subject: 'CN=Alice Merchant,O=semper demo',
    key: { type: 'ec', curve: 'P-256' },
  });
  const bob = await createIdentity({
    subject: 'CN=Bob Buyer,O=semper demo',
    key: { type: 'rsa', modulusLength: 2048 },
  });
  console.log(`    ${alice.certificate.subject}  serial ${alice.certificate.serialNumber}`);
  console.log(`    ${bob.certificate.subject}  serial ${bob.certificate.serialNumber}`);

  step(2, "Bob's identity is stored in a passphrase-protected file and read back");
  const packed = await packIdentity(bob, 'correct horse battery staple');
  writeFileSync(join(work, 'bob.identity.pem'), packed);
  const bobAgain = await unpackIdentity(packed, 'correct horse battery staple');
  console.log(`    ${packed.split('\n')[0]} ... (${packed.length} bytes), reopened: ${bobAgain.certificate.subject}`);

  step(3, 'Alice seals an offer for Bob: CMS SignedData inside AuthEnvelopedData (AES-256-GCM)');
  const offer = new TextEncoder().encode(JSON.stringify({ item: 'A Hitchhiker’s Guide', price: '42.00 EUR' }));
  const sealed = await sealContainer(offer, { signer: alice, recipients: [bob.certificate] });
  writeFileSync(join(work, 'offer.sdc.der'), sealed);
  console.log(`    ${sealed.length} bytes sealed`);

  step(4, 'Bob opens it: decrypts with his key, verifies the signature against the anchor he trusts (Alice)');
  const opened = await openContainer(sealed, { identity: bobAgain, trust: new TrustStore([alice.certificate]) });
  console.log(`    content: ${new TextDecoder().decode(opened.content)}`);
  console.log(`    signed by ${opened.signer.subject} at ${opened.signingTime?.toISOString()}`);

  step(5, 'Tampering is detected: one byte changed');
  const tampered = new Uint8Array(sealed);
  tampered[tampered.length - 20] ^= 0x01;
  try {
    await openContainer(tampered, { identity: bobAgain, trust: new TrustStore([alice.certificate]) });
    throw new Error('tampered container opened — this must not happen');
  } catch (err) {
    console.log(`    rejected: ${(err as Error).name} ${(err as { code?: string }).code}`);
  }

  step(6, 'OpenSSL, independently: openssl cms -decrypt, then openssl cms -verify');
  writeFileSync(join(work, 'bob.key.pem'), bob.privateKey.toPem());
  writeFileSync(join(work, 'bob.crt.pem'), bob.certificate.toPem());
  writeFileSync(join(work, 'alice.crt.pem'), alice.certificate.toPem());
  try {
    const sh = (args: string[]) => execFileSync('openssl', args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    sh([
      'cms',
      '-decrypt',
      '-binary',
      '-inform',
      'DER',
      '-in',
      'offer.sdc.der',
      '-recip',
      'bob.crt.pem',
      '-inkey',
      'bob.key.pem',
      '-out',
      'offer.signed.der',
    ]);
    const verified = sh([
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      'offer.signed.der',
      '-CAfile',
      'alice.crt.pem',
    ]);
    console.log(`    openssl verified: ${verified.toString('utf8')}`);
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer };
    if (e.code === 'ENOENT') console.log('    openssl is not installed here: this check was not run');
    else throw new Error(`openssl could not open the container: ${e.stderr?.toString() ?? err}`);
  }

  step(7, 'The result is recorded in the embedded database (PGlite)');
  const store = await openStore(`pglite:${join(work, 'db')}`);
  try {
    await store.exec(
      'CREATE TABLE IF NOT EXISTS opened (id serial PRIMARY KEY, signer text NOT NULL, bytes int NOT NULL)',
    );
    await store.transaction(async (tx) => {
      await tx.query('INSERT INTO opened (signer, bytes) VALUES ($1, $2)', [
        opened.signer.subject,
        opened.content.length,
      ]);
    });
    const rows = await store.query<{ signer: string; bytes: number }>('SELECT signer, bytes FROM opened');
    console.log(`    ${rows.length} row(s): ${JSON.stringify(rows)}`);
  } finally {
    await store.close();
  }
  console.log('\ndemo complete.');
} finally {
  rmSync(work, { recursive: true, force: true });
}
