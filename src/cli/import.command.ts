// `foyer import customers FILE`: a JSON Lines or CSV file of customers into a tenant, through the
// import use case (domain/customers/import), streamed: memory stays flat whatever the file's size.
// Rejected lines go to a reject file (the lines as they were, to fix and import again) and their
// reasons to standard output as JSON lines; a dry run reports every line there and writes nothing.
// After each committed batch a checkpoint file says how far the file is done, so `--resume` goes on
// after an interruption (even kill -9); it is removed when the import completes. Progress goes to
// standard error: a bar with the rate and the time left on a terminal, else a JSON line every few
// seconds.
import { createReadStream } from 'node:fs';
import { appendFile, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command, OptionValues } from './io.ts';
import { UsageError } from './io.ts';
import { withTenant } from './tenant-option.ts';
import { operatorActor } from './actor.ts';
import { importCustomers, outcomeRecord } from '../domain/customers/import/import-customers.ts';
import type { ImportSummary, LineOutcome } from '../domain/customers/import/import-customers.ts';
import { csvLines, jsonLines } from '../domain/customers/import/import-sources.ts';
import { traitSchemaOf } from '../domain/identity/traits.ts';
import type { FirebaseParameters } from '../domain/credentials/password/imported-hashes.ts';
import { createProgress } from './progress.ts';

type Checkpoint = { readonly version: 1; readonly file: string; readonly tenant: string; readonly format: 'jsonl' | 'csv'; readonly line: number; readonly position: number; readonly summary: ImportSummary };

const importCustomersCommand: Command = {
  name: 'import customers',
  summary: 'Import customers from a JSON Lines or CSV file (traits, verified flags, external ids, times, consents, password hashes from other systems); --dry-run checks and reports every line.',
  usage:
    '<FILE> [--tenant <slug>] [--format jsonl|csv] [--dry-run] [--on-existing skip|update [--replace-passwords]] [--resume] [--reject-file <path>] [--checkpoint <path>] [--firebase-signer-key <base64> --firebase-salt-separator <base64> --firebase-rounds <n> --firebase-mem-cost <n>] [--batch-size <n>]',
  positionals: ['file'],
  options: {
    tenant: { type: 'string' },
    format: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'on-existing': { type: 'string' },
    resume: { type: 'boolean' },
    'replace-passwords': { type: 'boolean' },
    'reject-file': { type: 'string' },
    checkpoint: { type: 'string' },
    'firebase-signer-key': { type: 'string' },
    'firebase-salt-separator': { type: 'string' },
    'firebase-rounds': { type: 'string' },
    'firebase-mem-cost': { type: 'string' },
    'batch-size': { type: 'string' },
  },
  async run(values, io) {
    const file = typeof values['file'] === 'string' ? path.resolve(values['file']) : undefined;
    if (!file) throw new UsageError('give the file to import');
    const format = formatOf(values, file);
    const dryRun = values['dry-run'] === true;
    const onExisting = values['on-existing'] ?? 'skip';
    if (onExisting !== 'skip' && onExisting !== 'update') throw new UsageError('--on-existing is skip or update');
    const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
    if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 5000)) throw new UsageError('--batch-size is a whole number from 1 to 5000');
    const firebase = firebaseOf(values);
    const size = await stat(file).then((stats) => stats.size, () => undefined);
    if (size === undefined) throw new UsageError(`cannot read ${file}`);
    const checkpointFile = typeof values['checkpoint'] === 'string' ? path.resolve(values['checkpoint']) : `${file}.checkpoint.json`;
    const rejectFile = typeof values['reject-file'] === 'string' ? path.resolve(values['reject-file']) : `${file}.rejects.${format === 'csv' ? 'csv' : 'jsonl'}`;

    await withTenant(io, values, async ({ stores, transaction, tuneForBulkWrites }, tenant) => {
      await tuneForBulkWrites();
      const previous = dryRun ? undefined : await readCheckpoint(checkpointFile);
      if (previous && values['resume'] !== true) throw new UsageError(`${path.basename(file)} was partly imported (to line ${previous.line}): give --resume to go on from there, or delete ${checkpointFile} to start over`);
      if (previous && (previous.file !== file || previous.tenant !== tenant.slug || previous.format !== format)) throw new UsageError(`${checkpointFile} is the checkpoint of another import (${previous.file} into ${previous.tenant})`);
      const start = previous ?? { line: 0, position: 0, summary: { lines: 0, created: 0, updated: 0, skipped: 0, rejected: 0, weakHashes: 0 } };
      if (previous) io.stderr.write(`foyer import customers: resuming after line ${previous.line}\n`);
      if (!previous && !dryRun) await rm(rejectFile, { force: true });

      let header: string | undefined;
      let rejectsStarted = previous !== undefined && (await stat(rejectFile).then(() => true, () => false));
      const progress = createProgress(io, { totalBytes: size, startBytes: format === 'jsonl' ? start.position : 0, startLines: start.summary.lines });
      const bytes = progress.counting(format === 'jsonl' ? createReadStream(file, { start: start.position }) : createReadStream(file));
      const source =
        format === 'jsonl'
          ? jsonLines(bytes, start.position, start.line + 1)
          : csvLines(bytes, traitSchemaOf(tenant.settings), { skip: start.position, onHeader: (raw) => (header = raw) });
      const held: LineOutcome[] = [];
      const totals = (summary: ImportSummary): ImportSummary => ({
        lines: start.summary.lines + summary.lines,
        created: start.summary.created + summary.created,
        updated: start.summary.updated + summary.updated,
        skipped: start.summary.skipped + summary.skipped,
        rejected: start.summary.rejected + summary.rejected,
        weakHashes: start.summary.weakHashes + summary.weakHashes,
      });
      const summary = await importCustomers({ transaction, stores }, tenant, source, { dryRun, onExisting, replacePasswords: values['replace-passwords'] === true, firebase, batchSize }, operatorActor(io), {
        onLine: (outcome) => held.push(outcome),
        onCheckpoint: async ({ line, position, summary: sofar }) => {
          // Reported and rejected before the checkpoint says so: a crash repeats, never loses, them.
          const rejects = held.filter((outcome) => outcome.status === 'rejected');
          for (const outcome of dryRun ? held : rejects) io.stdout.write(`${JSON.stringify(outcomeRecord(outcome, dryRun))}\n`);
          if (!dryRun && rejects.length > 0) {
            const lines = rejects.map((outcome) => `${outcome.raw ?? ''}\n`).join('');
            await appendFile(rejectFile, (!rejectsStarted && header !== undefined ? `${header}\n` : '') + lines);
            rejectsStarted = true;
          }
          held.length = 0;
          if (!dryRun) await writeCheckpoint(checkpointFile, { version: 1, file, tenant: tenant.slug, format, line, position, summary: totals(sofar) });
          progress.update(totals(sofar));
        },
      });
      progress.stop();
      const total = totals(summary);
      if (!dryRun) await rm(checkpointFile, { force: true });
      io.stdout.write(`${JSON.stringify({ summary: { ...total, dry_run: dryRun, ...(total.rejected > 0 && !dryRun ? { reject_file: rejectFile } : {}) } })}\n`);
      const verb = dryRun ? 'would be' : 'were';
      io.stderr.write(
        `foyer import customers: ${total.lines} lines: ${total.created} ${verb} created, ${total.updated} updated, ${total.skipped} skipped (already there), ${total.rejected} rejected${total.rejected > 0 && !dryRun ? ` (see ${rejectFile})` : ''}${total.weakHashes > 0 ? `; ${total.weakHashes} with weak password hashes (replaced at their first sign-in)` : ''}\n`,
      );
    });
  },
};

export const importCommands: readonly Command[] = [importCustomersCommand];

function formatOf(values: OptionValues, file: string): 'jsonl' | 'csv' {
  const given = values['format'];
  if (given === undefined) return file.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl';
  if (given !== 'jsonl' && given !== 'csv') throw new UsageError('--format is jsonl or csv');
  return given;
}

function firebaseOf(values: OptionValues): FirebaseParameters | undefined {
  const names = ['firebase-signer-key', 'firebase-salt-separator', 'firebase-rounds', 'firebase-mem-cost'] as const;
  const given = names.filter((name) => values[name] !== undefined);
  if (given.length === 0) return undefined;
  if (given.length !== names.length) throw new UsageError(`Firebase's hash parameters go together: ${names.map((name) => `--${name}`).join(', ')}`);
  const rounds = Number(values['firebase-rounds']);
  const memCost = Number(values['firebase-mem-cost']);
  if (!Number.isInteger(rounds) || !Number.isInteger(memCost)) throw new UsageError('--firebase-rounds and --firebase-mem-cost are whole numbers');
  return { signerKey: String(values['firebase-signer-key']), saltSeparator: String(values['firebase-salt-separator']), rounds, memCost };
}

async function readCheckpoint(file: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const checkpoint = JSON.parse(text) as Checkpoint;
  if (checkpoint.version !== 1) throw new UsageError(`${file} is not a checkpoint this version of foyer wrote`);
  return checkpoint;
}

/** Written beside and renamed over: a crash leaves the old checkpoint or the new one, never half of one. */
async function writeCheckpoint(file: string, checkpoint: Checkpoint): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(checkpoint));
  await rename(temporary, file);
}
