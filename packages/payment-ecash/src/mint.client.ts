// Talking to a mint: in-process (through the same encode/parse path as the wire) or over a @semper/comms channel.
import type { Channel } from '@semper/comms';
import { EcashError, MintRejectedError } from './errors.js';
import type { EcashMint } from './mint.server.js';
import {
  encodeMessage,
  MAX_MINT_MESSAGE_BYTES,
  type MintRequest,
  type MintResponse,
  type MintResponseOf,
  MintResponseSchema,
  parseMessage,
} from './messages.js';

/**
 * The MIME type of mint requests and responses on a channel.
 *
 * @example
 * ```ts
 * import { MINT_CONTENT_TYPE } from '@semper/payment-ecash';
 * console.log(MINT_CONTENT_TYPE); // 'application/vnd.semper.ecash-mint+json'
 * ```
 */
export const MINT_CONTENT_TYPE = 'application/vnd.semper.ecash-mint+json';

/**
 * A way to send requests to a mint and get its responses (parsed and schema-checked).
 *
 * @example
 * ```ts
 * import { localMintClient, type MintClient } from '@semper/payment-ecash';
 * const client: MintClient = localMintClient(mint);
 * const keys = await client.request({ type: 'keys' });
 * ```
 */
export interface MintClient {
  request(request: MintRequest): Promise<MintResponse>;
}

/**
 * A client for a mint in the same process. Requests and responses still go through JSON encoding and the
 * schemas, as over the wire, so nothing is skipped.
 *
 * @example
 * ```ts
 * import { localMintClient } from '@semper/payment-ecash';
 * const client = localMintClient(mint);
 * ```
 */
export function localMintClient(mint: Pick<EcashMint, 'handle'>): MintClient {
  return {
    async request(request) {
      const answer = await mint.handle(encodeMessage(request));
      return parseMessage(MintResponseSchema, answer, 'mint response', MAX_MINT_MESSAGE_BYTES);
    },
  };
}

/**
 * Options of {@link channelMintClient}.
 *
 * @example
 * ```ts
 * import { channelMintClient, type ChannelMintClientOptions } from '@semper/payment-ecash';
 * const options: ChannelMintClientOptions = { timeoutMs: 10_000 };
 * const client = channelMintClient(channel, 'http://mint.example/mint', options);
 * ```
 */
export interface ChannelMintClientOptions {
  /** The deadline of each request (default the channel's). */
  readonly timeoutMs?: number;
}

/**
 * A client for a mint served by {@link serveMint} at `address`, over a comms `Channel` (memory, HTTP,
 * folder, mail). A re-sent request keeps its message id, so the mint answers it once.
 *
 * @example
 * ```ts
 * import { Channel, openHttpTransport } from '@semper/comms';
 * import { channelMintClient } from '@semper/payment-ecash';
 * const channel = new Channel(await openHttpTransport({ address: 'http://127.0.0.1:0/wallet' }));
 * const client = channelMintClient(channel, 'http://mint.example:8080/mint');
 * ```
 */
export function channelMintClient(
  channel: Channel,
  address: string,
  options: ChannelMintClientOptions = {},
): MintClient {
  return {
    async request(request) {
      const response = await channel.request(
        address,
        { contentType: MINT_CONTENT_TYPE, body: encodeMessage(request) },
        options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
      );
      if (response.contentType !== MINT_CONTENT_TYPE) {
        throw new EcashError(
          'ERR_ECASH_MINT_PROTOCOL',
          `the mint answered with content type '${response.contentType.slice(0, 80)}'`,
        );
      }
      return parseMessage(MintResponseSchema, new Uint8Array(response.body), 'mint response', MAX_MINT_MESSAGE_BYTES);
    },
  };
}

/**
 * Serves `mint` on `channel`: every request with the mint's content type is answered by `mint.handle`;
 * others are refused (moved aside by the transport). Returns when the channel receives.
 *
 * @example
 * ```ts
 * import { Channel, createMemoryTransport, MemoryBroker } from '@semper/comms';
 * import { serveMint } from '@semper/payment-ecash';
 * const broker = new MemoryBroker();
 * const channel = new Channel(createMemoryTransport({ broker, name: 'mint' }));
 * await serveMint(mint, channel);
 * ```
 */
export async function serveMint(
  mint: Pick<EcashMint, 'handle'>,
  channel: Channel,
  options: { readonly concurrency?: number } = {},
): Promise<void> {
  await channel.start(
    {
      onRequest: async (request) => {
        if (request.contentType !== MINT_CONTENT_TYPE) return { outcome: 'rejected', reason: 'not a mint request' };
        return { contentType: MINT_CONTENT_TYPE, body: await mint.handle(new Uint8Array(request.body)) };
      },
    },
    { concurrency: options.concurrency ?? 4 },
  );
}

/**
 * Sends `request` and returns the response of the same type; an `error` response becomes a
 * {@link MintRejectedError}, a response of another type `ERR_ECASH_MINT_PROTOCOL`.
 *
 * @example
 * ```ts
 * import { callMint, localMintClient } from '@semper/payment-ecash';
 * const keys = await callMint(localMintClient(mint), { type: 'keys' });
 * ```
 */
export async function callMint<R extends MintRequest>(
  client: MintClient,
  request: R,
): Promise<MintResponseOf<R['type']>> {
  const response = await client.request(request);
  if (response.type === 'error') throw new MintRejectedError(response.code, response.message);
  if (response.type !== request.type) {
    throw new EcashError(
      'ERR_ECASH_MINT_PROTOCOL',
      `a ${request.type} request was answered by a ${response.type} response`,
    );
  }
  return response as MintResponseOf<R['type']>;
}
