// The layer rules (.dependency-cruiser.cjs) catch what they promise to catch, and the real tree obeys them.
//
// Each fixture is a small workspace in a temporary folder — a root package.json with workspaces,
// packages/<name>/ with the same exports map shape as ours (`@semper/source` → src/*.ts), and
// node_modules/@semper/<name> symlinks like npm's — cruised with a copy of the real configuration, so the
// resolution (symlinks, export conditions) is the one `npm run deps` uses.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

type Files = Record<string, string>;
const scratch: string[] = [];

/** Writes a workspace: `packages` gives each package's dependencies (names without the scope). */
function workspace(packages: Record<string, Record<string, string>>, files: Files): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'semper-layers-')));
  scratch.push(dir);
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  write(
    'package.json',
    JSON.stringify({ name: 'fixture', private: true, type: 'module', workspaces: ['packages/*'] }, null, 2),
  );
  cpSync(CONFIG, join(dir, '.dependency-cruiser.cjs'));
  mkdirSync(join(dir, 'node_modules/@semper'), { recursive: true });
  for (const [name, dependencies] of Object.entries(packages)) {
    const entry = (file: string) => ({
      types: `./dist/${file}.d.ts`,
      '@semper/source': `./src/${file}.ts`,
      default: `./dist/${file}.js`,
    });
    write(
      `packages/${name}/package.json`,
      JSON.stringify({
        name: `@semper/${name}`,
        version: '0.0.0',
        type: 'module',
        exports: { '.': entry('index'), './spi': entry('spi'), './testing': entry('testing') },
        dependencies,
      }),
    );
    for (const file of ['index', 'spi', 'testing']) write(`packages/${name}/src/${file}.ts`, 'export {};\n');
    symlinkSync(join('..', '..', 'packages', name), join(dir, 'node_modules/@semper', name), 'dir');
  }
  // Stand-ins for npm packages, so that classification (npm / npm-dev / npm-no-pkg) is exercised.
  for (const npm of ['tsyringe', 'zod', 'vitest']) {
    write(`node_modules/${npm}/package.json`, JSON.stringify({ name: npm, version: '1.0.0', main: 'index.js' }));
    write(`node_modules/${npm}/index.js`, 'module.exports = {};\n');
  }
  for (const [path, text] of Object.entries(files)) write(path, text);
  return dir;
}

interface Finding {
  rule: string;
  from: string;
  to: string;
}

async function check(dir: string): Promise<Finding[]> {
  const options = await extractDepcruiseOptions(join(dir, '.dependency-cruiser.cjs'));
  const targets = ['packages', 'examples', 'test'].filter((t) => existsSync(join(dir, t)));
  const { output } = await cruise(targets, { ...options, baseDir: dir });
  const result = output as ICruiseResult;
  return result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

const semper = (...names: string[]) => Object.fromEntries(names.map((n) => [`@semper/${n}`, '0.0.0']));

describe('layer rules', () => {
  it('report each forbidden import under its rule, and nothing else', async () => {
    const dir = workspace(
      {
        core: { tsyringe: '1.0.0' },
        crypto: semper('core'),
        store: semper('core', 'crypto'),
        payments: semper('core', 'commerce'),
        certificates: semper('core'),
        'payment-sim': semper('core', 'payments', 'payment-ecash', 'certificates'),
        'payment-ecash': semper('core', 'payments', 'commerce', 'comms-mail'),
        comms: semper('core'),
        'comms-mail': semper('core', 'comms'),
        commerce: semper('core', 'payments'),
        sdc: semper('core'),
        hub: semper('core', 'sdc', 'agency'),
        agency: semper('core'),
      },
      {
        // (a) core imports a supporting service
        'packages/core/src/up.ts': "export { x } from '@semper/crypto';\n",
        // core imports an npm package beyond tsyringe, rxjs, reflect-metadata
        'packages/core/src/zod.ts': "import 'zod';\nimport 'tsyringe';\nexport {};\n",
        // (b) a payment module imports another payment module
        'packages/payment-sim/src/other.ts': "export { y } from '@semper/payment-ecash';\n",
        // a module reaches its block through the main entry instead of spi
        'packages/payment-sim/src/main-entry.ts': "export { z } from '@semper/payments';\n",
        // a module imports another block
        'packages/payment-sim/src/block.ts': "export { w } from '@semper/certificates';\n",
        // a module imports the commerce layer
        'packages/payment-ecash/src/up.ts': "export { c } from '@semper/commerce';\n",
        // a module imports a module of another family (a transport)
        'packages/payment-ecash/src/mail.ts': "export { m } from '@semper/comms-mail';\n",
        // (c) another package's internals: by a deep specifier and by a relative path
        'packages/store/src/deep.ts': "export { e } from '@semper/core/src/errors.js';\n",
        'packages/store/src/relative.ts': "export { e } from '../../core/src/errors.js';\n",
        'packages/core/src/errors.ts': 'export const e = 1;\n',
        // same-row import between supporting services
        'packages/store/src/same-row.ts': "export { x } from '@semper/crypto';\n",
        // (d) a block imports the commerce layer
        'packages/payments/src/up.ts': "export { c } from '@semper/commerce';\n",
        // same-row import in the reference row that is not an exception
        'packages/hub/src/agency.ts': "export { a } from '@semper/agency';\n",
        // a runtime cycle
        'packages/commerce/src/a.ts': "import { b } from './b.js';\nexport const a = b;\n",
        'packages/commerce/src/b.ts': "import { a } from './a.js';\nexport const b = a;\n",
        // shipped code imports a test file and vitest
        'packages/crypto/src/uses-test.ts': "import './uses-test.test.js';\nimport 'vitest';\nexport {};\n",
        'packages/crypto/src/uses-test.test.ts': "import { it } from 'vitest';\nit('x', () => {});\n",
        // shipped code imports a conformance kit
        'packages/commerce/src/kit.ts': "export * from '@semper/payments/testing';\n",
        // an example reaches into a package's folder
        'examples/demo/main.ts': "export { e } from '../../packages/core/src/errors.js';\n",
        // a cross-package test does too
        'test/flows/deal.test.ts': "export { e } from '../../packages/core/src/errors.js';\n",
        // an import that resolves nowhere
        'packages/certificates/src/missing.ts': "export * from './nowhere.js';\n",
      },
    );

    const findings = await check(dir);
    // A cycle is reported once, from whichever of its modules the cruise met first: compare it as a set.
    const key = (f: Finding) =>
      f.rule === 'no-circular'
        ? `${f.rule}: ${[f.from, f.to].sort().join(' <-> ')}`
        : `${f.rule}: ${f.from} -> ${f.to}`;
    expect(findings.map(key).sort()).toEqual(
      [
        // (a)
        { rule: 'layers-lower-rows-only', from: 'packages/core/src/up.ts', to: 'packages/crypto/src/index.ts' },
        { rule: 'core-runtime-dependencies', from: 'packages/core/src/zod.ts', to: 'node_modules/zod/index.js' },
        {
          rule: 'undeclared-runtime-dependency',
          from: 'packages/core/src/zod.ts',
          to: 'node_modules/zod/index.js',
        },
        // (b)
        {
          rule: 'module-not-to-other-module',
          from: 'packages/payment-sim/src/other.ts',
          to: 'packages/payment-ecash/src/index.ts',
        },
        {
          rule: 'module-block-through-spi-only',
          from: 'packages/payment-sim/src/main-entry.ts',
          to: 'packages/payments/src/index.ts',
        },
        {
          rule: 'module-not-to-other-block',
          from: 'packages/payment-sim/src/block.ts',
          to: 'packages/certificates/src/index.ts',
        },
        {
          rule: 'layers-lower-rows-only',
          from: 'packages/payment-ecash/src/up.ts',
          to: 'packages/commerce/src/index.ts',
        },
        {
          rule: 'module-not-to-other-module',
          from: 'packages/payment-ecash/src/mail.ts',
          to: 'packages/comms-mail/src/index.ts',
        },
        // (c)
        { rule: 'only-public-entry-points', from: 'packages/store/src/deep.ts', to: '@semper/core/src/errors.js' },
        {
          rule: 'no-relative-import-across-packages',
          from: 'packages/store/src/relative.ts',
          to: 'packages/core/src/errors.ts',
        },
        { rule: 'only-public-entry-points', from: 'packages/store/src/relative.ts', to: 'packages/core/src/errors.ts' },
        {
          rule: 'no-relative-import-across-packages',
          from: 'examples/demo/main.ts',
          to: 'packages/core/src/errors.ts',
        },
        { rule: 'only-public-entry-points', from: 'examples/demo/main.ts', to: 'packages/core/src/errors.ts' },
        {
          rule: 'no-relative-import-across-packages',
          from: 'test/flows/deal.test.ts',
          to: 'packages/core/src/errors.ts',
        },
        { rule: 'only-public-entry-points', from: 'test/flows/deal.test.ts', to: 'packages/core/src/errors.ts' },
        { rule: 'layers-lower-rows-only', from: 'packages/store/src/same-row.ts', to: 'packages/crypto/src/index.ts' },
        // (d)
        { rule: 'layers-lower-rows-only', from: 'packages/payments/src/up.ts', to: 'packages/commerce/src/index.ts' },
        { rule: 'layers-lower-rows-only', from: 'packages/hub/src/agency.ts', to: 'packages/agency/src/index.ts' },
        { rule: 'no-circular', from: 'packages/commerce/src/a.ts', to: 'packages/commerce/src/b.ts' },
        {
          rule: 'no-test-code-in-production',
          from: 'packages/crypto/src/uses-test.ts',
          to: 'packages/crypto/src/uses-test.test.ts',
        },
        {
          rule: 'no-vitest-in-production',
          from: 'packages/crypto/src/uses-test.ts',
          to: 'node_modules/vitest/index.js',
        },
        {
          rule: 'no-test-code-in-production',
          from: 'packages/commerce/src/kit.ts',
          to: 'packages/payments/src/testing.ts',
        },
        { rule: 'not-to-unresolvable', from: 'packages/certificates/src/missing.ts', to: './nowhere.js' },
      ]
        .map(key)
        .sort(),
    );
  });

  it('pass a workspace that follows them', async () => {
    const dir = workspace(
      {
        core: { tsyringe: '1.0.0' },
        crypto: semper('core'),
        payments: semper('core', 'crypto'),
        'payment-sim': semper('core', 'crypto', 'payments'),
        commerce: semper('core', 'payments'),
        sdc: semper('core', 'crypto'),
        hub: semper('core', 'sdc', 'commerce'),
        cli: semper('core', 'hub', 'payment-sim'),
      },
      {
        'packages/core/src/di.ts': "import 'tsyringe';\nimport type {} from 'tsyringe';\nexport {};\n",
        'packages/crypto/src/keys.ts': "export * from '@semper/core';\nexport * from '@semper/core/spi';\n",
        'packages/crypto/src/keys.test.ts':
          "import { it } from 'vitest';\nimport '@semper/core/testing';\nit('x', () => {});\n",
        'packages/payments/src/manager.ts': "export * from '@semper/crypto';\nexport * from './module.js';\n",
        // an `import type` cycle is no cycle at run time
        'packages/payments/src/module.ts': "import type { M } from './registry.js';\nexport type N = M;\n",
        'packages/payments/src/registry.ts': "import type { N } from './module.js';\nexport type M = N | 1;\n",
        // nor is a cycle with one `import type` edge
        'packages/payments/src/route.ts': "import { pick } from './pick.js';\nexport const route = pick;\n",
        'packages/payments/src/pick.ts':
          "import type { route } from './route.js';\nexport const pick = (r?: typeof route) => r;\n",
        // the conformance kit may use vitest and the package's own internals
        'packages/payments/src/testing.ts': "import 'vitest';\nexport * from './manager.js';\n",
        'packages/payment-sim/src/index.ts': "export * from '@semper/payments/spi';\nexport * from '@semper/crypto';\n",
        'packages/payment-sim/src/sim.test.ts': "import '@semper/payments/testing';\nimport 'vitest';\n",
        'packages/commerce/src/index.ts': "export * from '@semper/payments';\n",
        // hub → sdc is a listed same-row exception
        'packages/hub/src/index.ts': "export * from '@semper/sdc';\nexport * from '@semper/commerce';\n",
        'examples/demo/main.ts': "export * from '@semper/hub';\nexport * from '@semper/payments/spi';\n",
        'packages/cli/src/index.ts': "export * from '@semper/hub';\nexport * from '@semper/payment-sim';\n",
      },
    );
    expect(await check(dir)).toEqual([]);
  });

  it('refuse a package that is on no row', async () => {
    const dir = workspace({ core: {}, mystery: semper('core') }, {});
    await expect(check(dir)).rejects.toThrow(/packages\/mystery on no row/);
  });

  it('hold on the real tree', async () => {
    const options = await extractDepcruiseOptions(CONFIG);
    const targets = ['packages', 'examples', 'test'].filter((t) => existsSync(join(ROOT, t)));
    const { output } = await cruise(targets, { ...options, baseDir: ROOT });
    const violations = (output as ICruiseResult).summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
    expect(violations).toEqual([]);
  });

  it("keep core's package.json to the runtime dependencies the architecture allows", () => {
    const core = JSON.parse(readFileSync(join(ROOT, 'packages/core/package.json'), 'utf8'));
    expect(
      Object.keys(core.dependencies ?? {}).filter((d) => !['tsyringe', 'rxjs', 'reflect-metadata'].includes(d)),
    ).toEqual([]);
  });
});
