// @ts-check
// The layer rules of docs/architecture.md (ARCHITECTURE.md), as a dependency-cruiser configuration.
//
//   npm run deps        checks packages/, examples/ and test/; exits non-zero on any violation
//
// Everything is derived from three tables below — RANKS, MODULE_FAMILIES and SAME_ROW_EXCEPTIONS — so a new
// package is covered by adding its folder name to its row (a module matching a MODULE_FAMILIES pattern,
// e.g. `payment-foo`, needs no edit at all). A folder under packages/ that is on no row makes this
// configuration throw: an unranked package would otherwise escape every layer rule.
//
// How imports are seen: `@semper/x` resolves through the node_modules symlink (preserveSymlinks false) and
// the `@semper/source` export condition to packages/x/src/<entry>.ts, and dependency-cruiser marks it
// `aliased-workspace`; a relative import is only `local`. The rules therefore match on resolved paths
// (packages/<folder>/...) and, to tell a public import from a reach into another folder, on those types.
// See docs/guides/tooling.md.

const fs = require('node:fs');
const path = require('node:path');

/**
 * The rows of the architecture, lowest first. A package may import packages on LOWER rows only.
 * `folders` are folder names under packages/; `paths` are other top-level folders on that row.
 */
const RANKS = [
  { row: 'core', folders: ['core'] },
  { row: 'supporting', folders: ['crypto', 'comms', 'trusted-io', 'archive', 'access', 'store'] },
  { row: 'blocks', folders: ['payments', 'certificates', 'statements'] },
  // Filled from MODULE_FAMILIES below: every folder matching a family pattern is on this row.
  { row: 'modules', folders: [] },
  { row: 'exchange', folders: ['fair-exchange', 'contracts'] },
  { row: 'commerce', folders: ['commerce'] },
  { row: 'reference', folders: ['sdc', 'hub', 'agency'] },
  { row: 'applications', folders: ['cli'], paths: ['examples'] },
];

/**
 * Modules: packages that plug into a block (or into a supporting service) through its `spi` entry.
 * `pattern` is a regular expression over the folder name; `block` is the folder of the block it plugs into.
 * A module imports its block's `@semper/<block>/spi` (tests also `/testing`), supporting services and
 * core — never another module, another block, or anything on a higher row.
 */
const MODULE_FAMILIES = [
  { pattern: 'payment-[a-z0-9-]+', block: 'payments' },
  { pattern: 'certificates-[a-z0-9-]+', block: 'certificates' },
  { pattern: 'statements-[a-z0-9-]+', block: 'statements' },
  { pattern: 'comms-[a-z0-9-]+', block: 'comms' },
];

/**
 * Same-row imports are forbidden ("lower rows only") except these, each needed by the architecture.
 * `from` / `to` are folder names.
 */
const SAME_ROW_EXCEPTIONS = [
  // The money-transfer flow: the hub opens and the agency seals Secure Data Containers.
  { from: 'hub', to: 'sdc', why: 'the hub opens SDCs and answers with receipts' },
  { from: 'agency', to: 'sdc', why: 'the agency seals its exports into SDCs and imports the hub’s' },
  // Supporting services built on other supporting services, as ARCHITECTURE.md describes them:
  { from: 'archive', to: 'store', why: 'the evidence archive is kept on the store (PGlite or PostgreSQL)' },
  { from: 'archive', to: 'crypto', why: 'checkpoints are signed by the party, bundles hold CMS items' },
  { from: 'access', to: 'store', why: 'subjects, grants, statuses and denials are persisted in PostgreSQL' },
  // Candidates the architecture does not yet spell out — add here when a package needs one, with the reason:
  // { from: 'contracts', to: 'fair-exchange', why: 'contract signing is an optimistic fair exchange' },
];

/** Another package's public entry points: the `.`, `./spi` and `./testing` exports, in source form. */
const PUBLIC_ENTRIES = ['index', 'spi', 'testing'];

/** Everything core may import at run time besides Node built-ins. */
const CORE_RUNTIME_DEPENDENCIES = ['tsyringe', 'rxjs', 'reflect-metadata'];

// ---------------------------------------------------------------------------------------------------------

/** Test code: unit tests, test utilities, benches and the top-level test/ tree. */
const TEST_CODE = ['^test/', '\\.test\\.ts$', '\\.test-util\\.ts$', '\\.bench\\.ts$'];
/** Within a package folder: a test file, or the `./testing` kit (a lookahead body, after `packages/<folder>/`). */
const TEST_FILE_IN_PACKAGE = '.*(?:\\.test\\.ts|\\.test-util\\.ts|\\.bench\\.ts)$|src/testing(?:\\.ts$|/)';
/** A package's conformance kit (`./testing`): test-support code shipped with the package. */
const TESTING_ENTRY = '^packages/[^/]+/src/testing(?:\\.ts$|/)';
/** Production code: what ships, and the applications. */
const PRODUCTION = { path: '^(?:packages|examples)/', pathNot: [...TEST_CODE, TESTING_ENTRY] };

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const familyOf = (folder) => MODULE_FAMILIES.find((f) => new RegExp(`^(?:${f.pattern})$`).test(folder));
const folderRe = (folders) => `^packages/(?:${folders.join('|')})/`;

/** A unit is one thing that owns a row position: a named folder, a module family, or a top-level path. */
const units = [];
RANKS.forEach(({ row, folders, paths = [] }, rank) => {
  for (const f of folders) units.push({ row, rank, name: f, re: `^packages/${esc(f)}/` });
  for (const p of paths) units.push({ row, rank, name: `${p}/`, re: `^${esc(p)}/` });
  if (row === 'modules') {
    for (const fam of MODULE_FAMILIES) {
      units.push({
        row,
        rank,
        name: `${fam.pattern} (${fam.block} modules)`,
        re: `^packages/(?:${fam.pattern})/`,
        family: fam,
      });
    }
  }
});

// Refuse a table that does not make sense, and folders that are on no row.
{
  const rowOf = (folder) => RANKS.find((r) => r.folders.includes(folder))?.row;
  for (const fam of MODULE_FAMILIES) {
    if (!rowOf(fam.block)) throw new Error(`MODULE_FAMILIES: block '${fam.block}' is on no row of RANKS`);
  }
  for (const e of SAME_ROW_EXCEPTIONS) {
    if (!rowOf(e.from) || rowOf(e.from) !== rowOf(e.to)) {
      throw new Error(`SAME_ROW_EXCEPTIONS: ${e.from} -> ${e.to} is not an import between two folders of one row`);
    }
  }

  const packagesDir = path.join(__dirname, 'packages');
  const known = (folder) => RANKS.some((r) => r.folders.includes(folder)) || familyOf(folder) !== undefined;
  const unranked = fs.existsSync(packagesDir)
    ? fs
        .readdirSync(packagesDir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && fs.existsSync(path.join(packagesDir, d.name, 'package.json')))
        .map((d) => d.name)
        .filter((name) => !known(name))
    : [];
  if (unranked.length > 0) {
    throw new Error(
      `packages/${unranked.join(', packages/')} on no row of the layer table: add ${unranked.length > 1 ? 'them' : 'it'} to RANKS in .dependency-cruiser.cjs (see docs/guides/tooling.md)`,
    );
  }
}

/** One layer rule per unit: it may import nothing on its own row or above, except its own folder. */
const layerRules = units.map((u) => {
  // Module families leave each other to `module-not-to-other-module`, so one import gets one rule name.
  const sameOrHigher = units.filter((o) => o.rank >= u.rank && o !== u && !(u.family && o.family));
  const allowed = SAME_ROW_EXCEPTIONS.filter((e) => e.from === u.name).map((e) => `^packages/${esc(e.to)}/`);
  return {
    name: 'layers-lower-rows-only',
    severity: 'error',
    comment: `${u.name} (row ${u.row}) imports only packages on lower rows: ${
      RANKS.slice(0, u.rank)
        .map((r) => r.row)
        .join(', ') || 'none'
    }${allowed.length ? ` (and, by exception, ${SAME_ROW_EXCEPTIONS.filter((e) => e.from === u.name).map((e) => e.to)})` : ''}`,
    from: { path: u.re },
    to: {
      path: sameOrHigher.map((o) => o.re),
      ...(allowed.length ? { pathNot: allowed } : {}),
    },
  };
});

/** Module rules, one set per family. */
const moduleRules = MODULE_FAMILIES.flatMap((fam) => {
  const from = `^packages/(${fam.pattern})/`;
  const allFamilies = MODULE_FAMILIES.map((f) => f.pattern).join('|');
  const otherBlocks = RANKS[RANKS.findIndex((r) => r.row === 'blocks')].folders.filter((b) => b !== fam.block);
  const rules = [
    {
      name: 'module-not-to-other-module',
      severity: 'error',
      comment: `A ${fam.block} module (${fam.pattern}) never imports another module.`,
      from: { path: from },
      to: { path: `^packages/(?:${allFamilies})/`, pathNot: '^packages/$1/' },
    },
    {
      name: 'module-block-through-spi-only',
      severity: 'error',
      comment: `Production code of a ${fam.block} module reaches its block through @semper/${fam.block}/spi only.`,
      from: { path: from, pathNot: [...TEST_CODE, TESTING_ENTRY] },
      to: { path: `^packages/${esc(fam.block)}/`, pathNot: `^packages/${esc(fam.block)}/src/spi\\.ts$` },
    },
    {
      name: 'module-block-through-spi-only',
      severity: 'error',
      comment: `Tests of a ${fam.block} module reach its block through @semper/${fam.block}/spi or /testing only.`,
      from: { path: `^packages/(${fam.pattern})/(?=${TEST_FILE_IN_PACKAGE})` },
      to: { path: `^packages/${esc(fam.block)}/`, pathNot: `^packages/${esc(fam.block)}/src/(?:spi|testing)\\.ts$` },
    },
  ];
  if (otherBlocks.length > 0) {
    rules.push({
      name: 'module-not-to-other-block',
      severity: 'error',
      comment: `A ${fam.block} module imports its own block, supporting services and core only.`,
      from: { path: from },
      to: { path: folderRe(otherBlocks.map(esc)) },
    });
  }
  return rules;
});

const publicEntry = `^packages/[^/]+/src/(?:${PUBLIC_ENTRIES.join('|')})\\.ts$`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    ...moduleRules,
    {
      name: 'no-relative-import-across-packages',
      severity: 'error',
      comment: 'Another package is imported by its name (@semper/x), never by a relative path into its folder.',
      from: { path: '^packages/([^/]+)/' },
      to: { path: '^packages/', pathNot: '^packages/$1/', dependencyTypesNot: ['aliased-workspace'] },
    },
    {
      name: 'no-relative-import-across-packages',
      severity: 'error',
      comment: 'Applications and tests import a package by its name (@semper/x), never by a relative path.',
      from: { path: '^(?:examples|test)/' },
      to: { path: '^packages/', dependencyTypesNot: ['aliased-workspace'] },
    },
    {
      name: 'only-public-entry-points',
      severity: 'error',
      comment: `Another package is imported only through @semper/x, @semper/x/spi or @semper/x/testing, never its internals.`,
      from: { path: '^(?:packages/([^/]+)|examples|test)/' },
      to: { path: '^packages/', pathNot: ['^packages/$1/', publicEntry] },
    },
    {
      name: 'only-public-entry-points',
      severity: 'error',
      comment: 'A deep import into a package (@semper/x/src/...) is not in its exports map and is an internal.',
      from: {},
      to: { couldNotResolve: true, path: '^@semper/[^/]+/(?!(?:spi|testing)$).+' },
    },
    {
      name: 'core-runtime-dependencies',
      severity: 'error',
      comment: `core imports (even with import type) only ${CORE_RUNTIME_DEPENDENCIES.join(', ')} and Node built-ins.`,
      from: { path: '^packages/core/', pathNot: [...TEST_CODE, TESTING_ENTRY] },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg', 'npm-unknown'],
        pathNot: `(?:^|/)node_modules/(?:${CORE_RUNTIME_DEPENDENCIES.map(esc).join('|')})/`,
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles (cycles made only of `import type` edges are harmless and allowed).',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-test-code-in-production',
      severity: 'error',
      comment:
        'Shipped code imports no test file, test utility, top-level test/ module or ./testing entry (the conformance kit).',
      from: PRODUCTION,
      to: { path: [...TEST_CODE, TESTING_ENTRY] },
    },
    {
      name: 'no-vitest-in-production',
      severity: 'error',
      comment: 'Shipped code does not import vitest (tests, test utilities and ./testing kits may).',
      from: PRODUCTION,
      to: { path: '(?:^|/)node_modules/(?:vitest|@vitest/[^/]+)/' },
    },
    {
      name: 'undeclared-runtime-dependency',
      severity: 'error',
      comment:
        "A package's shipped code imports only npm packages listed in its own package.json dependencies (or peer/optional).",
      from: { path: '^packages/', pathNot: [...TEST_CODE, TESTING_ENTRY] },
      to: {
        dependencyTypes: ['npm-dev', 'npm-no-pkg', 'npm-unknown'],
        pathNot: '(?:^|/)node_modules/(?:vitest|@vitest/[^/]+)/',
      },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves (an unresolved import escapes all the other rules).',
      from: {},
      to: { couldNotResolve: true, pathNot: '^@semper/[^/]+/(?!(?:spi|testing)$).+' },
    },
  ],
  options: {
    doNotFollow: { path: '(?:^|/)node_modules/' },
    exclude: { path: '(?:^|/)(?:dist|coverage)/|^docs/api/' },
    // `import type` edges are seen (and layered) too.
    tsPreCompilationDeps: true,
    // Each file's dependencies are classified by its nearest package.json merged with the root's.
    combinedDependencies: true,
    // `@semper/*` resolves through node_modules/@semper/* symlinks to packages/*; follow them to the real path.
    preserveSymlinks: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      // `@semper/source` first: workspace imports land on packages/x/src/*.ts, so no build is needed and
      // the resolved path names the entry point. No `types`: it would select dist/*.d.ts.
      conditionNames: ['@semper/source', 'import', 'node', 'default'],
      mainFields: ['module', 'main'],
      extensions: ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json'],
    },
    moduleSystems: ['es6', 'cjs'],
  },
};
