// `semper sdc pump --transport mail:CONFIG.json` against the real Postfix + Dovecot of the services project:
// the pump sends the outbox by SMTP submission (STARTTLS, AUTH, the harness's CA from `caFile`) and collects
// by POP3S, the password from an environment variable named in the file.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMailTransport } from '@semper/comms';
import { createRecorder } from '@semper/comms/testing';
import { SDC_MIGRATIONS } from '@semper/sdc';
import { migrate, openStore } from '@semper/store';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type {} from '../../../test/setup/services.global.js';
import { run, words } from './run.test-util.js';

const mail = inject('mail');
const mailUnavailable = inject('mailUnavailable');

if (!mail) {
  describe('semper sdc pump over mail', () => {
    it.skip(`not run: ${mailUnavailable}`, () => undefined);
  });
} else {
  const m = mail;
  const hubBox = m.mailboxes.box63!;
  const agencyBox = m.mailboxes.box64!;
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'semper-cli-sdc-pump-mail-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('semper sdc pump over mail', { timeout: 300_000 }, () => {
    it('--once with a mail config: sends the outbox by SMTP, takes in by POP3S, never prints the password', async () => {
      const data = join(dir, 'agency-data');
      const store = await openStore(`pglite:${data}`);
      await migrate(store, SDC_MIGRATIONS);
      for (const [i, id] of ['sdc_m1', 'sdc_m2'].entries()) {
        await store.query(
          `INSERT INTO sdc_outbox (container_id, recipient, type, sequence, bytes, created_at, queued_at)
           VALUES ($1, 'hub', 'export', $2, $3, now(), now() + make_interval(secs => $2::int8))`,
          [id, BigInt(i + 1), new TextEncoder().encode(`container ${id}`)],
        );
      }
      await store.close();
      const hub = createMailTransport({
        address: `mailto:${hubBox.address}`,
        smtp: { host: m.host, port: m.smtpPort, user: hubBox.address, password: hubBox.password, ca: m.ca },
        imap: { host: m.host, port: m.imapPort, user: hubBox.address, password: hubBox.password, ca: m.ca },
        pollIntervalMs: 100,
      });
      await hub.send({
        id: 'sdc_answer_1',
        from: hub.address,
        to: `mailto:${agencyBox.address}`,
        contentType: 'application/pkcs7-mime; smime-type=authEnveloped-data',
        body: new TextEncoder().encode('an answer from the hub'),
      });
      await writeFile(join(dir, 'mail-ca.pem'), m.ca);
      await writeFile(
        join(dir, 'agency-mail.json'),
        JSON.stringify({
          address: `mailto:${agencyBox.address}`,
          smtp: {
            host: m.host,
            port: m.smtpPort,
            user: agencyBox.address,
            passwordEnv: 'AGENCY_MAIL_PW',
            caFile: 'mail-ca.pem',
          },
          pop3: {
            host: m.host,
            port: m.pop3sPort,
            tls: 'implicit',
            user: agencyBox.address,
            passwordEnv: 'AGENCY_MAIL_PW',
            caFile: 'mail-ca.pem',
            rejectedDir: 'rejected',
          },
        }),
      );
      const r = await run(
        words(
          `sdc pump --store agency-data --transport mail:agency-mail.json --route hub=mailto:${hubBox.address} --once --settle 2000`,
        ),
        { cwd: dir, env: { AGENCY_MAIL_PW: agencyBox.password } },
      );
      expect(r.stderr).toMatch(/\[stopped, .*total sent 2, received 1, duplicates 0, rejected 0, failures 0/);
      expect(r.code).toBe(0);
      expect(r.stderr + r.stdout).not.toContain(agencyBox.password);

      const recorder = createRecorder();
      await hub.receive(recorder.handler);
      await recorder.waitFor(2, 60_000);
      await hub.close();
      expect(recorder.messages.map((x) => [x.id, new TextDecoder().decode(x.body)]).sort()).toEqual([
        ['sdc_m1', 'container sdc_m1'],
        ['sdc_m2', 'container sdc_m2'],
      ]);
      const after = await openStore(`pglite:${data}`);
      const inbox = await after.query<{ bytes: Uint8Array; source: string }>('SELECT bytes, source FROM sdc_inbox');
      const sent = await after.query<{ n: bigint }>('SELECT count(*) AS n FROM sdc_outbox WHERE sent_at IS NOT NULL');
      await after.close();
      expect(inbox.map((x) => new TextDecoder().decode(x.bytes))).toEqual(['an answer from the hub']);
      expect(inbox[0]?.source).toBe(`mailto:${agencyBox.address} sdc_answer_1`);
      expect(Number(sent[0]?.n)).toBe(2);

      // A wrong password is one line, exit 2, the server's refusal — and no password in it.
      const bad = await run(
        words('sdc pump --store agency-data --transport mail:agency-mail.json --once --settle 100'),
        { cwd: dir, env: { AGENCY_MAIL_PW: 'not-the-password' } },
      );
      expect(bad.code).toBe(2);
      expect(bad.stderr.trim().split('\n').at(-1)).toMatch(/^semper: ERR_COMMS_AUTH_FAILED: /);
      expect(bad.stderr).not.toContain('not-the-password');
    });
  });
}
