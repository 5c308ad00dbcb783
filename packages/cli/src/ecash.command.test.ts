// `semper mint init|account|serve`, `semper wallet init|withdraw|balance|backup|restore` and `semper pay`
// end to end: a mint served over HTTP in this process, wallets in folders talking to it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, reachable, run, words } from './run.test-util.js';

let cwd: string;
let port: number;

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'semper-ecash-cli-'));
  port = await freePort();
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('semper mint / wallet / pay', () => {
  it('creates a mint, opens accounts, serves it, and withdraws, pays, backs up and restores over HTTP', async () => {
    const mintUrl = `http://127.0.0.1:${port}/mint`;
    const init = await run(
      words('mint init --data mint --passout pass:mint-secret --denominations 1,2,5,10,20,50,100,200,500,1000'),
      { cwd },
    );
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/keys encrypted\n/);
    // The keys are encrypted: a wrong passphrase opens nothing (exit code 2, the typed reason).
    const wrong = await run(words('mint account nobody --data mint --credit 1.00 --passin pass:guess'), { cwd });
    expect([wrong.code, wrong.stderr]).toEqual([2, expect.stringContaining('ERR_ECASH_KEY_DECRYPT')]);
    const alice = await run(words(`wallet init --wallet alice --account alice --mint ${mintUrl}`), { cwd });
    expect(alice.code).toBe(0);
    const shop = await run(words(`wallet init --wallet shop --account shop --mint ${mintUrl}`), { cwd });
    expect(
      (
        await run(
          words(
            `mint account alice --data mint --passin pass:mint-secret --key ${alice.stdout.trim()} --credit 100.00`,
          ),
          { cwd },
        )
      ).stdout,
    ).toBe('account alice: 100.00 EUR\n');
    expect(
      (await run(words(`mint account shop --data mint --passin pass:mint-secret --key ${shop.stdout.trim()}`), { cwd }))
        .code,
    ).toBe(0);

    const serving = run(words(`mint serve --data mint --passin pass:mint-secret --port ${port} --duration 600`), {
      cwd,
    });
    for (let i = 0; i < 600 && !(await reachable(port)); i++) await new Promise((r) => setTimeout(r, 100));
    try {
      const withdraw = await run(words('wallet withdraw 20.00 --wallet alice'), { cwd });
      expect(withdraw.stderr).toBe('');
      expect(withdraw.stdout).toMatch(/^withdrew 20\.00 EUR in \d+ coins\n$/);
      const pay = await run(words('pay 7.35 --to shop --reference order-42 --wallet alice'), { cwd });
      expect(pay.stderr).toBe('');
      expect(pay.stdout).toMatch(/^paid 7\.35 EUR to shop \(order-42\); change \d+\.\d\d EUR\n$/);
      const balance = JSON.parse((await run(words('wallet balance --json --wallet alice'), { cwd })).stdout);
      expect(balance.coins).toEqual({ amount: '1265', currency: 'EUR' });
      expect(balance.account).toEqual({ amount: '8000', currency: 'EUR' });
      expect(JSON.parse((await run(words('wallet balance --json --wallet shop'), { cwd })).stdout).account).toEqual({
        amount: '735',
        currency: 'EUR',
      });

      const backup = await run(words('wallet backup alice.backup --wallet alice --passout pass:correct-horse'), {
        cwd,
      });
      expect(backup.code).toBe(0);
      const wrong = await run(
        words(`wallet restore alice.backup --wallet copy --mint ${mintUrl} --passin pass:wrong`),
        { cwd },
      );
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain('ERR_ECASH_BACKUP_DECRYPT');
      const restore = await run(
        words(`wallet restore alice.backup --wallet copy --mint ${mintUrl} --passin pass:correct-horse`),
        { cwd },
      );
      expect(restore.stderr).toBe('');
      expect(restore.stdout).toMatch(/^restored \d+ coins: 12\.65 EUR\n$/);
      // The copy spends the coins first; the original's spend of the same coins is refused (exit code 1).
      expect((await run(words('pay 12.65 --to shop --wallet copy'), { cwd })).code).toBe(0);
      const cheat = await run(words('pay 12.65 --to shop --wallet alice'), { cwd });
      expect(cheat.code).toBe(1);
      expect(cheat.stderr).toContain('ERR_ECASH_DOUBLE_SPENT');
      expect(JSON.parse((await run(words('wallet balance --json --wallet shop'), { cwd })).stdout).account.amount).toBe(
        '2000',
      );
    } finally {
      for (const stop of process.listeners('SIGTERM').filter((l) => l.name === 'stop')) (stop as () => void)();
    }
    const served = await serving;
    expect(served.stderr).toBe('');
    expect(served.code).toBe(0);
  }, 300_000);
});
