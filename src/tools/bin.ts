#!/usr/bin/env node
/// <reference types="node" />
// The `edge-infer` command (package.json "bin").
import { runCli } from './cli.js';

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
});
