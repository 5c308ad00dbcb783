// The child process of the pump's crash test: a pump between a file mailbox and a transfer folder, running
// until it is killed (SIGKILL, at a random moment). Prints `ready`, then a line per mailbox commit.
//
//   node child.mjs <mailbox dir> <transfer folder> <slow ms>
import { openFolderTransport } from '@semper/comms';
import { FileSdcMailbox } from './file-mailbox.test-util.js';
import { SdcPump } from './sdc.pump.js';

const [mailboxDir, folder, slow] = process.argv.slice(2) as [string, string, string];
const mailbox = await FileSdcMailbox.open(mailboxDir, Number(slow), (line) => process.stdout.write(`${line}\n`));
const transport = await openFolderTransport({ path: folder, pollIntervalMs: 5 });
const pump = new SdcPump({ mailbox, transport, intervalMs: 5, runAfterIntake: 0, backoff: { initialDelayMs: 5 } });
await pump.start();
process.stdout.write('ready\n');
