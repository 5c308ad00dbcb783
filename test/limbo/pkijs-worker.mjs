// Runs one x509-limbo case through pkijs' CertificateChainValidationEngine, in a worker thread, so that the
// harness can stop a case that does not finish (pkijs' path building recurses through certificate cycles
// without a bound: cve::cve-2024-0567 and the pathological cases). Plain JavaScript: the worker needs no
// TypeScript loader. Message in: { seq, tc }; message out: { seq, verdict, detail, ms }.
import { webcrypto } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import * as pkijs from 'pkijs';

pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto }));

function pemToDer(pem, label) {
  const m = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(pem);
  if (m === null) throw new Error(`no ${label} block`);
  return new Uint8Array(Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
}

async function run(tc) {
  const cert = (pem) => pkijs.Certificate.fromBER(pemToDer(pem, 'CERTIFICATE'));
  const engine = new pkijs.CertificateChainValidationEngine({
    trustedCerts: tc.trusted_certs.map(cert),
    // pkijs takes the end-entity certificate as the last of `certs`.
    certs: [...tc.untrusted_intermediates.map(cert), cert(tc.peer_certificate)],
    crls: (tc.crls ?? []).map((p) => pkijs.CertificateRevocationList.fromBER(pemToDer(p, 'X509 CRL'))),
    checkDate: tc.validation_time ? new Date(tc.validation_time) : new Date(),
  });
  const r = await engine.verify();
  return r.result ? { verdict: 'SUCCESS' } : { verdict: 'FAILURE', detail: r.resultMessage };
}

parentPort.on('message', async ({ seq, tc }) => {
  const started = performance.now();
  let answer;
  try {
    answer = await run(tc);
  } catch (err) {
    answer = { verdict: 'FAILURE', detail: `threw: ${err?.message ?? String(err)}` };
  }
  parentPort.postMessage({ seq, ...answer, ms: performance.now() - started });
});
