// `npm run bench`: every benchmark, each printing ratios against a baseline measured in the same run.
// `npm run bench -- sdc card` runs only the named ones (cms, sdc, card, ecash).
import 'reflect-metadata';
import { runCardBench } from './card.bench.js';
import { runCmsBench } from './cms.bench.js';
import { runEcashBench } from './ecash.bench.js';
import { runSdcBench } from './sdc.bench.js';

const BENCHES: Record<string, () => Promise<unknown>> = {
  cms: runCmsBench,
  sdc: runSdcBench,
  card: runCardBench,
  ecash: runEcashBench,
};
const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
console.log(`semper benchmarks — node ${process.version}, ${new Date().toISOString()}`);
for (const [name, run] of Object.entries(BENCHES)) {
  if (asked.length === 0 || asked.includes(name)) await run();
}
