#!/usr/bin/env node
// `npm run publint`: lints what every package under packages/ would publish, with publint's API.
//
//   node scripts/publint-all.mjs [--strict] [folder ...]
//
// Needs a build first (`npx tsc -b`): the exports maps point `types`/`default` at dist/. Each package is
// packed with `npm pack --dry-run` (lifecycle scripts skipped) so "file not published" is checked against
// the real tarball. Errors fail the run (exit 1); warnings and suggestions are printed. With --strict,
// warnings fail the run too.
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const strict = args.includes('--strict');
const only = args.filter((a) => !a.startsWith('--'));

const packagesDir = join(root, 'packages');
const folders = readdirSync(packagesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(packagesDir, d.name, 'package.json')))
  .map((d) => d.name)
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

if (only.length > 0 && folders.length !== only.length) {
  const missing = only.filter((name) => !folders.includes(name));
  console.error(`publint: no package folder ${missing.map((m) => `packages/${m}`).join(', ')}`);
  process.exit(2);
}

const LABEL = { error: 'error', warning: 'warning', suggestion: 'suggestion' };
const totals = { error: 0, warning: 0, suggestion: 0 };
let unbuilt = 0;

/** Lints one folder; returns the lines to print (packing is slow, so folders run concurrently). */
async function lint(folder) {
  const pkgDir = join(packagesDir, folder);
  const rel = relative(root, pkgDir);
  if (!existsSync(join(pkgDir, 'dist'))) {
    unbuilt++;
    return [`${rel}: not built (no dist/): run \`npx tsc -b\` first`];
  }
  const { messages, pkg } = await publint({ pkgDir, pack: 'npm', level: 'suggestion', strict });
  const lines = [];
  for (const type of ['error', 'warning', 'suggestion']) {
    for (const message of messages.filter((m) => m.type === type)) {
      totals[type]++;
      lines.push(`  ${LABEL[type]} ${message.code}: ${formatMessage(message, pkg) ?? ''}`);
    }
  }
  return [`${rel} (${pkg.name ?? '?'}): ${messages.length === 0 ? 'ok' : `${messages.length} finding(s)`}`, ...lines];
}

// A few at a time: each one spawns `npm pack`.
const results = new Array(folders.length);
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(4, folders.length) }, async () => {
    while (next < folders.length) {
      const i = next++;
      try {
        results[i] = await lint(folders[i]);
      } catch (error) {
        totals.error++;
        results[i] = [`packages/${folders[i]}: publint failed: ${error instanceof Error ? error.message : error}`];
      }
    }
  }),
);
for (const lines of results) console.log(lines.join('\n'));

console.log(
  `\npublint: ${folders.length} package(s), ${totals.error} error(s), ${totals.warning} warning(s), ${totals.suggestion} suggestion(s)` +
    (unbuilt ? `, ${unbuilt} not built` : ''),
);
process.exitCode = totals.error > 0 || unbuilt > 0 ? 1 : 0;
