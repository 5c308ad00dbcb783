// `npm run limbo`: the x509-limbo vectors against semper's PathValidator and pkijs, with the pass rates per
// category for both, the cases semper fails, and the not-applicable cases with their reasons. The last line
// printed is one JSON object: {"semper":{"passed","applicable"},"pkijs":{…},"notApplicable":[ids]}.
//
//   npm run limbo                 vectors from ../shared/vectors/x509-limbo/limbo.json (from the repo root)
//   SEMPER_LIMBO=path npm run limbo
//   npm run limbo -- --verbose    also list the cases pkijs fails
import 'reflect-metadata';
import { formatReport, limboPath, loadLimbo, runLimbo } from '../test/limbo/harness.js';

const path = limboPath();
const file = loadLimbo(path);
if (file === undefined) {
  console.error(`limbo: no vectors at ${path} (set SEMPER_LIMBO to the path of limbo.json)`);
  process.exit(2);
}
const outcomes = await runLimbo(file);
for (const line of formatReport(outcomes, process.argv.includes('--verbose'))) console.log(line);
