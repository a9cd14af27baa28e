#!/usr/bin/env node
import { runCli } from './cli.js';
import { readPassword } from './read-password.js';

runCli(process.argv.slice(2), process.env, {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  readPassword: () => readPassword(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`mailctl: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  },
);
