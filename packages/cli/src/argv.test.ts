import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { normalizeArgs } from './argv.js';

function program(): Command {
  const p = new Command('t');
  const cms = p.command('cms');
  cms.command('verify').option('--in <file>').option('--CAfile <file>').option('--json').option('--out <file>');
  return p;
}

describe('normalizeArgs', () => {
  it('rewrites known single-dash long options', () => {
    expect(normalizeArgs(program(), ['cms', 'verify', '-in', 'a', '-CAfile', 'c', '-json'])).toEqual([
      'cms',
      'verify',
      '--in',
      'a',
      '--CAfile',
      'c',
      '--json',
    ]);
  });

  it('keeps option values, unknown names, short flags and everything after --', () => {
    expect(normalizeArgs(program(), ['cms', 'verify', '--out', '-in', '-in=x', '-h', '-bogus', '--', '-in'])).toEqual([
      'cms',
      'verify',
      '--out',
      '-in',
      '--in=x',
      '-h',
      '-bogus',
      '--',
      '-in',
    ]);
    expect(normalizeArgs(program(), ['-in', '-json'])).toEqual(['--in', '-json']); // -json is the value of --in
  });
});
