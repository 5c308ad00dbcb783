import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { createMailTransport, openFolderTransport, type Transport } from '@semper/comms';
import { z } from 'zod';
import { SdcPumpError } from './errors.js';

/** The largest mail configuration file {@link openPumpTransport} reads: 64 KiB. */
export const MAX_PUMP_CONFIG_BYTES = 64 * 1024;

const serverSchema = z
  .object({
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535),
    user: z.string().min(1).max(320),
    password: z.string().max(1024).optional(),
    passwordEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/)
      .optional(),
    caFile: z.string().min(1).max(4096).optional(),
    servername: z.string().max(255).optional(),
  })
  .strict();

/**
 * The mail configuration file of `mail:CONFIG.json` (see {@link openPumpTransport}): the transport's
 * address, SMTP for sending, IMAP or POP3 for receiving. Passwords come from `passwordEnv` (an environment
 * variable, preferred) or `password`; `caFile` and `rejectedDir` are relative to the file's folder.
 *
 * @example
 * ```ts
 * import { pumpMailConfigSchema } from '@semper/sdc';
 * pumpMailConfigSchema.parse({
 *   address: 'mailto:agency@example.org',
 *   smtp: { host: 'mail.example.org', port: 587, user: 'agency', passwordEnv: 'SEMPER_MAIL_PASSWORD' },
 *   imap: { host: 'mail.example.org', port: 143, user: 'agency', passwordEnv: 'SEMPER_MAIL_PASSWORD' },
 * });
 * ```
 */
export const pumpMailConfigSchema = z
  .object({
    address: z.string().min(8).max(330),
    smtp: serverSchema.extend({ tls: z.enum(['starttls', 'implicit', 'none']).optional() }).strict(),
    imap: serverSchema
      .extend({
        tls: z.enum(['starttls', 'implicit', 'none']).optional(),
        mailbox: z.string().max(200).optional(),
        processedFolder: z.string().max(200).optional(),
        rejectedFolder: z.string().max(200).optional(),
      })
      .strict()
      .optional(),
    pop3: serverSchema
      .extend({ tls: z.enum(['implicit', 'none']).optional(), rejectedDir: z.string().min(1).max(4096) })
      .strict()
      .optional(),
    pollIntervalMs: z.number().int().min(10).max(86_400_000).optional(),
    maxMessageBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .optional(),
  })
  .strict()
  .refine((c) => (c.imap === undefined) !== (c.pop3 === undefined), { message: 'give exactly one of imap and pop3' });

/**
 * The content of a mail configuration file.
 *
 * @example
 * ```ts
 * import type { PumpMailConfig } from '@semper/sdc';
 * const port = (c: PumpMailConfig) => c.smtp.port;
 * ```
 */
export type PumpMailConfig = z.infer<typeof pumpMailConfigSchema>;

/**
 * Options of {@link openPumpTransport}.
 *
 * @example
 * ```ts
 * import type { OpenPumpTransportOptions } from '@semper/sdc';
 * const options: OpenPumpTransportOptions = { cwd: process.cwd(), env: process.env, pollIntervalMs: 60_000 };
 * ```
 */
export interface OpenPumpTransportOptions {
  /** Relative paths in the spec are resolved against it (default `process.cwd()`). */
  readonly cwd?: string;
  /** Where `passwordEnv` is looked up (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The transport's poll interval (default 1000 ms; a mail file's `pollIntervalMs` wins). */
  readonly pollIntervalMs?: number;
}

function bad(message: string, cause?: unknown): SdcPumpError {
  return new SdcPumpError('ERR_SDC_PUMP_INVALID_ARGUMENT', message, cause === undefined ? undefined : { cause });
}

async function readSmall(path: string, what: string): Promise<string> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    throw bad(`cannot read ${what}: ${(err as NodeJS.ErrnoException).code ?? 'failed'}`, err);
  }
  if (size > MAX_PUMP_CONFIG_BYTES) throw bad(`${what} is larger than ${MAX_PUMP_CONFIG_BYTES} bytes`);
  return readFile(path, 'utf8');
}

type Server = z.infer<typeof serverSchema>;

async function server(s: Server, base: string, env: OpenPumpTransportOptions['env'], what: string) {
  let password = s.password;
  if (s.passwordEnv !== undefined) {
    password = env?.[s.passwordEnv];
    if (password === undefined) throw bad(`${what}: the variable ${s.passwordEnv} is not set`);
  }
  if (password === undefined) throw bad(`${what}: give passwordEnv or password`);
  const { password: _p, passwordEnv: _e, caFile, ...rest } = s;
  return {
    ...rest,
    password,
    ...(caFile === undefined ? {} : { ca: await readSmall(resolve(base, caFile), `${what}.caFile`) }),
  };
}

/**
 * Opens the transport a pump runs over, from a spec as `semper sdc pump --transport` takes it:
 * `folder:PATH` (a transfer folder, e.g. on removable media) or `mail:CONFIG.json` (SMTP submission and
 * IMAP or POP3 collection; see {@link pumpMailConfigSchema}). Throws `ERR_SDC_PUMP_INVALID_ARGUMENT` for a bad
 * spec or configuration (the message names the field, never a password).
 *
 * @example
 * ```ts
 * import { openPumpTransport, SdcPump } from '@semper/sdc';
 * const transport = await openPumpTransport('mail:/etc/semper/agency-mail.json', { pollIntervalMs: 60_000 });
 * const pump = new SdcPump({ mailbox, transport });
 * ```
 */
export async function openPumpTransport(spec: string, options: OpenPumpTransportOptions = {}): Promise<Transport> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  if (spec.startsWith('folder:')) {
    const path = spec.slice('folder:'.length);
    if (path === '') throw bad('folder: needs a path');
    return openFolderTransport({ path: isAbsolute(path) ? path : resolve(cwd, path), pollIntervalMs });
  }
  if (spec.startsWith('mail:')) {
    const file = resolve(cwd, spec.slice('mail:'.length));
    const text = await readSmall(file, 'the mail configuration');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw bad('the mail configuration is not JSON', err);
    }
    const parsed = pumpMailConfigSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw bad(`the mail configuration: ${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}`);
    }
    const c = parsed.data;
    const base = dirname(file);
    const smtp = await server(c.smtp, base, env, 'smtp');
    const imap = c.imap === undefined ? undefined : await server(c.imap, base, env, 'imap');
    const pop3 =
      c.pop3 === undefined
        ? undefined
        : { ...(await server(c.pop3, base, env, 'pop3')), rejectedDir: resolve(base, c.pop3.rejectedDir) };
    try {
      return createMailTransport({
        address: c.address,
        smtp,
        ...(imap === undefined ? {} : { imap }),
        ...(pop3 === undefined ? {} : { pop3 }),
        pollIntervalMs: c.pollIntervalMs ?? pollIntervalMs,
        ...(c.maxMessageBytes === undefined ? {} : { maxMessageBytes: c.maxMessageBytes }),
      });
    } catch (err) {
      throw bad(`the mail configuration: ${(err as Error).message}`, err);
    }
  }
  throw bad('a transport is folder:PATH or mail:CONFIG.json');
}
