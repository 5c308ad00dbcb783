// `semper shop serve` and `semper pay --to <url>`: a payer and a running payee, each with its own
// PaymentManager, over HTTP; the payee's requests signed with a certificate made by openssl; a mint served in
// this process. Each misuse (another payee, more than the payer confirms, an untrusted CA, an unknown or paid
// invoice) ends with exit code 1 and moves nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Scratch, scratch } from '../../../test/support/openssl.js';
import { makeCa, makeLeaf } from './pki.test-util.js';
import { freePort, run, untilReachable, words } from './run.test-util.js';

let s: Scratch;
beforeAll(async () => {
  s = await scratch('semper-shop-cli-');
  await Promise.all([makeCa(s, 'ca'), makeCa(s, 'other-ca')]);
  await makeLeaf(s, 'shop', 'ec', 'ca');
});
afterAll(async () => {
  await s.dispose();
});

/** Stops the servers `run` started in this process (their SIGTERM handlers), the last started first. */
function stopServers(count = Number.POSITIVE_INFINITY): void {
  const stops = process.listeners('SIGTERM').filter((l) => l.name === 'stop');
  for (const stop of stops.reverse().slice(0, count)) (stop as () => void)();
}

describe('semper shop serve / semper pay --to <url>', () => {
  it('pays an invoice through both payment managers; refuses what the payer did not confirm', async () => {
    const cwd = s.dir;
    const [mintPort, shopPort] = [await freePort(), await freePort()];
    const mintUrl = `http://127.0.0.1:${mintPort}/mint`;
    const init = await run(
      words('mint init --data mint --passout pass:mint-secret --denominations 1,2,5,10,20,50,100,200,500,1000'),
      { cwd },
    );
    expect(init.code).toBe(0);
    const masterKey = /master key ([A-Za-z0-9_-]{43}) /.exec(init.stdout)?.[1] as string;
    expect(masterKey).toBeDefined();
    // Alice pins the mint's master key given by its operator; the shop pins the first one it sees.
    const alice = await run(
      words(`wallet init --wallet alice --account alice --mint ${mintUrl} --mint-key ${masterKey}`),
      {
        cwd,
      },
    );
    const shop = await run(words(`wallet init --wallet shop --account shop --mint ${mintUrl}`), { cwd });
    expect(
      (
        await run(
          words(`mint account alice --data mint --passin pass:mint-secret --key ${alice.stdout.trim()} --credit 50.00`),
          { cwd },
        )
      ).code,
    ).toBe(0);
    expect(
      (await run(words(`mint account shop --data mint --passin pass:mint-secret --key ${shop.stdout.trim()}`), { cwd }))
        .code,
    ).toBe(0);
    const mint = run(words(`mint serve --data mint --passin pass:mint-secret --port ${mintPort} --duration 600`), {
      cwd,
    });
    let served: Promise<{ code: number; stdout: string; stderr: string }> | undefined;
    let shopRun: { code: number; stdout: string; stderr: string } | undefined;
    try {
      await untilReachable(mintPort);
      expect((await run(words('wallet withdraw 20.00 --wallet alice'), { cwd })).code).toBe(0);
      // A wallet told another master key takes none of this mint's keys.
      const eve = await run(
        words(`wallet init --wallet eve --account alice --mint ${mintUrl} --mint-key ${'A'.repeat(43)}`),
        { cwd },
      );
      expect(eve.code).toBe(0);
      const refused = await run(words('wallet withdraw 1.00 --wallet eve'), { cwd });
      expect([refused.code, refused.stderr]).toEqual([2, expect.stringContaining('ERR_ECASH_MINT_KEY_MISMATCH')]);
      served = run(
        words(
          `shop serve --wallet shop --cert shop.pem --key shop.key --port ${shopPort} --json --duration 600`,
          '--invoice',
          'order-1=7.35',
          '--invoice',
          'order-2=3.00',
        ),
        { cwd },
      );
      await untilReachable(shopPort);
      const url = `http://127.0.0.1:${shopPort}/shop`;
      const pay = (amount: string, reference: string, extra = '') =>
        run(words(`pay ${amount} --to ${url} --reference ${reference} --wallet alice --timeout 20 ${extra}`), { cwd });

      const paid = await pay('7.35', 'order-1', '--payee shop --CAfile ca.pem');
      expect(paid.stderr).toBe('');
      expect(paid.code).toBe(0);
      expect(paid.stdout).toMatch(/^confirmed \(digest [0-9a-f]{64}\):\n/);
      expect(paid.stdout).toContain('  Payee: shop\n');
      expect(paid.stdout).toMatch(/ {2}Payee certificate: CN=shop, E=shop@example.com \(issued by CN=ca\)\n/);
      expect(paid.stdout).toContain('  Amount: 7.35 EUR\n');
      expect(paid.stdout).toMatch(/paid 7\.35 EUR to shop \(order-1, pay_\w+\)\n$/);

      // Paid already: the shop does not ask again.
      const again = await pay('7.35', 'order-1', '--payee shop --CAfile ca.pem');
      expect([again.code, again.stderr]).toEqual([1, expect.stringContaining('order-1 is settled')]);
      // The shop asks 3.00; the payer confirms at most 2.00.
      const tooMuch = await pay('2.00', 'order-2', '--payee shop --CAfile ca.pem');
      expect(tooMuch.code).toBe(1);
      expect(tooMuch.stdout).toMatch(/^not confirmed/);
      expect(tooMuch.stderr).toMatch(/not paid \(cancelled: not-confirmed: over-limit/);
      // The payer expects another payee.
      const other = await pay('3.00', 'order-2', '--payee corner-shop --CAfile ca.pem');
      expect([other.code, other.stderr]).toEqual([1, expect.stringMatching(/not-confirmed: unknown-payee/)]);
      // The shop's certificate does not chain to what the payer trusts: refused on arrival, nothing shown.
      const untrusted = await pay('3.00', 'order-2', '--payee shop --CAfile other-ca.pem');
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toMatch(
        /payment request was refused: payment request signature: ERR_CRYPTO_UNTRUSTED_SIGNER/,
      );
      const unknown = await pay('3.00', 'order-9', '--payee shop --CAfile ca.pem');
      expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('no invoice order-9')]);
      const usage = await run(words(`pay 3.00 --to ${url} --wallet alice`), { cwd });
      expect([usage.code, usage.stderr]).toEqual([2, expect.stringMatching(/needs --payee, --CAfile and --reference/)]);

      const second = await pay('3.00', 'order-2', '--payee shop --CAfile ca.pem');
      expect([second.code, second.stderr]).toEqual([0, '']);
      stopServers(1); // the shop (its wallet's database is then free for `wallet balance`)
      shopRun = await served;

      // Nothing moved for the refused attempts: the shop holds 10.35, alice's coins 9.65.
      const shopBalance = JSON.parse((await run(words('wallet balance --json --wallet shop'), { cwd })).stdout);
      expect(shopBalance.account).toEqual({ amount: '1035', currency: 'EUR' });
      const aliceBalance = JSON.parse((await run(words('wallet balance --json --wallet alice'), { cwd })).stdout);
      expect(aliceBalance.coins).toEqual({ amount: '965', currency: 'EUR' });
    } finally {
      stopServers();
    }
    shopRun ??= await served;
    expect(shopRun?.stderr).toBe('');
    expect(shopRun?.code).toBe(0);
    const lines = (shopRun?.stdout ?? '')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({
      party: 'shop',
      address: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/shop$/),
    });
    expect(lines.slice(1).map((l) => [l.reference, l.status, l.reason])).toEqual([
      ['order-1', 'captured', undefined],
      ['order-2', 'cancelled', 'not-confirmed'],
      ['order-2', 'cancelled', 'not-confirmed'],
      ['order-2', 'cancelled', 'request-not-accepted'],
      ['order-2', 'captured', undefined],
    ]);
    expect((await mint).code).toBe(0);
  }, 300_000);
});
