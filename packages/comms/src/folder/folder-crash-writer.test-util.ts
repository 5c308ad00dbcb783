// The child process of the crash test: sends messages into a folder transport as fast as it can, printing
// `sent <id>` once each send resolved, until it is killed (SIGKILL, at a random moment).
//
//   node writer.mjs <own folder> <destination address> <seed>
import { openFolderTransport } from './folder.transport.js';
import { bodyFor, idFor } from './folder-crash.test-util.js';

const [own, to, seed] = process.argv.slice(2) as [string, string, string];
const transport = await openFolderTransport({ path: own, pollIntervalMs: 5 });
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const id = idFor(seed, i);
  await transport.send({
    id,
    from: transport.address,
    to,
    contentType: 'application/octet-stream',
    body: bodyFor(seed, i),
  });
  // Pipes are synchronous on Linux: once this line is out, the parent knows that send resolved.
  process.stdout.write(`sent ${id}\n`);
}
