// Runs the `foyer` command in-process, through its real entry (argv in; exit code, stdout and
// stderr out), with the test master secret and a throwaway DATA_DIR per run.
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { runCli } from '../../src/cli/run.ts';
import { TEST_MASTER_SECRET } from './test-server.ts';

export type CliRun = { code: number; stdout: string; stderr: string };

const dataDirs = mkdtempSync(path.join(tmpdir(), 'foyer-cli-'));
after(() => rmSync(dataDirs, { recursive: true, force: true }));

export async function runFoyer(argv: string[], env: Record<string, string>, stdin?: Readable): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { MASTER_SECRET: TEST_MASTER_SECRET, DATA_DIR: mkdtempSync(path.join(dataDirs, 'run-')), ...env },
    ...(stdin ? { stdin } : {}),
  });
  return { code, stdout, stderr };
}
