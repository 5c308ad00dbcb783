// TerminalTrustedIo on a real pseudo-terminal (util-linux `script`): the terminal echoes the y/n answer,
// but not the passphrase (raw mode), and the digest signed is the digest the user saw.
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const child = fileURLToPath(new URL('./terminal.pty.test-util.ts', import.meta.url));
const root = fileURLToPath(new URL('../../..', import.meta.url));
const command = `${JSON.stringify(process.execPath)} --conditions=@semper/source --import tsx ${JSON.stringify(child)}`;

describe.skipIf(process.platform !== 'linux' || !hasScript())('TerminalTrustedIo on a pseudo-terminal', () => {
  it('shows the digest that is signed, echoes y, never the passphrase, and lets the process exit', async () => {
    const proc = spawn('script', ['-qec', command, '/dev/null'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let errors = '';
    proc.stderr.on('data', (d: Buffer) => {
      errors += d.toString('utf8');
    });
    const waiting = new Set<() => void>();
    proc.stdout.on('data', (d: Buffer) => {
      screen += d.toString('utf8');
      for (const check of [...waiting]) check();
    });
    const waitFor = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no '${text}' on the terminal:\n${screen}\n${errors}`)),
          15_000,
        );
        const check = () => {
          if (!screen.includes(text)) return;
          clearTimeout(timer);
          waiting.delete(check);
          resolve();
        };
        waiting.add(check);
        check();
      });
    const exited = new Promise<number | null>((resolve) => proc.on('close', resolve));

    await waitFor('[y/N] ');
    proc.stdin.write('y\r');
    await waitFor('Passphrase: ');
    proc.stdin.write('pty-s3cret\r');
    const code = await exited;

    expect(code).toBe(0);
    const match = /RESULT (\{.*\})/.exec(screen);
    expect(match, screen).not.toBeNull();
    const result = JSON.parse(match![1]!);
    expect(result).toMatchObject({ isTTY: true, signed: true, secretLength: 10, secretOk: true });
    const shown = /SHA-256:\s+([0-9a-f ]{39})\r?\n\s+([0-9a-f ]{39})\r?\n/.exec(screen);
    expect(shown, screen).not.toBeNull();
    expect(`${shown![1]}${shown![2]}`.replaceAll(' ', '')).toBe(result.signedDigest);
    expect(screen).toMatch(/\[y\/N\] y\r?\n/); // cooked mode: the terminal echoed the answer
    expect(screen).not.toContain('pty-s3cret'); // raw mode: the passphrase was never echoed
  }, 30_000);
});
