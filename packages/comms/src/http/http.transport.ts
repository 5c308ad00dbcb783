import http, { type IncomingMessage as HttpRequest, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Clock } from '@semper/core';
import { AbstractTransport, type IncomingMessage, type InboundSink, type Settlement } from '../abstract-transport.js';
import type { ParsedAddress } from '../address.js';
import { CommsError, MessageRejectedError, MessageTooLargeError, TransportClosedError } from '../errors.js';
import type { Message } from '../message.js';
import { type RetryPolicy, resolveRetryPolicy, retry } from '../retry.js';
import type { SendReceipt } from '../transport.js';

/**
 * HTTP header carrying the message id (with {@link HTTP_FROM_HEADER}, {@link HTTP_TO_HEADER} and
 * {@link HTTP_HEADER_PREFIX}: the envelope of a message POSTed to an HTTP transport).
 *
 * @example
 * ```ts
 * import { HTTP_FROM_HEADER, HTTP_HEADER_PREFIX, HTTP_MESSAGE_ID_HEADER, HTTP_TO_HEADER } from '@semper/comms';
 * // curl -X POST https://hub.example/semper/inbox -H 'content-type: application/cms' \
 * //   -H "${HTTP_MESSAGE_ID_HEADER}: msg_1" -H "${HTTP_FROM_HEADER}: mailto:a@example.org" \
 * //   -H "${HTTP_TO_HEADER}: https://hub.example/semper/inbox" -H "${HTTP_HEADER_PREFIX}batch: 7" --data-binary @sdc.der
 * ```
 */
export const HTTP_MESSAGE_ID_HEADER = 'semper-message-id';
/**
 * HTTP header carrying the sender's address.
 *
 * @example
 * ```ts
 * import { HTTP_FROM_HEADER } from '@semper/comms';
 * const from = request.headers[HTTP_FROM_HEADER];
 * ```
 */
export const HTTP_FROM_HEADER = 'semper-from';
/**
 * HTTP header carrying the recipient's address.
 *
 * @example
 * ```ts
 * import { HTTP_TO_HEADER } from '@semper/comms';
 * const to = request.headers[HTTP_TO_HEADER];
 * ```
 */
export const HTTP_TO_HEADER = 'semper-to';
/**
 * Prefix of the HTTP headers carrying the message's own headers (`semper-header-<name>`).
 *
 * @example
 * ```ts
 * import { HTTP_HEADER_PREFIX } from '@semper/comms';
 * const batch = request.headers[`${HTTP_HEADER_PREFIX}batch`];
 * ```
 */
export const HTTP_HEADER_PREFIX = 'semper-header-';

/**
 * TLS of the receiving server (HTTPS): PEM certificate chain and key; with `requestCert` and `ca`, clients
 * must present a certificate issued by `ca` (mutual TLS).
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import type { HttpServerTlsOptions } from '@semper/comms';
 * const tls: HttpServerTlsOptions = { cert: readFileSync('hub.crt'), key: readFileSync('hub.key') };
 * ```
 */
export interface HttpServerTlsOptions {
  readonly cert: string | Uint8Array;
  readonly key: string | Uint8Array;
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  readonly requestCert?: boolean;
}

/**
 * TLS of the sending side: the trusted roots for the servers (default: Node's), and a client certificate
 * for mutual TLS.
 *
 * @example
 * ```ts
 * import type { HttpClientTlsOptions } from '@semper/comms';
 * const tls: HttpClientTlsOptions = { ca: hubRootPem };
 * ```
 */
export interface HttpClientTlsOptions {
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  readonly cert?: string | Uint8Array;
  readonly key?: string | Uint8Array;
}

/**
 * Options of {@link openHttpTransport}.
 *
 * @example
 * ```ts
 * import type { HttpTransportOptions } from '@semper/comms';
 * const hub: HttpTransportOptions = { listen: { port: 8443, host: '0.0.0.0', tls: { cert, key } }, address: 'https://hub.example:8443/semper/inbox' };
 * const agency: HttpTransportOptions = { address: 'mailto:agency-0042@example.org', tls: { ca: hubRoot } }; // send only
 * ```
 */
export interface HttpTransportOptions {
  /**
   * This transport's address, as others reach it (behind a proxy, the public URL). Default: derived from
   * `listen` (`http(s)://<host>:<port><path>`). Required without `listen` (a send-only transport gives its
   * reply address, possibly over another medium).
   */
  readonly address?: string;
  /** Run a server that receives (default: send only). */
  readonly listen?: {
    /** Default 0: a free port, chosen by the system (see `address` after opening). */
    readonly port?: number;
    /** Default `127.0.0.1`. */
    readonly host?: string;
    /** The path that takes messages (default `/semper/inbox`). */
    readonly path?: string;
    /** Serve HTTPS with this certificate and key. */
    readonly tls?: HttpServerTlsOptions;
  };
  /** TLS for sending to `https:` addresses. */
  readonly tls?: HttpClientTlsOptions;
  /** Extra request headers on every send (e.g. `authorization`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per send attempt: how long the connection may stay silent, in ms (default 60 000: the receiver's handler runs meanwhile). */
  readonly timeoutMs?: number;
  /** How `send` retries 5xx answers and network faults, with the same id (default 3 attempts from 200 ms). */
  readonly retry?: RetryPolicy;
  /** Requests that may wait for a handler slot beyond `concurrency` before the server answers 503 (default 64). */
  readonly maxPendingRequests?: number;
  /** The body limit (default `DEFAULT_MAX_MESSAGE_BYTES`). */
  readonly maxMessageBytes?: number;
  readonly clock?: Clock;
}

const TLS_FAILURES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function bufferOf(value: string | Uint8Array): string | Buffer {
  return typeof value === 'string' ? value : Buffer.from(value);
}

function caOf(value: HttpClientTlsOptions['ca']): string | Buffer | (string | Buffer)[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' || value instanceof Uint8Array) return bufferOf(value);
  return value.map(bufferOf);
}

function headerValue(req: HttpRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? undefined : value;
}

function readBody(req: HttpRequest, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let done = false;
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      req.removeListener('data', onData);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, length));
    };
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) {
        finish(new MessageTooLargeError(length, limit, { kind: 'raw', atLeast: true }));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => finish());
    req.on('error', (err) =>
      finish(new CommsError('ERR_COMMS_UNAVAILABLE', 'the request was aborted', { cause: err })),
    );
    req.on('close', () => {
      if (!req.complete) finish(new CommsError('ERR_COMMS_UNAVAILABLE', 'the request was aborted'));
    });
  });
}

function drain(req: HttpRequest, maxMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, maxMs);
    req.once('end', done);
    req.once('close', done);
    req.once('error', done);
    req.resume();
  });
}

function answer(res: ServerResponse, status: number, body: object, headers: OutgoingHttpHeaders = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * The HTTP transport. **Receiving**: a Node `http`/`https` server takes `POST <path>` with the message
 * body as the request body, `content-type` as the message's, and the envelope in `semper-message-id`,
 * `semper-from`, `semper-to` and `semper-header-<name>` headers. It answers only once the message is
 * settled: **200 after the handler acknowledged it**, 413 (too large), 400 (malformed), 422 (verification
 * failed, rejected by the handler), 503 (not receiving, busy, or the handler failed: send again). The body
 * limit is checked against `Content-Length` before reading, then while reading. `ReceiveOptions.verify`
 * is the place to check the signature before anything is acknowledged.
 *
 * **Sending** POSTs to the `http(s)://` address in `to` and resolves on a 2xx; 5xx and network faults are
 * retried (same id); 4xx are `ERR_COMMS_REJECTED` (401/403 `ERR_COMMS_AUTH_FAILED`). Not
 * store-and-forward: `send` resolves only once the receiver's handler has committed, so a caller that
 * must not lose a message keeps it (in its own database) until `send` resolved.
 *
 * Guarantees: at-least-once (a response lost after the handler committed makes the sender send again: a
 * duplicate); per-sender order when the sender awaits each `send` (a sender that sends concurrently gets
 * no order).
 *
 * @example
 * ```ts
 * import { openHttpTransport } from '@semper/comms';
 * const hub = await openHttpTransport({ listen: { port: 0 } });
 * await hub.receive(async (m) => { await apply(m.body); });
 * const agency = await openHttpTransport({ address: 'mailto:agency@example.org' });
 * await agency.send({ id: 'msg_1', from: agency.address, to: hub.address, contentType: 'application/cms', body });
 * ```
 */
export class HttpTransport extends AbstractTransport {
  readonly #listen: HttpTransportOptions['listen'];
  readonly #explicitAddress: boolean;
  readonly #path: string;
  readonly #extraHeaders: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;
  readonly #retry: Required<RetryPolicy>;
  readonly #maxPending: number;
  readonly #httpAgent = new http.Agent({ keepAlive: true });
  readonly #httpsAgent: https.Agent;
  readonly #closing = new AbortController();
  #server: http.Server | undefined;
  #sink: InboundSink | undefined;
  #active = 0;
  #idle: (() => void) | undefined;

  constructor(options: HttpTransportOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'an HTTP transport needs options');
    }
    const listen = options.listen;
    const path = listen?.path ?? '/semper/inbox';
    if (!path.startsWith('/')) throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'listen.path starts with /');
    const port = listen?.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'listen.port is 0 to 65535');
    }
    if (!listen && options.address === undefined) {
      throw new CommsError(
        'ERR_COMMS_INVALID_ARGUMENT',
        'a send-only HTTP transport needs an address (its reply address)',
      );
    }
    const scheme = listen?.tls ? 'https' : 'http';
    super({
      address: options.address ?? `${scheme}://${hostForUrl(listen?.host ?? '127.0.0.1')}:${port || 1}${path}`,
      schemes: ['http', 'https'],
      capabilities: { ordering: 'per-sender', storeAndForward: false, send: true, receive: listen !== undefined },
      maxMessageBytes: options.maxMessageBytes,
      clock: options.clock,
    });
    this.#listen = listen;
    this.#explicitAddress = options.address !== undefined;
    this.#path = path;
    this.#extraHeaders = { ...(options.headers ?? {}) };
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    if (!Number.isFinite(this.#timeoutMs) || this.#timeoutMs <= 0) {
      throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'timeoutMs is a positive number');
    }
    this.#retry = resolveRetryPolicy({ attempts: 3, initialDelayMs: 200, maxDelayMs: 5000, ...options.retry });
    this.#maxPending = options.maxPendingRequests ?? 64;
    if (!Number.isSafeInteger(this.#maxPending) || this.#maxPending < 0) {
      throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'maxPendingRequests is a non-negative integer');
    }
    const tls = options.tls ?? {};
    this.#httpsAgent = new https.Agent({
      keepAlive: true,
      ca: caOf(tls.ca),
      cert: tls.cert === undefined ? undefined : bufferOf(tls.cert),
      key: tls.key === undefined ? undefined : bufferOf(tls.key),
    });
  }

  /**
   * The request body is the message body alone (the envelope travels in the HTTP header, which the server
   * bounds at 32 KiB): the raw limit is `maxMessageBytes`, so a `Content-Length` over it is answered 413
   * before anything is read.
   */
  protected override rawLimit(maxMessageBytes: number): number {
    return maxMessageBytes;
  }

  protected override onCanSend(to: ParsedAddress): boolean {
    const url = new URL(to.address);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && url.username === '';
  }

  protected override async onOpen(): Promise<void> {
    const listen = this.#listen;
    if (!listen) {
      this.setStatus('idle');
      return;
    }
    this.setStatus('connecting');
    const onRequest = (req: HttpRequest, res: ServerResponse) => {
      this.#active++;
      res.once('close', () => {
        this.#active--;
        if (this.#active === 0) this.#idle?.();
      });
      this.#onRequest(req, res).catch(() => answer(res, 500, { outcome: 'error' }));
    };
    const server = listen.tls
      ? https.createServer(
          {
            cert: bufferOf(listen.tls.cert),
            key: bufferOf(listen.tls.key),
            ca: caOf(listen.tls.ca),
            requestCert: listen.tls.requestCert ?? false,
            rejectUnauthorized: listen.tls.requestCert ?? false,
            maxHeaderSize: 32 * 1024,
          },
          onRequest,
        )
      : http.createServer({ maxHeaderSize: 32 * 1024 }, onRequest);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(
          new CommsError('ERR_COMMS_UNAVAILABLE', `cannot listen: ${(err as NodeJS.ErrnoException).code}`, {
            cause: err,
          }),
        ),
      );
      server.listen(listen.port ?? 0, listen.host ?? '127.0.0.1', () => resolve());
    });
    server.on('error', (err) => this.setStatus('error', { error: err, detail: 'server error' }));
    this.#server = server;
    const port = (server.address() as AddressInfo).port;
    if (!this.#explicitAddress) {
      this.setAddress(
        `${listen.tls ? 'https' : 'http'}://${hostForUrl(listen.host ?? '127.0.0.1')}:${port}${this.#path}`,
      );
    }
    this.setStatus('connected', { detail: `listening on port ${port}` });
  }

  protected override async onReceive(sink: InboundSink): Promise<void> {
    this.#sink = sink;
    this.setStatus('connected', { detail: 'receiving' });
  }

  protected override async onStopReceiving(): Promise<void> {
    this.#sink = undefined;
  }

  protected override async onClose(): Promise<void> {
    this.#closing.abort(new TransportClosedError('send'));
    const server = this.#server;
    this.#server = undefined;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Requests already settled are still writing their answer: let them finish (briefly) so that a
      // sender whose message was acknowledged hears so, instead of sending it again.
      if (this.#active > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1000);
          this.#idle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      server.closeAllConnections();
      await closed;
    }
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }

  protected override onSend(message: Message): Promise<SendReceipt> {
    return retry(() => this.#post(message), this.#retry, { signal: this.#closing.signal });
  }

  async #onRequest(req: HttpRequest, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== this.#path) {
      req.resume();
      answer(res, 404, { outcome: 'error', detail: 'not found' });
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      answer(res, 405, { outcome: 'error', detail: 'POST only' }, { allow: 'POST' });
      return;
    }
    const sink = this.#sink;
    if (!sink || sink.signal.aborted) {
      req.resume();
      answer(res, 503, { outcome: 'released', detail: 'not receiving' }, { 'retry-after': '1' });
      return;
    }
    if (sink.inFlight + sink.waiting >= sink.concurrency + this.#maxPending) {
      req.resume();
      answer(res, 503, { outcome: 'released', detail: 'busy' }, { 'retry-after': '1' });
      return;
    }
    const declared = headerValue(req, 'content-length');
    const size = declared !== undefined && /^\d{1,15}$/.test(declared) ? Number(declared) : undefined;
    const id = headerValue(req, HTTP_MESSAGE_ID_HEADER);
    const incoming: IncomingMessage = {
      ...(size === undefined ? {} : { size }),
      ref: `http ${req.socket.remoteAddress ?? '?'} ${(id ?? '-').slice(0, 200)}`,
      read: async (maxRawBytes) => {
        const body = await readBody(req, maxRawBytes);
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) {
          if (name.startsWith(HTTP_HEADER_PREFIX) && typeof value === 'string') {
            headers[name.slice(HTTP_HEADER_PREFIX.length)] = value;
          }
        }
        return {
          id: id as string,
          from: headerValue(req, HTTP_FROM_HEADER) as string,
          to: headerValue(req, HTTP_TO_HEADER) as string,
          contentType: headerValue(req, 'content-type') as string,
          headers,
          body,
        };
      },
      // The settlement is the HTTP answer, written below once `deliver` resolved.
      ack: async () => {},
      reject: async () => undefined,
      release: async () => {},
    };
    const settlement = await sink.deliver(incoming);
    // Refused before the body was read (too large): read it to the end, discarding it, so that the sender
    // — still uploading — gets the answer instead of a reset connection.
    if (!req.complete) await drain(req, 10_000);
    this.#answerSettlement(req, res, settlement);
  }

  #answerSettlement(req: HttpRequest, res: ServerResponse, settlement: Settlement): void {
    // A body not read to the end (too large, refused early) cannot leave the connection reusable.
    const close: OutgoingHttpHeaders = req.complete ? {} : { connection: 'close' };
    switch (settlement.outcome) {
      case 'acked':
        answer(res, 200, { outcome: 'acked' }, close);
        return;
      case 'rejected': {
        const { reason, code, detail } = settlement.report;
        const status = reason === 'too-large' ? 413 : reason === 'malformed' ? 400 : 422;
        answer(res, status, { outcome: 'rejected', reason, code, detail }, close);
        return;
      }
      case 'released':
        answer(
          res,
          503,
          { outcome: 'released' },
          { ...close, 'retry-after': String(Math.max(1, Math.ceil(settlement.delayMs / 1000))) },
        );
        return;
    }
  }

  #post(message: Message): Promise<SendReceipt> {
    const url = new URL(message.to);
    const headers: OutgoingHttpHeaders = {
      ...this.#extraHeaders,
      'content-type': message.contentType,
      'content-length': message.body.byteLength,
      [HTTP_MESSAGE_ID_HEADER]: message.id,
      [HTTP_FROM_HEADER]: message.from,
      [HTTP_TO_HEADER]: message.to,
    };
    for (const [name, value] of Object.entries(message.headers ?? {})) headers[`${HTTP_HEADER_PREFIX}${name}`] = value;
    const secure = url.protocol === 'https:';
    return new Promise<SendReceipt>((resolve, reject) => {
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        reject(err);
      };
      const req = (secure ? https : http).request(
        url,
        { method: 'POST', headers, agent: secure ? this.#httpsAgent : this.#httpAgent, timeout: this.#timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          let length = 0;
          res.on('data', (chunk: Buffer) => {
            length += chunk.length;
            if (length <= 4096) chunks.push(chunk);
          });
          res.on('error', (err) =>
            fail(new CommsError('ERR_COMMS_UNAVAILABLE', 'the response was cut', { cause: err })),
          );
          res.on('end', () => {
            if (settled) return;
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8').slice(0, 300);
            if (status >= 200 && status < 300) {
              settled = true;
              resolve({ id: message.id, to: message.to, acceptedAt: this.clock.now(), detail: `http ${status}` });
            } else {
              fail(statusError(status, text));
            }
          });
        },
      );
      req.on('timeout', () => {
        req.destroy(new CommsError('ERR_COMMS_TIMEOUT', `no answer from ${url.host} within ${this.#timeoutMs} ms`));
      });
      req.on('error', (err) => fail(networkError(err, url)));
      req.end(message.body);
    });
  }
}

function statusError(status: number, text: string): CommsError {
  let detail = text;
  try {
    const parsed = JSON.parse(text) as { detail?: unknown; reason?: unknown };
    if (typeof parsed.detail === 'string') detail = `${parsed.reason ?? ''} ${parsed.detail}`.trim();
  } catch {
    // not JSON: keep the text
  }
  const message = `http ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 401 || status === 403) return new CommsError('ERR_COMMS_AUTH_FAILED', message);
  if (status === 408 || status === 425 || status === 429 || status >= 500)
    return new CommsError('ERR_COMMS_UNAVAILABLE', message);
  return new MessageRejectedError(message, { status });
}

function networkError(err: unknown, url: URL): CommsError {
  if (err instanceof CommsError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (TLS_FAILURES.has(code)) {
    return new CommsError('ERR_COMMS_AUTH_FAILED', `the server ${url.host} is not trusted: ${code}`, { cause: err });
  }
  return new CommsError('ERR_COMMS_UNAVAILABLE', `cannot reach ${url.host}: ${code || 'network error'}`, {
    cause: err,
  });
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Opens an {@link HttpTransport}: starts its server when `listen` is given (so that `address` carries the
 * port the system chose).
 *
 * @example
 * ```ts
 * import { openHttpTransport } from '@semper/comms';
 * const hub = await openHttpTransport({ listen: { port: 0 } });
 * console.log(hub.address); // http://127.0.0.1:40123/semper/inbox
 * ```
 */
export async function openHttpTransport(options: HttpTransportOptions): Promise<HttpTransport> {
  const transport = new HttpTransport(options);
  await transport.open();
  return transport;
}
