#!/usr/bin/env node
// The `foyer` command (`npx foyer …`): operators' tool for the things that have no screen yet.
import { runCli } from './run.ts';

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, stdin: process.stdin });
