/**
 * `@semper/payment-ecash`: cash-like, private payments in the line of DigiCash and GNU Taler. A mint
 * ({@link EcashMint}) with one RSA key per denomination (RFC 9474 blind signatures), keys that rotate and
 * expire, accounts to withdraw from, and atomic double-spending detection; a wallet ({@link EcashWallet})
 * that withdraws, selects coins, pays, receives change and refunds, and backs up; the mint over a comms
 * channel; and {@link EcashPaymentModule}, the semper payment module. Nothing is registered or started at
 * import time: see {@link register}.
 *
 * @packageDocumentation
 */
export {
  DEFAULT_BACKUP_ITERATIONS,
  decryptWalletBackup,
  encryptWalletBackup,
  MAX_BACKUP_BYTES,
  type WalletBackupContent,
} from './backup.js';
export {
  BLIND_RSA_VARIANT,
  type BlindRsaKeyPair,
  BlindSigner,
  blindRsaSuite,
  generateBlindRsaKeyPair,
  importBlindRsaKeyPair,
  importBlindRsaPublicKey,
  keyIdOf,
  MIN_MODULUS_BITS,
} from './blind-rsa.js';
export {
  type Coin,
  coinMessage,
  createPlanchet,
  ED25519_PUBLIC_BYTES,
  ED25519_SIGNATURE_BYTES,
  finalizeCoin,
  generateEd25519,
  PREFIX_BYTES,
  type Planchet,
  type PlanchetDenomination,
  preparedCoinMessage,
  signEd25519,
  verifyCoinSignature,
  verifyEd25519,
} from './coin.js';
export { type EcashContainer, register } from './container.js';
export { balanceDigest, denominationKeyDigest, refundDigest, spendDigest, withdrawDigest } from './digests.js';
export {
  ECASH_MODULE_ID,
  EcashPaymentModule,
  type EcashPaymentModuleOptions,
  type EcashPurse,
} from './ecash.payment-module.js';
export { fromBase64Url, toBase64Url } from './encoding.js';
export { EcashError, type EcashErrorCode, EcashMessageError, MintRejectedError } from './errors.js';
export {
  type DenominationKeyJSON,
  DenominationKeySchema,
  encodeMessage,
  MAX_COINS_PER_REQUEST,
  MAX_MINT_MESSAGE_BYTES,
  type MintRequest,
  type MintRequestOf,
  MintRequestSchema,
  type MintResponse,
  type MintResponseOf,
  MintResponseSchema,
  parseMessage,
  type SpendAcceptedJSON,
  SpendAcceptedSchema,
  type SpendRejectionReason,
  SpendRejectionReasons,
} from './messages.js';
export {
  type ChannelMintClientOptions,
  callMint,
  channelMintClient,
  localMintClient,
  MINT_CONTENT_TYPE,
  type MintClient,
  serveMint,
} from './mint.client.js';
export { type DenominationSet, EcashMint, type MintOptions } from './mint.server.js';
export { deriveKeyWrap, isWrappedKey, KEY_WRAP_SCRYPT, type KeyWrap, newKeyWrapSalt } from './key-wrap.js';
export { MINT_MIGRATIONS, WALLET_MIGRATIONS } from './migrations.js';
export { ECASH_PAYMENT_MODULE, MINT_CLIENT } from './tokens.js';
export {
  decodeCoinToken,
  decomposeAmount,
  type Denomination,
  EcashWallet,
  encodeCoinToken,
  type PreparedSpend,
  type SpendPayee,
  type SpendSettlement,
  selectCoins,
  type WalletAccount,
  type WalletOptions,
  type WalletSnapshot,
  type WithdrawOutcome,
} from './wallet.js';
