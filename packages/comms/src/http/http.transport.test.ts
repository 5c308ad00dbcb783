import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CommsError } from '../errors.js';
import { createRecorder, describeTransportConformance, testMessage } from '../testing.js';
import type { RejectionReport, Transport } from '../transport.js';
import { HttpTransport, openHttpTransport } from './http.transport.js';

/** Posts raw bytes with raw headers; resolves with the status. */
function post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const SENDER_RETRY = { attempts: 200, initialDelayMs: 10, maxDelayMs: 50 };

/** A free TCP port on loopback (bound, then released). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * The receivers' stable address for the conformance suite: a TCP front that forwards to the receiver of
 * the moment, so that a receiver can "crash" (`cut`: every connection reset, nothing forwarded to it any
 * more, as when its process dies and the port goes with it) while a new one takes the same address.
 */
async function startFront() {
  let target = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    for (const socket of [client, upstream]) {
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    forwardTo(port: number) {
      target = port;
    },
    cut() {
      target = 0;
      for (const socket of sockets) socket.resetAndDestroy();
      sockets.clear();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => r());
      }),
  };
}

describeTransportConformance(
  'http',
  async () => {
    const front = await startFront();
    const address = `http://127.0.0.1:${front.port}/semper/inbox`;
    return {
      openReceiver: async (o) => {
        const port = await freePort();
        const t = await openHttpTransport({ address, listen: { port }, ...o });
        front.forwardTo(port);
        return t;
      },
      openSender: (o) => openHttpTransport({ address: 'http://127.0.0.1:9/sender', retry: SENDER_RETRY, ...o }),
      injectMalformed: async () => {
        const { status } = await post(
          address,
          { 'content-type': 'text/plain', 'semper-message-id': 'x' },
          'no from, no to',
        );
        expect(status).toBe(400);
      },
      // The receiver's process dies: its connections are reset (the sender, which has not heard a 200,
      // sends again with the same id), and nothing reaches it any more.
      crash: async () => front.cut(),
      teardown: () => front.close(),
    };
  },
  { quietMs: 150 },
);

const open: Transport[] = [];
const track = <T extends Transport>(t: T): T => {
  open.push(t);
  return t;
};
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((t) => t.close()));
});

/** A plain server that records requests and answers with `status`. */
async function fakeServer(status: (n: number) => number) {
  const requests: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: Buffer }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(status(requests.length), { 'content-type': 'application/json' });
      res.end(JSON.stringify({ reason: 'because', detail: 'told so' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`;
  return { url, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('HttpTransport', () => {
  it('posts the body with the envelope in headers, and extra headers', async () => {
    const server = await fakeServer(() => 200);
    const tx = track(
      await openHttpTransport({ address: 'mailto:agency@example.org', headers: { authorization: 'Bearer t0k3n' } }),
    );
    const m = testMessage(tx.address, server.url, 'payload', {
      headers: { batch: '7' },
      contentType: 'application/cms',
    });
    const receipt = await tx.send(m);
    expect(receipt).toMatchObject({ id: m.id, to: server.url, detail: 'http 200' });
    const [req] = server.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/in');
    expect(req!.headers).toMatchObject({
      'content-type': 'application/cms',
      'content-length': '7',
      'semper-message-id': m.id,
      'semper-from': 'mailto:agency@example.org',
      'semper-to': server.url,
      'semper-header-batch': '7',
      authorization: 'Bearer t0k3n',
    });
    expect(req!.body.toString()).toBe('payload');
    await server.close();
  });

  it('retries 5xx with the same id, then gives up with ERR_COMMS_UNAVAILABLE; does not retry 4xx', async () => {
    const failing = await fakeServer(() => 503);
    const tx = track(
      await openHttpTransport({ address: 'mailto:a@example.org', retry: { attempts: 3, initialDelayMs: 5 } }),
    );
    const m = testMessage(tx.address, failing.url);
    const err = await tx.send(m).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_COMMS_UNAVAILABLE' });
    expect(failing.requests.map((r) => r.headers['semper-message-id'])).toEqual([m.id, m.id, m.id]);
    await failing.close();

    const flaky = await fakeServer((n) => (n < 3 ? 502 : 200));
    await expect(tx.send(testMessage(tx.address, flaky.url))).resolves.toMatchObject({ detail: 'http 200' });
    expect(flaky.requests).toHaveLength(3);
    await flaky.close();

    for (const [status, code] of [
      [422, 'ERR_COMMS_REJECTED'],
      [413, 'ERR_COMMS_REJECTED'],
      [401, 'ERR_COMMS_AUTH_FAILED'],
      [403, 'ERR_COMMS_AUTH_FAILED'],
    ] as const) {
      const server = await fakeServer(() => status);
      const e = await tx.send(testMessage(tx.address, server.url)).catch((x: unknown) => x);
      expect(e).toMatchObject({ code });
      expect((e as Error).message).toContain(`http ${status}: because told so`);
      expect(server.requests).toHaveLength(1);
      await server.close();
    }
  });

  it('reports an unreachable receiver as ERR_COMMS_UNAVAILABLE', async () => {
    const tx = track(
      await openHttpTransport({ address: 'mailto:a@example.org', retry: { attempts: 2, initialDelayMs: 1 } }),
    );
    const err = await tx.send(testMessage(tx.address, 'http://127.0.0.1:9/nothing')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommsError);
    expect((err as CommsError).code).toBe('ERR_COMMS_UNAVAILABLE');
  });

  it('answers 404 elsewhere, 405 to other methods, 503 while not receiving, 400 to a malformed envelope', async () => {
    const rx = track(await openHttpTransport({ listen: { port: 0, path: '/in' } }));
    const url = new URL(rx.address);
    expect(url.pathname).toBe('/in');
    const headers = {
      'content-type': 'text/plain',
      'semper-message-id': 'msg_1',
      'semper-from': 'mailto:a@example.org',
      'semper-to': rx.address,
    };
    expect((await post(`${url.origin}/other`, headers, 'x')).status).toBe(404);
    const get = await new Promise<number>((resolve) => http.get(rx.address, (res) => resolve(res.statusCode ?? 0)));
    expect(get).toBe(405);
    const idle = await post(rx.address, headers, 'x');
    expect(idle.status).toBe(503);
    const reports: RejectionReport[] = [];
    rx.rejected$.subscribe((r) => reports.push(r));
    const recorder = createRecorder();
    await rx.receive(recorder.handler);
    const bad = await post(rx.address, { ...headers, 'semper-header-Bad': 'x', 'semper-message-id': 'has space' }, 'x');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({
      outcome: 'rejected',
      reason: 'malformed',
      code: 'ERR_COMMS_MALFORMED',
    });
    expect(reports[0]!.ref).toContain('has space');
    const ok = await post(rx.address, headers, 'x');
    expect(ok.status).toBe(200);
    expect(recorder.messages).toHaveLength(1);
  });

  it('refuses a body over the limit by Content-Length before reading it (413), and a chunked one while reading', async () => {
    const rx = track(await openHttpTransport({ listen: { port: 0 }, maxMessageBytes: 1000 }));
    const recorder = createRecorder();
    await rx.receive(recorder.handler);
    const headers = {
      'content-type': 'text/plain',
      'semper-message-id': 'msg_big',
      'semper-from': 'mailto:a@example.org',
      'semper-to': rx.address,
    };
    const big = 'x'.repeat(200_000);
    expect((await post(rx.address, headers, big)).status).toBe(413);
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(rx.address, { method: 'POST', headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write('y'.repeat(100));
      req.end();
    });
    expect(chunked).toBe(413);
    expect(recorder.messages).toHaveLength(0);
  });

  it('needs an address when it does not listen, and cannot receive then', async () => {
    expect(() => new HttpTransport({})).toThrow(/address/);
    expect(() => new HttpTransport({ listen: { port: 70_000 } })).toThrow(/port/);
    expect(() => new HttpTransport({ listen: { path: 'no-slash' } })).toThrow(/path/);
    const tx = track(await openHttpTransport({ address: 'mailto:a@example.org' }));
    expect(tx.capabilities.receive).toBe(false);
    expect(tx.canSend('https://hub.example/inbox')).toBe(true);
    expect(tx.canSend('http://user:pw@hub.example/inbox')).toBe(false);
    const err = await tx.receive(async () => undefined).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_CORE_UNSUPPORTED_OPERATION' });
  });

  it('uses the configured address as its own (behind a proxy)', async () => {
    const rx = track(await openHttpTransport({ listen: { port: 0 }, address: 'https://hub.example/semper/inbox' }));
    expect(rx.address).toBe('https://hub.example/semper/inbox');
  });

  describe('over TLS', () => {
    let dir: string | undefined;
    let cert = '';
    let key = '';
    let available = true;
    try {
      dir = mkdtempSync(join(tmpdir(), 'semper-tls-'));
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=IP:127.0.0.1,DNS:localhost',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
      key = readFileSync(join(dir, 'key.pem'), 'utf8');
    } catch {
      available = false;
    }
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it.skipIf(!available)(
      'delivers over https to a sender that trusts the certificate, and not to one that does not',
      async () => {
        const rx = track(await openHttpTransport({ listen: { port: 0, tls: { cert, key } } }));
        expect(rx.address).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/semper\/inbox$/);
        const recorder = createRecorder();
        await rx.receive(recorder.handler);
        const trusting = track(await openHttpTransport({ address: 'mailto:a@example.org', tls: { ca: cert } }));
        const m = testMessage(trusting.address, rx.address, 'secret');
        await trusting.send(m);
        const [got] = await recorder.waitFor(1);
        expect(got!.id).toBe(m.id);
        const stranger = track(await openHttpTransport({ address: 'mailto:b@example.org', retry: { attempts: 1 } }));
        const err = await stranger.send(testMessage(stranger.address, rx.address)).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'ERR_COMMS_AUTH_FAILED' });
        expect(recorder.messages).toHaveLength(1);
      },
    );
  });
});
