// `npm run bench`: every benchmark, each printing ratios against a baseline measured in the same run.
import 'reflect-metadata';
import { runCardBench } from './card.bench.js';
import { runCmsBench } from './cms.bench.js';
import { runEcashBench } from './ecash.bench.js';
import { runSdcBench } from './sdc.bench.js';

console.log(`semper benchmarks — node ${process.version}, ${new Date().toISOString()}`);
await runCmsBench();
await runSdcBench();
await runCardBench();
await runEcashBench();
