import { createRequire } from 'node:module';
import { Command } from 'commander';
import { addArchiveCommands } from './archive.command.js';
import { addCaCommands } from './ca.command.js';
import { addCertCommands } from './cert.command.js';
import { addCmsCommands } from './cms.command.js';
import type { CliIo } from './files.js';
import { addIdentityCommands } from './identity.command.js';
import { addMintCommands } from './mint.command.js';
import { addPayCommand } from './pay.command.js';
import { addShopCommands } from './shop.command.js';
import { addRaCommands } from './ra.command.js';
import { addReqCommands } from './req.command.js';
import { addSdcCommands } from './sdc.command.js';
import { addSdcPumpCommand } from './sdc-pump.command.js';
import { addStatementCommands } from './statement.command.js';
import { addWalletCommands } from './wallet.command.js';

/** The version of `@semper/cli` (from its package.json, one level above both `src/` and `dist/`). */
export function cliVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('../package.json') as { version: string }).version;
}

/**
 * Builds the `semper` command tree. Nothing is parsed here and nothing exits: errors surface as thrown
 * `CommanderError`s (exitOverride) for {@link main} to map to an exit code.
 */
export function createProgram(io: CliIo): Command {
  const program = new Command('semper');
  program
    .description(
      'semper: identities, CMS messages, a CA with a registration authority, certificate validation, signed statements, evidence bundles',
    )
    .version(cliVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      // Only help shown because of an error (a missing command) comes here; main prints one line instead.
      writeErr: () => undefined,
      outputError: () => undefined,
    })
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `
Options are spelled as in openssl cms, with two dashes (--in, --CAfile); openssl's single-dash spelling
(-in, -CAfile) is accepted too. Every command has --help.

Exit codes:
  0  success
  1  negative verdict: bad signature, untrusted signer, decryption failure, receipt mismatch, a certificate
     that does not validate, a refused enrolment, a statement or evidence bundle that does not verify
  2  usage or input error: missing or unknown flags, unreadable or malformed files, wrong passphrase

Errors are one line on stderr: semper: <code>: <message>`,
    );
  addIdentityCommands(program, io);
  addCmsCommands(program, io);
  addReqCommands(program, io);
  addCaCommands(program, io);
  addRaCommands(program, io);
  addCertCommands(program, io);
  addStatementCommands(program, io);
  addArchiveCommands(program, io);
  addSdcCommands(program, io);
  addSdcPumpCommand(program, io);
  addMintCommands(program, io);
  addWalletCommands(program, io);
  addPayCommand(program, io);
  addShopCommands(program, io);
  return program;
}
