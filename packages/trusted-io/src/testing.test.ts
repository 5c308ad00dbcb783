import { describe, expect, it } from 'vitest';
import { confirmThenSign } from './confirmation.js';
import { TerminalTrustedIo } from './terminal.trusted-io.js';
import { createTestTerminal, describeTrustedIoSuite, ScriptedTrustedIo } from './testing.js';

describeTrustedIoSuite('scripted', (options) => {
  const io = new ScriptedTrustedIo(options);
  return {
    io,
    approveNext: () => io.approveNext(),
    refuseNext: () => io.refuseNext(),
    chooseNext: (id) => io.chooseNext(id),
    provideNext: (secret) => io.provideNext(secret),
  };
});

describe('ScriptedTrustedIo', () => {
  it('answers from its script, by kind of question, and refuses when the script is out', async () => {
    const io = new ScriptedTrustedIo().provideNext('pin').approveNext().chooseNext(undefined);
    expect(io.pending).toBe(3);
    const sign = async () => 'sig';
    expect(await confirmThenSign(io, { kind: 'order', title: 'A' }, new Uint8Array([1]), sign)).toMatchObject({
      signed: true,
    });
    expect(await confirmThenSign(io, { kind: 'order', title: 'B' }, new Uint8Array([2]), sign)).toMatchObject({
      signed: false,
      code: 'no-answer',
    });
    expect(await io.choose({ purpose: 'p', options: [{ id: 'a', label: 'A' }] })).toMatchObject({ code: 'cancelled' });
    expect(await io.askSecret('PIN')).toMatchObject({ secret: 'pin' });
    expect(await io.askSecret('PIN')).toMatchObject({ provided: false, code: 'no-answer' });
    await io.notify('done');
    expect(io.shown.map((i) => i.title)).toEqual(['A', 'B']);
    expect(io.choices).toHaveLength(1);
    expect(io.notices).toEqual([{ level: 'info', text: 'done' }]);
    expect(io.pending).toBe(0);
  });
});

describe('createTestTerminal', () => {
  it('finds successive prompts and times out with the screen in the message', async () => {
    const terminal = createTestTerminal();
    const io = new TerminalTrustedIo({ input: terminal.input, output: terminal.output });
    await io.notify('one');
    await io.notify('two');
    await terminal.waitFor('[info]');
    await terminal.waitFor('[info] two');
    await expect(terminal.waitFor('[info]', 20)).rejects.toThrow(/\[info\] one/);
  });
});
