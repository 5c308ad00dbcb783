import { resolve } from 'node:path';
import type { ArchiveIssue } from '@semper/archive';
import { SemperError } from '@semper/core';
import { TrustStore } from '@semper/crypto';
import { type Command, Option } from 'commander';
import { CliError } from './errors.js';
import type { CliIo } from './files.js';
import { loadCertificate, loadCertificates } from './material.js';
import { parseTime } from './options.js';
import { writeJson } from './report.js';

interface VerifyOptions {
  CAfile: string;
  signer?: string;
  attime?: Date;
  statements: boolean;
  json?: boolean;
}

function where(issue: ArchiveIssue): string {
  if ('seq' in issue) return `record ${issue.seq}`;
  if ('checkpointSeq' in issue) return `checkpoint ${issue.checkpointSeq}`;
  return 'bundle';
}

/** Adds `semper archive verify`. */
export function addArchiveCommands(program: Command, io: CliIo): void {
  const archive = program
    .command('archive')
    .description("a party's evidence archive: verify exported evidence bundles");

  archive
    .command('verify')
    .description('verify an evidence bundle offline: the hash chain, the signed checkpoints, the signed statements')
    .argument('<bundle>', 'the bundle (a tar file, from EvidenceArchive.exportBundle)')
    .requiredOption('--CAfile <file>', "the trusted certificates (PEM): the archiving party's, or its CA's")
    .option('--signer <file>', "require the checkpoints to be signed with this certificate (the archiving party's)")
    .addOption(
      new Option(
        '--attime <time>',
        'validate every signer at this time (default: each checkpoint and statement at its own time)',
      ).argParser(parseTime),
    )
    .option('--no-statements', 'do not verify the signed statements archived in the bundle')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Prints the report (stdout): what was checked and every problem, first problem first. Exit code 0 when the
bundle is valid; 1 when it is not (records altered, removed, reordered, not covered by a valid signed
checkpoint, a checkpoint or statement that does not verify: ERR_CLI_BUNDLE_INVALID, the first problem on
stderr); 2 when the file is not a readable bundle (ERR_ARCHIVE_BUNDLE_MALFORMED, …_TOO_LARGE,
…_UNSUPPORTED) or cannot be read.

Example:
  semper archive verify deal_42.tar --CAfile merchant.pem --json`,
    )
    .action(async (bundle: string, o: VerifyOptions) => {
      const trust = new TrustStore(await loadCertificates(io, o.CAfile));
      const signer = o.signer === undefined ? undefined : await loadCertificate(io, o.signer);
      const { verifyBundleFile } = await import('@semper/archive');
      const report = await verifyBundleFile(resolve(io.cwd, bundle), {
        trust,
        ...(signer === undefined ? {} : { signer }),
        ...(o.attime === undefined ? {} : { validationTime: o.attime }),
        statements: o.statements,
      });
      if (o.json) writeJson(io.stdout, report);
      else io.stdout.write(`${report.lines.join('\n')}\n`);
      if (report.verdict === 'valid') return;
      const [first] = report.issues;
      if (report.verdict === 'malformed') {
        const code = first !== undefined && 'code' in first ? first.code : 'ERR_ARCHIVE_BUNDLE_MALFORMED';
        throw new SemperError(code, `${bundle}: ${first?.message ?? 'not a bundle'}`);
      }
      const n = report.issues.length;
      throw new CliError(
        'ERR_CLI_BUNDLE_INVALID',
        `${bundle}: ${n} problem${n === 1 ? '' : 's'}${first === undefined ? '' : `; first: ${where(first)}: ${first.message}`}`,
      );
    });
}
