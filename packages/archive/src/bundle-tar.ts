/**
 * The container of an evidence bundle: a POSIX ustar archive of regular files only, which `tar -xf`
 * unpacks and which this strict reader parses without trusting a byte of it (sizes, checksums, names,
 * bounds and limits checked first).
 */
import { BundleFormatError } from './errors.js';

const BLOCK = 512;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*(?:\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;
const MAX_NAME = 100;
/** 11 octal digits. */
const MAX_TAR_SIZE = 0o77777777777;

/** A file of a tar archive. @internal */
export interface TarFile {
  readonly name: string;
  readonly data: Uint8Array;
}

/** Limits of {@link readTar}. @internal */
export interface TarLimits {
  readonly maxFiles: number;
  readonly maxFileBytes: number;
}

function malformed(message: string): BundleFormatError {
  return new BundleFormatError('ERR_ARCHIVE_BUNDLE_MALFORMED', `malformed bundle: ${message}`);
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function writeField(header: Uint8Array, offset: number, text: string): void {
  for (let i = 0; i < text.length; i++) header[offset + i] = text.charCodeAt(i);
}

/**
 * Writes `files` as a ustar archive (mode 0644, owner 0, the given modification time in seconds), ending
 * with two zero blocks.
 *
 * @internal
 */
export function writeTar(files: readonly TarFile[], mtimeSeconds: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const file of files) {
    if (!NAME.test(file.name) || file.name.length > MAX_NAME) throw malformed(`bad file name '${file.name}'`);
    if (file.data.length > MAX_TAR_SIZE) throw malformed(`${file.name} is too large for a tar entry`);
    const header = new Uint8Array(BLOCK);
    writeField(header, 0, file.name);
    writeField(header, 100, octal(0o644, 8));
    writeField(header, 108, octal(0, 8));
    writeField(header, 116, octal(0, 8));
    writeField(header, 124, octal(file.data.length, 12));
    writeField(header, 136, octal(Math.max(0, Math.floor(mtimeSeconds)), 12));
    writeField(header, 148, '        ');
    writeField(header, 156, '0');
    writeField(header, 257, 'ustar\u000000');
    let sum = 0;
    for (const b of header) sum += b;
    writeField(header, 148, `${sum.toString(8).padStart(6, '0')}\0 `);
    const padded = Math.ceil(file.data.length / BLOCK) * BLOCK;
    const data = new Uint8Array(padded);
    data.set(file.data);
    parts.push(header, data);
    total += BLOCK + padded;
  }
  const out = new Uint8Array(total + 2 * BLOCK);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function readText(header: Uint8Array, offset: number, length: number): string {
  let end = offset;
  while (end < offset + length && header[end] !== 0) end++;
  for (let i = end; i < offset + length; i++)
    if (header[i] !== 0) throw malformed('a header field has bytes after its end');
  let text = '';
  for (let i = offset; i < end; i++) text += String.fromCharCode(header[i]);
  return text;
}

function readOctal(header: Uint8Array, offset: number, length: number, what: string): number {
  let i = offset;
  const end = offset + length;
  while (i < end && header[i] === 0x20) i++;
  let value = 0;
  let digits = 0;
  while (i < end && header[i] >= 0x30 && header[i] <= 0x37) {
    value = value * 8 + (header[i] - 0x30);
    digits++;
    i++;
  }
  if (digits === 0) throw malformed(`the ${what} field is not octal`);
  for (; i < end; i++) if (header[i] !== 0 && header[i] !== 0x20) throw malformed(`the ${what} field is not octal`);
  return value;
}

function isZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * Reads a ustar archive strictly: block-aligned; every header with a valid checksum, the `ustar\0` `00`
 * magic, a regular-file type, a plain relative name (no prefix, no `..`, no absolute path), a size within
 * the bytes and `limits`; names unique; then zero blocks only.
 *
 * @internal
 */
export function readTar(bytes: Uint8Array, limits: TarLimits): TarFile[] {
  if (bytes.length % BLOCK !== 0 || bytes.length < BLOCK) throw malformed('not a tar archive (size)');
  const files: TarFile[] = [];
  const names = new Set<string>();
  let offset = 0;
  let ended = false;
  while (offset < bytes.length) {
    if (isZero(bytes, offset, offset + BLOCK)) {
      if (!isZero(bytes, offset, bytes.length)) throw malformed('data after the end of the tar archive');
      ended = true;
      break;
    }
    const header = bytes.subarray(offset, offset + BLOCK);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
    if (readOctal(header, 148, 8, 'checksum') !== sum) throw malformed(`bad tar header checksum at offset ${offset}`);
    if (readText(header, 257, 6) !== 'ustar' || header[263] !== 0x30 || header[264] !== 0x30) {
      throw malformed('not a ustar archive');
    }
    const type = header[156];
    if (type !== 0x30 && type !== 0) throw malformed('a tar entry is not a regular file');
    if (!isZero(header, 345, 500)) throw malformed('a tar entry has a name prefix');
    const name = readText(header, 0, MAX_NAME);
    if (!NAME.test(name) || name.split('/').some((part) => part === '..' || part === '.')) {
      throw malformed(`bad file name in the tar archive`);
    }
    if (names.has(name)) throw malformed(`${name} appears twice`);
    if (files.length >= limits.maxFiles) {
      throw new BundleFormatError(
        'ERR_ARCHIVE_BUNDLE_TOO_LARGE',
        `the bundle holds more than ${limits.maxFiles} files`,
      );
    }
    const size = readOctal(header, 124, 12, 'size');
    if (size > limits.maxFileBytes) {
      throw new BundleFormatError(
        'ERR_ARCHIVE_BUNDLE_TOO_LARGE',
        `${name} is larger than ${limits.maxFileBytes} bytes`,
      );
    }
    const start = offset + BLOCK;
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (start + padded > bytes.length) throw malformed(`${name} is cut short`);
    if (!isZero(bytes, start + size, start + padded)) throw malformed(`${name} is not padded with zeros`);
    names.add(name);
    files.push({ name, data: bytes.subarray(start, start + size) });
    offset = start + padded;
  }
  if (!ended) throw malformed('the tar archive has no end marker');
  return files;
}
