import type {
  CaInfo,
  CertificateProfileName,
  CertificateRecord,
  IssuedCertificate,
  RevocationReason,
  SubjectAltNames,
} from '@semper/certificates';
import { encodeName, type KeySpec } from '@semper/crypto';
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  CA_FOLDER_FILE,
  CA_FOLDER_FORMAT,
  CA_MODULE_ID,
  type CaFolderInfo,
  caFolderInfoText,
  initCaFolder,
  MIN_CA_PASSPHRASE,
  type OpenCaFolder,
  withCaFolder,
} from './ca-folder.js';
import { annotated, CliError } from './errors.js';
import { type CliIo, STDIO, writeOutputs } from './files.js';
import { loadRequest } from './material.js';
import {
  checkPassphraseSource,
  collect,
  parseInteger,
  parseSerial,
  parseTime,
  passinOption,
  requireOneStdinReader,
} from './options.js';
import { getNewPassphrase, getPassphrase } from './passphrase.js';
import { PROFILE_NAMES, REVOCATION_REASONS } from './names.js';
import { writeJson, writeReport } from './report.js';

const DAY = 86_400_000;

interface KeyFlags {
  ec?: boolean;
  rsa?: boolean;
  curve?: 'P-256' | 'P-384';
  bits?: 2048 | 3072 | 4096;
}

interface InitOptions extends KeyFlags {
  dir: string;
  subject: string;
  days: number;
  intermediateSubject?: string;
  passout?: string;
}

interface IssueOptions {
  dir: string;
  in: string;
  profile: CertificateProfileName;
  out: string;
  days?: number;
  passin?: string;
  ca?: string;
  subject?: string;
  email?: string[];
  dns?: string[];
  chain?: boolean;
  json?: boolean;
}

interface RevokeOptions {
  dir: string;
  serial: string;
  reason: RevocationReason;
  ca?: string;
  invalidityDate?: Date;
  json?: boolean;
}

interface CrlOptions {
  dir: string;
  out: string;
  days?: number;
  passin?: string;
  ca?: string;
  all?: boolean;
  json?: boolean;
}

interface ListOptions {
  dir: string;
  ca?: string;
  revoked?: boolean;
  json?: boolean;
}

/** The revocation reasons `--reason` takes (RFC 5280 §5.3.1; `removeFromCRL` is not a reason to revoke). */
const REASONS: readonly RevocationReason[] = REVOCATION_REASONS;

/** `--reason`, in any case (openssl spells cACompromise `CACompromise`). */
function parseReason(value: string): RevocationReason {
  const found = REASONS.find((r) => r.toLowerCase() === value.toLowerCase());
  if (found === undefined) throw new InvalidArgumentError(`expected one of ${REASONS.join(', ')}.`);
  return found;
}

function keyOptions(): Option[] {
  return [
    new Option('--ec', 'EC keys (default)').conflicts(['rsa', 'bits']),
    new Option('--rsa', 'RSA keys').conflicts(['ec', 'curve']),
    new Option('--curve <curve>', 'EC curve (default: P-384)').choices(['P-256', 'P-384']).conflicts('rsa'),
    new Option('--bits <bits>', 'RSA modulus length, 2048, 3072 or 4096 (default: 3072); implies --rsa')
      .argParser((v) => {
        const n = parseInteger(2048, 4096)(v);
        if (n !== 2048 && n !== 3072 && n !== 4096) throw new InvalidArgumentError('expected 2048, 3072 or 4096.');
        return n;
      })
      .conflicts(['ec', 'curve']),
  ];
}

function keySpec(o: KeyFlags): KeySpec {
  return o.rsa || o.bits !== undefined
    ? { type: 'rsa', modulusLength: o.bits ?? 3072 }
    : { type: 'ec', curve: o.curve ?? 'P-384' };
}

/** `--dir`. */
export function dirOption(): Option {
  return new Option('--dir <dir>', 'the CA folder (made by semper ca init)').makeOptionMandatory();
}

/** The CA passphrase, from `--passin` or asked on the terminal. */
export function caPassphrase(io: CliIo, dir: string, passin: string | undefined): Promise<string> {
  return getPassphrase(io, passin, `Enter pass phrase for the CA in ${dir}: `);
}

/** `--email` and `--dns` as subject alternative names. */
export function altNames(o: { email?: string[]; dns?: string[] }): SubjectAltNames | undefined {
  if (o.email === undefined && o.dns === undefined) return undefined;
  return { ...(o.email ? { email: o.email } : {}), ...(o.dns ? { dns: o.dns } : {}) };
}

/** The certificate file written for an issued certificate: the certificate, and with `chain` its issuers (not the root). */
export function issuedPem(issued: IssuedCertificate, chain: boolean | undefined): string {
  return (chain ? issued.chain : [issued.certificate]).map((c) => c.toPem()).join('');
}

/** The rows shown for an issued certificate. */
export function issuedRows(issued: IssuedCertificate): [string, string][] {
  return [
    ['subject', issued.certificate.subject],
    ['serial', issued.serialNumber],
    ['profile', issued.profile],
    ['issuer', `${issued.certificate.issuer} (CA ${issued.caId})`],
    ['not after', issued.certificate.notAfter.toISOString()],
  ];
}

/** An issued certificate as JSON. */
export function issuedJson(issued: IssuedCertificate): Record<string, unknown> {
  return {
    subject: issued.certificate.subject,
    serialNumber: issued.serialNumber,
    profile: issued.profile,
    caId: issued.caId,
    issuer: issued.certificate.issuer,
    notBefore: issued.certificate.notBefore.toISOString(),
    notAfter: issued.certificate.notAfter.toISOString(),
    ...(issued.registrationId === undefined ? {} : { registrationId: issued.registrationId }),
  };
}

function caJson(ca: CaInfo, info: CaFolderInfo): Record<string, unknown> {
  return {
    caId: ca.caId,
    parentCaId: ca.parentCaId ?? null,
    subject: ca.certificate.subject,
    serialNumber: ca.certificate.serialNumber,
    notBefore: ca.certificate.notBefore.toISOString(),
    notAfter: ca.certificate.notAfter.toISOString(),
    issuesByDefault: ca.caId === info.issuingCaId,
  };
}

function recordJson(r: CertificateRecord): Record<string, unknown> {
  return {
    caId: r.caId,
    serialNumber: r.serialNumber,
    subject: r.certificate.subject,
    profile: r.profile,
    issuedAt: r.issuedAt.toISOString(),
    notAfter: r.certificate.notAfter.toISOString(),
    registrationId: r.registrationId ?? null,
    revocation:
      r.revocation === undefined
        ? null
        : { reason: r.revocation.reason, revokedAt: r.revocation.revokedAt.toISOString() },
  };
}

/** Which CA issued `serial`: `--ca` when given, else the one CA of the folder that did. */
async function findIssuer(ca: OpenCaFolder, dir: string, serial: string, caId: string | undefined): Promise<string> {
  if (caId !== undefined) return caId;
  const found: string[] = [];
  for (const c of await ca.certificates.listCas(CA_MODULE_ID)) {
    if ((await ca.certificates.getCertificate(CA_MODULE_ID, c.caId, serial)) !== undefined) found.push(c.caId);
  }
  if (found.length === 0) {
    const { CertificatesError } = await import('@semper/certificates');
    throw new CertificatesError('ERR_CERTIFICATES_NOT_FOUND', `no CA of ${dir} issued a certificate ${serial}`);
  }
  if (found.length > 1) {
    throw new CliError('ERR_CLI_USAGE', `CAs ${found.join(' and ')} both issued a certificate ${serial}: give --ca`);
  }
  return found[0];
}

/** Adds `semper ca init|issue|revoke|crl|list`. */
export function addCaCommands(program: Command, io: CliIo): void {
  const ca = program
    .command('ca')
    .description('a certification authority in a folder: root and intermediate CAs, issuance, revocation, CRLs');

  const init = ca
    .command('init')
    .description('make a CA folder: a root CA and, optionally, an intermediate CA under it')
    .requiredOption('--dir <dir>', 'the CA folder to make (it must not exist, or be empty)')
    .requiredOption('--subject <dn>', 'subject of the root CA, RFC 4514 (e.g. "CN=Example Root CA,O=Example")')
    .option('--intermediate-subject <dn>', 'also make an intermediate CA with this subject; it issues by default');
  for (const o of keyOptions()) init.addOption(o);
  init
    .addOption(
      new Option('--days <days>', 'validity of the root in days (default: 3650)')
        .argParser(parseInteger(1, 36500))
        .default(3650, '3650'),
    )
    .addOption(
      new Option(
        '--passout <source>',
        `the CA passphrase, at least ${MIN_CA_PASSPHRASE} characters: env:VAR, file:PATH, stdin or pass:TEXT (default: ask twice on the terminal)`,
      ).argParser(checkPassphraseSource('--passout')),
    )
    .addHelpText(
      'after',
      `
The folder holds the CA's data (an embedded PostgreSQL database, PGlite: the CAs, their keys encrypted with
the passphrase — PKCS#8, PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC —, issued certificates, revocations, CRLs and
registrations), ${CA_FOLDER_FILE}, and root.pem (and intermediate.pem) to hand to relying parties. The root
allows one CA below it (pathlen 1); the intermediate issues end-entity certificates only (pathlen 0). Keys are
EC P-384 unless told. Keep the folder private and back it up: it is the CA.

Example:
  SEMPER_CA_PASS=… semper ca init --dir ca --subject "CN=Example Root CA,O=Example" \\
    --intermediate-subject "CN=Example Issuing CA,O=Example" --passout env:SEMPER_CA_PASS`,
    )
    .action(async (o: InitOptions) => {
      await annotated('--subject', () => encodeName(o.subject));
      if (o.intermediateSubject !== undefined) {
        await annotated('--intermediate-subject', () => encodeName(o.intermediateSubject as string));
      }
      const passphrase = await getNewPassphrase(io, o.passout, `Enter pass phrase for the CA in ${o.dir}: `);
      if (passphrase.length < MIN_CA_PASSPHRASE) {
        throw new CliError(
          'ERR_CLI_PASSPHRASE',
          `the CA passphrase must have at least ${MIN_CA_PASSPHRASE} characters`,
        );
      }
      const key = keySpec(o);
      const made = await initCaFolder(io, o.dir, passphrase, async ({ certificates }) => {
        const root = await certificates.createRootCa(CA_MODULE_ID, {
          caId: 'root',
          subject: o.subject,
          key,
          validityDays: o.days,
          pathLength: 1,
        });
        const intermediate =
          o.intermediateSubject === undefined
            ? undefined
            : await certificates.createIntermediateCa(CA_MODULE_ID, {
                caId: 'intermediate',
                issuerCaId: 'root',
                subject: o.intermediateSubject,
                key,
              });
        const info: CaFolderInfo = {
          format: CA_FOLDER_FORMAT,
          cas: intermediate === undefined ? ['root'] : ['root', 'intermediate'],
          issuingCaId: intermediate === undefined ? 'root' : 'intermediate',
        };
        await writeOutputs(io, [
          { name: `${o.dir}/root.pem`, data: root.certificate.toPem() },
          ...(intermediate === undefined
            ? []
            : [{ name: `${o.dir}/intermediate.pem`, data: intermediate.certificate.toPem() }]),
          { name: `${o.dir}/${CA_FOLDER_FILE}`, data: caFolderInfoText(info) },
        ]);
        return { root, intermediate, info };
      });
      writeReport(io.stdout, `CA folder ${o.dir} made`, [
        ['root', `${made.root.certificate.subject} (${o.dir}/root.pem)`],
        ['intermediate', made.intermediate && `${made.intermediate.certificate.subject} (${o.dir}/intermediate.pem)`],
        ['issues by default', made.info.issuingCaId],
        ['valid until', made.root.certificate.notAfter.toISOString()],
      ]);
    });

  ca.command('issue')
    .description('issue a certificate from a PKCS#10 request, under a profile')
    .addOption(dirOption())
    .requiredOption('--in <file>', 'the certification request (PEM or DER), e.g. from semper req new')
    .addOption(
      new Option('--profile <profile>', 'the certificate profile').choices(PROFILE_NAMES).makeOptionMandatory(),
    )
    .requiredOption('--out <file>', 'where to write the certificate (PEM; - for stdout)')
    .addOption(
      new Option('--days <days>', "validity in days (default: the profile's, cut at the CA's end)").argParser(
        parseInteger(1, 3650),
      ),
    )
    .addOption(passinOption('the CA'))
    .option('--ca <id>', 'the issuing CA (default: the one ca init made to issue)')
    .option('--subject <dn>', "the subject to certify (default: the request's)")
    .option('--email <address>', 'an rfc822Name subject alternative name (repeatable)', collect)
    .option('--dns <name>', 'a dNSName subject alternative name (repeatable)', collect)
    .option('--chain', "write the issuing CA's certificates after the certificate (the root left out)")
    .option('--json', 'print what was issued as JSON')
    .addHelpText(
      'after',
      `
The request's proof of possession (its signature, with its own key) is checked first; what it asks for
(extensions) is not copied: the profile decides (see the profiles in the @semper/certificates README):
  signing     digitalSignature, nonRepudiation; emailProtection
  encryption  keyAgreement (EC) or keyEncipherment (RSA); emailProtection
  ttp, hub, agency  both; hub adds serverAuth, agency clientAuth
  ca          a subordinate CA (pathlen 0)

Example:
  semper ca issue --dir ca --in alice.csr --profile signing --out alice.pem --passin env:SEMPER_CA_PASS`,
    )
    .action(async (o: IssueOptions) => {
      requireOneStdinReader([
        ['--in', o.in],
        ['--passin', o.passin],
      ]);
      if (o.json && o.out === STDIO) throw new CliError('ERR_CLI_USAGE', '--json and --out - both want stdout');
      const request = await loadRequest(io, o.in);
      if (!(await request.verify())) {
        const { CertificatesError } = await import('@semper/certificates');
        throw new CertificatesError(
          'ERR_CERTIFICATES_POP_FAILED',
          `${o.in}: the request is not signed with its own key (no proof of possession)`,
        );
      }
      if (o.subject !== undefined) await annotated('--subject', () => encodeName(o.subject as string));
      const passphrase = await caPassphrase(io, o.dir, o.passin);
      const issued = await withCaFolder(io, o.dir, passphrase, ({ certificates, info }) =>
        certificates.issue(CA_MODULE_ID, {
          caId: o.ca ?? info.issuingCaId,
          profile: o.profile,
          request,
          ...(o.subject === undefined ? {} : { subject: o.subject }),
          ...(o.days === undefined ? {} : { validityDays: o.days }),
          ...(altNames(o) === undefined ? {} : { subjectAltNames: altNames(o) }),
        }),
      );
      await writeOutputs(io, [{ name: o.out, data: issuedPem(issued, o.chain) }]);
      if (o.json) writeJson(io.stdout, issuedJson(issued));
      else writeReport(o.out === STDIO ? io.stderr : io.stdout, 'Certificate issued', issuedRows(issued));
    });

  ca.command('revoke')
    .description('revoke a certificate the CA issued; it is listed from the next CRL (semper ca crl) on')
    .addOption(dirOption())
    .addOption(
      new Option('--serial <hex>', 'the serial number, in hex (as openssl x509 -serial prints it)')
        .argParser(parseSerial)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--reason <reason>', `the reason: ${REASONS.join(', ')}`).argParser(parseReason).makeOptionMandatory(),
    )
    .option('--ca <id>', 'the CA that issued it (default: found by the serial number)')
    .addOption(
      new Option(
        '--invalidity-date <time>',
        'when the key was (or may have been) compromised: seconds since 1970 or ISO 8601',
      ).argParser(parseTime),
    )
    .option('--json', 'print the revocation as JSON')
    .addHelpText(
      'after',
      `
Revoking signs nothing, so it needs no passphrase; relying parties see it in the next CRL. certificateHold
puts a certificate on hold; revoking it again with another reason makes that final.

Example:
  semper ca revoke --dir ca --serial 5f3a9c… --reason keyCompromise
  semper ca crl --dir ca --out ca.crl --passin env:SEMPER_CA_PASS`,
    )
    .action(async (o: RevokeOptions) => {
      const revocation = await withCaFolder(io, o.dir, undefined, async (folder) =>
        folder.certificates.revoke(CA_MODULE_ID, {
          caId: await findIssuer(folder, o.dir, o.serial, o.ca),
          serialNumber: o.serial,
          reason: o.reason,
          ...(o.invalidityDate === undefined ? {} : { invalidityDate: o.invalidityDate }),
        }),
      );
      if (o.json) {
        writeJson(io.stdout, {
          caId: revocation.caId,
          serialNumber: revocation.serialNumber,
          reason: revocation.reason,
          revokedAt: revocation.revokedAt.toISOString(),
          invalidityDate: revocation.invalidityDate?.toISOString() ?? null,
        });
      } else {
        writeReport(io.stdout, 'Certificate revoked', [
          ['serial', revocation.serialNumber],
          ['CA', revocation.caId],
          ['reason', revocation.reason],
          ['revoked at', revocation.revokedAt.toISOString()],
          ['invalidity date', revocation.invalidityDate?.toISOString()],
          ['next', 'publish a CRL: semper ca crl'],
        ]);
      }
    });

  ca.command('crl')
    .description('issue a CRL of a CA (or of every CA) listing what it revoked')
    .addOption(dirOption())
    .requiredOption('--out <file>', 'where to write the CRL (PEM, X509 CRL; - for stdout)')
    .addOption(
      new Option('--days <days>', 'days until the next CRL is due (nextUpdate; default: 7)').argParser(
        parseInteger(1, 3650),
      ),
    )
    .addOption(passinOption('the CA'))
    .addOption(new Option('--ca <id>', 'the CA (default: the one that issues)').conflicts('all'))
    .option('--all', 'a CRL of every CA of the folder, one after the other in --out (for openssl -crl_check_all)')
    .option('--json', 'print what was issued as JSON')
    .addHelpText(
      'after',
      `
Example:
  semper ca crl --dir ca --out ca.crl --passin env:SEMPER_CA_PASS
  openssl verify -crl_check -CRLfile ca.crl -CAfile ca/root.pem -untrusted ca/intermediate.pem alice.pem`,
    )
    .action(async (o: CrlOptions) => {
      if (o.json && o.out === STDIO) throw new CliError('ERR_CLI_USAGE', '--json and --out - both want stdout');
      const passphrase = await caPassphrase(io, o.dir, o.passin);
      const crls = await withCaFolder(io, o.dir, passphrase, async ({ certificates, info }) => {
        const ids = o.all ? info.cas : [o.ca ?? info.issuingCaId];
        const nextUpdate = o.days === undefined ? undefined : new Date(Date.now() + o.days * DAY);
        const out = [];
        for (const caId of ids) {
          out.push(await certificates.issueCrl(CA_MODULE_ID, { caId, ...(nextUpdate ? { nextUpdate } : {}) }));
        }
        return out;
      });
      await writeOutputs(io, [{ name: o.out, data: crls.map((c) => c.pem).join('') }]);
      const shown = crls.map((c) => ({
        caId: c.caId,
        issuer: c.crl.issuer,
        crlNumber: c.crlNumber.toString(),
        thisUpdate: c.thisUpdate.toISOString(),
        nextUpdate: c.nextUpdate.toISOString(),
        revoked: c.crl.entries.length,
      }));
      if (o.json) writeJson(io.stdout, o.all ? shown : shown[0]);
      else {
        const stream = o.out === STDIO ? io.stderr : io.stdout;
        for (const c of shown) {
          writeReport(stream, `CRL ${c.crlNumber} of CA ${c.caId} issued`, [
            ['issuer', c.issuer],
            ['this update', c.thisUpdate],
            ['next update', c.nextUpdate],
            ['revoked', String(c.revoked)],
          ]);
        }
      }
    });

  ca.command('list')
    .description('list the CAs of the folder and the certificates they issued')
    .addOption(dirOption())
    .option('--ca <id>', 'only the certificates this CA issued')
    .option('--revoked', 'only revoked certificates (and those on hold)')
    .option('--json', 'print the list as JSON')
    .addHelpText(
      'after',
      `
Example:
  semper ca list --dir ca --json`,
    )
    .action(async (o: ListOptions) => {
      const { cas, records, info } = await withCaFolder(io, o.dir, undefined, async (folder) => ({
        info: folder.info,
        cas: await folder.certificates.listCas(CA_MODULE_ID),
        records: await folder.certificates.listCertificates(CA_MODULE_ID, {
          ...(o.ca === undefined ? {} : { caId: o.ca }),
          ...(o.revoked ? { revoked: true } : {}),
          limit: 10_000,
        }),
      }));
      if (o.json) {
        writeJson(io.stdout, { cas: cas.map((c) => caJson(c, info)), certificates: records.map(recordJson) });
        return;
      }
      writeReport(
        io.stdout,
        `CAs of ${o.dir}`,
        cas.map((c) => [
          c.caId,
          `${c.certificate.subject}, until ${c.certificate.notAfter.toISOString()}${c.parentCaId ? `, under ${c.parentCaId}` : ''}${c.caId === info.issuingCaId ? ', issues by default' : ''}`,
        ]),
      );
      writeReport(
        io.stdout,
        `Certificates (${records.length})`,
        records.map((r) => [
          r.serialNumber,
          `${r.profile}, CA ${r.caId}, ${r.revocation ? `REVOKED (${r.revocation.reason})` : 'valid'}, until ${r.certificate.notAfter.toISOString()}, ${r.certificate.subject}${r.registrationId ? `, ${r.registrationId}` : ''}`,
        ]),
      );
    });
}
