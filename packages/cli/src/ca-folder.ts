// A CA folder: the data of `semper ca` and `semper ra` — a PGlite store (the @semper/certificates tables:
// CAs with their keys encrypted under the CA passphrase, issued certificates, revocations, CRLs,
// registrations) and `semper-ca.json`, which says which CAs `ca init` made and which one issues by default.
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CertificateManager, RegistrationAuthority } from '@semper/certificates';
import type { Store } from '@semper/store';
import { CliError } from './errors.js';
import { type CliIo, readInput } from './files.js';

/** The file that marks a CA folder. */
export const CA_FOLDER_FILE = 'semper-ca.json';
/** Its format. */
export const CA_FOLDER_FORMAT = 'semper-ca/1';
/** The CA module of a CA folder: `@semper/certificates`' reference module. */
export const CA_MODULE_ID = 'certificates-local-ca';
/** The shortest CA passphrase (the reference CA module's rule). */
export const MIN_CA_PASSPHRASE = 12;

/** What `semper-ca.json` says. */
export interface CaFolderInfo {
  readonly format: typeof CA_FOLDER_FORMAT;
  /** The CAs `ca init` made, root first. */
  readonly cas: readonly string[];
  /** The CA that issues when `--ca` is not given: the intermediate, or the root when there is none. */
  readonly issuingCaId: string;
}

/** A CA folder opened: the party's certificate manager and registration authority on its store. */
export interface OpenCaFolder {
  readonly info: CaFolderInfo;
  readonly certificates: CertificateManager;
  readonly ra: RegistrationAuthority;
  readonly store: Store;
}

const MAX_FOLDER_FILE = 64 * 1024;

function folderError(message: string, cause?: unknown): CliError {
  return new CliError('ERR_CLI_CA_FOLDER', message, cause === undefined ? undefined : { cause });
}

function parseInfo(text: string, file: string): CaFolderInfo {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw folderError(`${file} is not JSON`, err);
  }
  const v = value as Partial<Record<keyof CaFolderInfo, unknown>> | null;
  const isId = (x: unknown): x is string => typeof x === 'string' && /^[a-z0-9._-]{1,64}$/.test(x);
  if (
    typeof v !== 'object' ||
    v === null ||
    v.format !== CA_FOLDER_FORMAT ||
    !Array.isArray(v.cas) ||
    v.cas.length === 0 ||
    !v.cas.every(isId) ||
    !isId(v.issuingCaId) ||
    !v.cas.includes(v.issuingCaId)
  ) {
    throw folderError(`${file} is not a ${CA_FOLDER_FORMAT} description`);
  }
  return { format: CA_FOLDER_FORMAT, cas: [...v.cas], issuingCaId: v.issuingCaId };
}

/** Reads `semper-ca.json` of `dir`. */
export async function readCaFolderInfo(io: CliIo, dir: string): Promise<CaFolderInfo> {
  const file = join(dir, CA_FOLDER_FILE);
  let bytes: Uint8Array;
  try {
    bytes = await readInput(io, file, MAX_FOLDER_FILE);
  } catch (err) {
    throw folderError(`${dir} is not a CA folder (no ${CA_FOLDER_FILE}; semper ca init makes one)`, err);
  }
  return parseInfo(Buffer.from(bytes).toString('utf8'), file);
}

/**
 * Opens the store of a CA folder and wires the certificates block on it: the reference CA module (CA keys
 * unlocked with `passphrase` when a command signs) and the registration authority. Without a passphrase the
 * module gets a random one that opens nothing: for the commands that sign nothing (`ra register`,
 * `ca revoke`, `ca list`), a key the CLI does not need stays locked.
 */
async function openParty(
  io: CliIo,
  dir: string,
  info: CaFolderInfo,
  passphrase: string | undefined,
): Promise<OpenCaFolder> {
  // Loaded here, not at the top: commands that need no CA (and `semper --help`) do not load the database engine.
  const [certificatesBlock, core, storeBlock] = await Promise.all([
    import('@semper/certificates'),
    import('@semper/core'),
    import('@semper/store'),
  ]);
  const store = await storeBlock.openStore(`pglite:${resolve(io.cwd, dir)}`);
  try {
    const party = core.register(core.createPartyContainer());
    storeBlock.register(party, { store });
    certificatesBlock.register(party, {
      localCa: { id: CA_MODULE_ID, passphrase: passphrase ?? randomBytes(32).toString('base64url') },
      externalCertificates: false,
      trust: false,
    });
    return {
      info,
      store,
      certificates: party.resolve<CertificateManager>(certificatesBlock.CERTIFICATE_MANAGER),
      ra: party.resolve<RegistrationAuthority>(certificatesBlock.REGISTRATION_AUTHORITY),
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/**
 * Runs `fn` on the CA folder `dir` (made by `semper ca init`), closing its store afterwards whatever happens.
 * One command at a time may open a folder (`ERR_STORE_LOCKED` otherwise).
 *
 * @throws {@link CliError} `ERR_CLI_CA_FOLDER` when `dir` is not a CA folder; the store's errors.
 */
export async function withCaFolder<T>(
  io: CliIo,
  dir: string,
  passphrase: string | undefined,
  fn: (ca: OpenCaFolder) => Promise<T>,
): Promise<T> {
  const info = await readCaFolderInfo(io, dir);
  const ca = await openParty(io, dir, info, passphrase);
  try {
    return await fn(ca);
  } finally {
    await ca.store.close();
  }
}

/**
 * Makes a new CA folder `dir` (which must not exist or be empty) and runs `fn` on it; `fn` creates the CAs
 * and writes `semper-ca.json`. When anything fails, what was made is removed again: a failed `ca init`
 * leaves no half-made CA behind.
 *
 * @throws {@link CliError} `ERR_CLI_CA_FOLDER` when `dir` already holds a CA or other files.
 */
export async function initCaFolder<T>(
  io: CliIo,
  dir: string,
  passphrase: string,
  fn: (ca: Omit<OpenCaFolder, 'info'>, path: string) => Promise<T>,
): Promise<T> {
  const path = resolve(io.cwd, dir);
  let existing: string[] | undefined;
  try {
    existing = await readdir(path);
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    if (errno === 'ENOTDIR') throw folderError(`${dir} is not a folder`, err);
    if (errno !== 'ENOENT') throw new CliError('ERR_CLI_READ', `cannot read ${dir}: ${errno ?? 'I/O error'}`);
  }
  if (existing !== undefined && existing.length > 0) {
    throw folderError(
      existing.includes(CA_FOLDER_FILE) || existing.includes('pgdata')
        ? `${dir} already holds a CA`
        : `${dir} is not empty: a CA folder must be new or empty`,
    );
  }
  const placeholder: CaFolderInfo = { format: CA_FOLDER_FORMAT, cas: ['root'], issuingCaId: 'root' };
  let ca: OpenCaFolder | undefined;
  try {
    ca = await openParty(io, dir, placeholder, passphrase);
    return await fn(ca, path);
  } catch (err) {
    await ca?.store.close().catch(() => undefined);
    ca = undefined;
    // Remove what this command made: the folder when it made it, else the contents of the empty folder.
    if (existing === undefined) await rm(path, { recursive: true, force: true }).catch(() => undefined);
    else {
      const made = await readdir(path).catch(() => [] as string[]);
      await Promise.all(made.map((f) => rm(join(path, f), { recursive: true, force: true }).catch(() => undefined)));
    }
    throw err;
  } finally {
    await ca?.store.close();
  }
}

/** The text of `semper-ca.json`. */
export function caFolderInfoText(info: CaFolderInfo): string {
  return `${JSON.stringify(info, null, 2)}\n`;
}
