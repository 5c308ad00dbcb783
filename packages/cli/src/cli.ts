#!/usr/bin/env node
// The `semper` command run from source: `npx tsx --conditions=@semper/source packages/cli/src/cli.ts …`.
// (The installed command is bin/semper.js, which runs the compiled dist/main.js the same way.)
import 'reflect-metadata';
import { main } from './main.js';

process.exitCode = await main(process.argv);
