// Passphrase-encrypted wallet backups: PBKDF2-HMAC-SHA256 → AES-256-GCM (WebCrypto), the header bound as
// additional authenticated data.
import { z } from 'zod';
import { canonicalJson, fromBase64Url, toBase64Url, utf8 } from './encoding.js';
import { EcashError } from './errors.js';
import { parseMessage } from './messages.js';
import type { WalletAccount, WalletSnapshot } from './wallet.js';

/**
 * PBKDF2 iterations of a new backup (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).
 *
 * @example
 * ```ts
 * import { DEFAULT_BACKUP_ITERATIONS } from '@semper/payment-ecash';
 * console.log(DEFAULT_BACKUP_ITERATIONS); // 600000
 * ```
 */
export const DEFAULT_BACKUP_ITERATIONS = 600_000;
const MIN_ITERATIONS = 10_000;
const MAX_ITERATIONS = 10_000_000;
/**
 * The largest backup file read, checked before parsing.
 *
 * @example
 * ```ts
 * import { MAX_BACKUP_BYTES } from '@semper/payment-ecash';
 * console.log(MAX_BACKUP_BYTES); // 67108864
 * ```
 */
export const MAX_BACKUP_BYTES = 64 * 1024 * 1024;
const FORMAT = 'semper-ecash-wallet-backup';

const B64 = z.string().refine((s) => fromBase64Url(s) !== undefined, { message: 'base64url' });

const BackupFileSchema = z.strictObject({
  format: z.literal(FORMAT),
  version: z.literal(1),
  kdf: z.strictObject({
    name: z.literal('PBKDF2'),
    hash: z.literal('SHA-256'),
    iterations: z.number().int().min(MIN_ITERATIONS).max(MAX_ITERATIONS),
    salt: B64,
  }),
  cipher: z.strictObject({ name: z.literal('AES-256-GCM'), iv: B64 }),
  ciphertext: B64,
});

const Digits = z.string().regex(/^[1-9][0-9]{0,17}$/);
const BackupContentSchema = z.strictObject({
  account: z.strictObject({ id: z.string().min(1).max(128), privateKey: B64 }).nullable(),
  snapshot: z.strictObject({
    currency: z.string().regex(/^[A-Z]{3}$/),
    coins: z.array(
      z.strictObject({
        keyId: z.string().max(64),
        currency: z.string().regex(/^[A-Z]{3}$/),
        value: Digits,
        coinPub: B64,
        coinPriv: B64,
        prefix: B64,
        signature: B64,
        status: z.enum(['unspent', 'pending']),
        spendId: z.string().max(128).nullable(),
      }),
    ),
    planchets: z.array(
      z.strictObject({
        operation: z.string().max(200),
        idx: z.number().int().min(0).max(1000),
        keyId: z.string().max(64),
        currency: z.string().regex(/^[A-Z]{3}$/),
        value: Digits,
        coinPub: B64,
        coinPriv: B64,
        prefix: B64,
        blindedMsg: B64,
        inv: B64,
      }),
    ),
    spends: z.array(
      z.strictObject({
        spendId: z.string().max(128),
        digest: B64,
        request: z.unknown(),
        createdAt: z.string().max(40),
      }),
    ),
  }),
});

/**
 * What a backup holds: the wallet's contents and, if it had one, its account key.
 *
 * @example
 * ```ts
 * import { decryptWalletBackup, type WalletBackupContent } from '@semper/payment-ecash';
 * const content: WalletBackupContent = await decryptWalletBackup(file, passphrase);
 * console.log(content.account?.id, content.snapshot.coins.length);
 * ```
 */
export interface WalletBackupContent {
  readonly account: WalletAccount | null;
  readonly snapshot: WalletSnapshot;
}

async function deriveKey(passphrase: string, salt: Uint8Array, iterations: number) {
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'a backup passphrase is a non-empty string');
  }
  const base = await crypto.subtle.importKey(
    'raw',
    utf8(passphrase.normalize('NFC')) as Uint8Array<ArrayBuffer>,
    'PBKDF2',
    false,
    ['deriveKey'],
  );
  return crypto.subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: salt as Uint8Array<ArrayBuffer>, iterations },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

function headerAad(h: Omit<z.infer<typeof BackupFileSchema>, 'ciphertext'>): Uint8Array {
  return utf8(canonicalJson({ format: h.format, version: h.version, kdf: { ...h.kdf }, cipher: { ...h.cipher } }));
}

/**
 * Encrypts a wallet's contents under a passphrase: a JSON file with the KDF parameters, the IV, and the
 * AES-256-GCM ciphertext (whose tag also covers the header).
 *
 * @example
 * ```ts
 * import { encryptWalletBackup } from '@semper/payment-ecash';
 * const file = await encryptWalletBackup({ account: null, snapshot: await wallet.snapshot() }, 'correct horse battery staple');
 * ```
 */
export async function encryptWalletBackup(
  content: WalletBackupContent,
  passphrase: string,
  options: { readonly iterations?: number } = {},
): Promise<Uint8Array> {
  const iterations = options.iterations ?? DEFAULT_BACKUP_ITERATIONS;
  if (!Number.isSafeInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
    throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', `iterations from ${MIN_ITERATIONS} to ${MAX_ITERATIONS}`);
  }
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const header = {
    format: FORMAT,
    version: 1,
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations, salt: toBase64Url(salt) },
    cipher: { name: 'AES-256-GCM', iv: toBase64Url(iv) },
  } as const;
  const plaintext = utf8(
    JSON.stringify({
      account: content.account ? { id: content.account.id, privateKey: toBase64Url(content.account.privateKey) } : null,
      snapshot: content.snapshot,
    }),
  );
  const key = await deriveKey(passphrase, salt, iterations);
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: headerAad(header) as Uint8Array<ArrayBuffer> },
      key,
      plaintext as Uint8Array<ArrayBuffer>,
    ),
  );
  plaintext.fill(0);
  return utf8(JSON.stringify({ ...header, ciphertext: toBase64Url(ciphertext) }));
}

/**
 * Opens a backup file. A wrong passphrase or an altered file fails the GCM tag: `ERR_ECASH_BACKUP_DECRYPT`
 * (the two cannot be told apart, by design); a file that is not a backup: `ERR_ECASH_BACKUP_FORMAT`.
 *
 * @example
 * ```ts
 * import { decryptWalletBackup, EcashError } from '@semper/payment-ecash';
 * try {
 *   const { snapshot } = await decryptWalletBackup(file, passphrase);
 * } catch (err) {
 *   if (err instanceof EcashError && err.code === 'ERR_ECASH_BACKUP_DECRYPT') console.error('wrong passphrase');
 * }
 * ```
 */
export async function decryptWalletBackup(file: Uint8Array, passphrase: string): Promise<WalletBackupContent> {
  let parsed: z.infer<typeof BackupFileSchema>;
  try {
    parsed = parseMessage(BackupFileSchema, file, 'wallet backup', MAX_BACKUP_BYTES);
  } catch (cause) {
    throw new EcashError('ERR_ECASH_BACKUP_FORMAT', 'not an ecash wallet backup (version 1)', { cause });
  }
  const salt = fromBase64Url(parsed.kdf.salt)!;
  const iv = fromBase64Url(parsed.cipher.iv)!;
  if (salt.length < 16 || iv.length !== 12) throw new EcashError('ERR_ECASH_BACKUP_FORMAT', 'a bad salt or IV length');
  const key = await deriveKey(passphrase, salt, parsed.kdf.iterations);
  let plaintext: Uint8Array;
  try {
    plaintext = new Uint8Array(
      await crypto.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: iv as Uint8Array<ArrayBuffer>,
          additionalData: headerAad(parsed) as Uint8Array<ArrayBuffer>,
        },
        key,
        fromBase64Url(parsed.ciphertext)! as Uint8Array<ArrayBuffer>,
      ),
    );
  } catch (cause) {
    throw new EcashError('ERR_ECASH_BACKUP_DECRYPT', 'the backup does not open: wrong passphrase or altered file', {
      cause,
    });
  }
  let content: z.infer<typeof BackupContentSchema>;
  try {
    content = parseMessage(BackupContentSchema, plaintext, 'wallet backup content', MAX_BACKUP_BYTES);
  } catch (cause) {
    throw new EcashError('ERR_ECASH_BACKUP_FORMAT', 'the backup content is malformed', { cause });
  } finally {
    plaintext.fill(0);
  }
  return {
    account: content.account
      ? { id: content.account.id, privateKey: fromBase64Url(content.account.privateKey)! }
      : null,
    snapshot: content.snapshot as WalletSnapshot,
  };
}
