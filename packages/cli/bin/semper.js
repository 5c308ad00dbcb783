#!/usr/bin/env node
// The installed `semper` command: runs the compiled CLI (built by `npm ci` through the root `prepare` script).
import 'reflect-metadata';
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv);
