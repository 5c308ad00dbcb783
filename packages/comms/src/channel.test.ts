import { describe, expect, it } from 'vitest';
import { Channel, IN_REPLY_TO_HEADER, REPLY_TO_HEADER, REQUEST_ID_HEADER } from './channel.js';
import { CommsError } from './errors.js';
import type { Message } from './message.js';
import { createMemoryTransport, MemoryBroker, type MemoryTransport } from './memory/memory.transport.js';
import { createRecorder, waitUntil } from './testing.js';
import type { SendReceipt } from './transport.js';
import { TransportRouter } from './transport-router.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function pair() {
  const broker = new MemoryBroker();
  const hubT = createMemoryTransport({ broker, name: 'hub' });
  const agencyT = createMemoryTransport({ broker, name: 'agency' });
  return { broker, hubT, agencyT, hub: new Channel(hubT), agency: new Channel(agencyT) };
}

/** A memory transport whose send fails transiently `failures` times. */
function flaky(transport: MemoryTransport, failures: number) {
  const sent: Message[] = [];
  const send = transport.send.bind(transport);
  transport.send = async (m: Message): Promise<SendReceipt> => {
    sent.push(m);
    if (sent.length <= failures) throw new CommsError('ERR_COMMS_UNAVAILABLE', 'flaky');
    return send(m);
  };
  return sent;
}

describe('Channel', () => {
  it('correlates a request with its response', async () => {
    const { hub, agency, hubT, agencyT } = pair();
    await hub.start({
      onRequest: async (req) => ({
        contentType: 'text/plain',
        body: bytes(`pong:${text(req.body)}`),
        headers: { n: '1' },
      }),
    });
    const response = await agency.request(
      'mem:hub',
      { contentType: 'text/plain', body: bytes('ping') },
      { timeoutMs: 2000 },
    );
    expect(text(response.body)).toBe('pong:ping');
    expect(response.from).toBe('mem:hub');
    expect(response.to).toBe('mem:agency');
    expect(response.headers.n).toBe('1');
    expect(response.headers[IN_REPLY_TO_HEADER]).toMatch(/^msg_/);
    expect(agency.stats.pendingRequests).toBe(0);
    await Promise.all([hub.close(), agency.close(), hubT.close(), agencyT.close()]);
  });

  it('runs several requests at once, each resolved with its own response', async () => {
    const { hub, agency, hubT, agencyT } = pair();
    await hub.start({ onRequest: async (req) => ({ contentType: 'text/plain', body: req.body }) }, { concurrency: 4 });
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        agency.request('mem:hub', { contentType: 'text/plain', body: bytes(`${i}`) }),
      ),
    );
    expect(answers.map((a) => text(a.body))).toEqual(Array.from({ length: 10 }, (_, i) => `${i}`));
    await Promise.all([hub.close(), agency.close(), hubT.close(), agencyT.close()]);
  });

  it('times out with ERR_COMMS_TIMEOUT, and drops the late response', async () => {
    const { hub, agency, hubT, agencyT } = pair();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    await hub.start({
      onRequest: async (req) => {
        await gate;
        return { contentType: 'text/plain', body: req.body };
      },
    });
    const err = await agency
      .request('mem:hub', { contentType: 'text/plain', body: bytes('slow') }, { timeoutMs: 50 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommsError);
    expect(err).toMatchObject({ code: 'ERR_COMMS_TIMEOUT', timeoutMs: 50 });
    release();
    await waitUntil(() => agency.stats.unmatchedResponses === 1);
    await Promise.all([hub.close(), agency.close(), hubT.close(), agencyT.close()]);
  });

  it('retries transient send failures with the same message id', async () => {
    const { hub, agency, hubT, agencyT } = pair();
    const sent = flaky(agencyT, 2);
    const recorder = createRecorder();
    await hub.start({ onMessage: recorder.handler });
    const receipt = await agency.send(
      { to: 'mem:hub', contentType: 'text/plain', body: bytes('hi') },
      { retry: { attempts: 5, initialDelayMs: 1 } },
    );
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((m) => m.id))).toEqual(new Set([receipt.id]));
    await recorder.waitFor(1);
    expect(agency.stats.retries).toBe(2);
    await Promise.all([hub.close(), agency.close(), hubT.close(), agencyT.close()]);
  });

  it('fails a request at once on a permanent send fault', async () => {
    const { agency, agencyT } = pair();
    const err = await agency
      .request('mem:hub', { contentType: 'not a type', body: bytes('x') }, { timeoutMs: 5000 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_COMMS_INVALID_MESSAGE' });
    await Promise.all([agency.close(), agencyT.close()]);
  });

  it('answers a re-sent request (same id) with the same response, without running the handler again', async () => {
    const { hub, hubT, agencyT } = pair();
    let runs = 0;
    await hub.start({
      onRequest: async () => {
        runs++;
        return { contentType: 'text/plain', body: bytes('receipt') };
      },
    });
    const responses = createRecorder();
    await agencyT.receive(responses.handler);
    const request: Message = {
      id: 'msg_req_1',
      from: 'mem:agency',
      to: 'mem:hub',
      contentType: 'text/plain',
      body: bytes('order'),
      headers: { [REQUEST_ID_HEADER]: 'msg_req_1' },
    };
    await agencyT.send(request);
    await responses.waitFor(1);
    await agencyT.send(request);
    await responses.waitFor(2);
    expect(runs).toBe(1);
    expect(responses.messages[0]!.id).toBe(responses.messages[1]!.id);
    expect(hub.stats.replayedResponses).toBe(1);
    await Promise.all([hub.close(), hubT.close(), agencyT.close()]);
  });

  it('sends the response to the reply-to header, and moves aside what it has no handler for', async () => {
    const broker = new MemoryBroker();
    const hubT = createMemoryTransport({ broker, name: 'hub' });
    const agencyT = createMemoryTransport({ broker, name: 'agency' });
    const replies = createMemoryTransport({ broker, name: 'replies' });
    const hub = new Channel(hubT);
    await hub.start({ onRequest: async () => ({ contentType: 'text/plain', body: bytes('ok') }) });
    await agencyT.send({
      id: 'msg_r',
      from: 'mem:agency',
      to: 'mem:hub',
      contentType: 'text/plain',
      body: bytes('x'),
      headers: { [REQUEST_ID_HEADER]: 'msg_r', [REPLY_TO_HEADER]: 'mem:replies' },
    });
    const got = createRecorder();
    await replies.receive(got.handler);
    const [response] = await got.waitFor(1);
    expect(response!.headers[IN_REPLY_TO_HEADER]).toBe('msg_r');

    // A one-way message to a channel without onMessage is moved aside.
    await agencyT.send({
      id: 'msg_oneway',
      from: 'mem:agency',
      to: 'mem:hub',
      contentType: 'text/plain',
      body: bytes('x'),
    });
    await waitUntil(() => broker.deadLetters('hub').length === 1);
    expect(broker.deadLetters('hub')[0]!.report).toMatchObject({
      reason: 'rejected-by-handler',
      messageId: 'msg_oneway',
    });
    await Promise.all([hub.close(), hubT.close(), agencyT.close(), replies.close()]);
  });

  it('lets a request handler reject or retry', async () => {
    const { broker, hub, agency, hubT, agencyT } = pair();
    await hub.start({ onRequest: async () => ({ outcome: 'rejected', reason: 'unknown agency' }) });
    const err = await agency
      .request('mem:hub', { contentType: 'text/plain', body: bytes('x') }, { timeoutMs: 100 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_COMMS_TIMEOUT' });
    expect(broker.deadLetters('hub')[0]!.report.detail).toBe('unknown agency');
    await Promise.all([hub.close(), agency.close(), hubT.close(), agencyT.close()]);
  });

  it('re-sends a request without a response after resendIntervalMs (same id)', async () => {
    const { hubT, agency, agencyT } = pair();
    const seen = createRecorder(async (m) => {
      if (seen.messages.length < 3) return { outcome: 'acked' }; // "lost" twice: no answer
      await hubT.send({
        id: 'msg_resp',
        from: 'mem:hub',
        to: m.from,
        contentType: 'text/plain',
        body: bytes('finally'),
        headers: { [IN_REPLY_TO_HEADER]: m.id },
      });
      return undefined;
    });
    await hubT.receive(seen.handler);
    const response = await agency.request(
      'mem:hub',
      { contentType: 'text/plain', body: bytes('x') },
      { timeoutMs: 3000, resendIntervalMs: 30 },
    );
    expect(text(response.body)).toBe('finally');
    expect(new Set(seen.messages.map((m) => m.id)).size).toBe(1);
    expect(seen.messages.length).toBeGreaterThanOrEqual(3);
    await Promise.all([agency.close(), agencyT.close(), hubT.close()]);
  });

  it('rejects pending requests with ERR_COMMS_CLOSED on close, and refuses use after', async () => {
    const { agency, agencyT } = pair();
    const pending = agency.request('mem:hub', { contentType: 'text/plain', body: bytes('x') }, { timeoutMs: 5000 });
    await waitUntil(() => agency.stats.pendingRequests === 1);
    await agency.close();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_COMMS_CLOSED' });
    await expect(agency.send({ to: 'mem:hub', contentType: 'text/plain', body: bytes('x') })).rejects.toMatchObject({
      code: 'ERR_COMMS_CLOSED',
    });
    await agency.close();
    await agencyT.close();
  });

  it('cancels a request through its signal', async () => {
    const { agency, agencyT } = pair();
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    const pending = agency.request(
      'mem:hub',
      { contentType: 'text/plain', body: bytes('x') },
      { signal: controller.signal },
    );
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await Promise.all([agency.close(), agencyT.close()]);
  });

  it('over a router, answers through the medium the request came by', async () => {
    const broker = new MemoryBroker();
    const hubMem = createMemoryTransport({ broker, name: 'hub' });
    const agencyT = createMemoryTransport({ broker, name: 'agency' });
    const other = createMemoryTransport({ broker: new MemoryBroker(), name: 'x' });
    const router = new TransportRouter([hubMem, other]);
    const hub = new Channel(router);
    await hub.start({ onRequest: async () => ({ contentType: 'text/plain', body: bytes('via router') }) });
    const agency = new Channel(agencyT);
    const response = await agency.request(
      'mem:hub',
      { contentType: 'text/plain', body: bytes('x') },
      { timeoutMs: 2000 },
    );
    expect(response.from).toBe('mem:hub');
    expect(text(response.body)).toBe('via router');
    await Promise.all([hub.close(), agency.close(), router.close(), agencyT.close()]);
  });

  it('checks its options', () => {
    const { agencyT } = pair();
    expect(() => new Channel(null as never)).toThrow(/transport/);
    expect(() => new Channel(agencyT, { requestTimeoutMs: 0 })).toThrow(/requestTimeoutMs/);
    expect(() => new Channel(agencyT, { retry: { attempts: 0 } })).toThrow(/retry/);
    const fixed = new Channel(agencyT, { from: 'mailto:agency@example.org', newId: () => 'msg_fixed' });
    expect(fixed).toBeInstanceOf(Channel);
  });
});
