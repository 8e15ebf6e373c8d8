// `foyer export customers`: a tenant's customers as JSON Lines (docs/import-export.md), in the
// shape `foyer import customers` reads, streamed to standard output or a file as they are read.
// Password hashes only with --with-password-hashes, and that export is audited.
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import path from 'node:path';
import type { Command } from './io.ts';
import { withTenant } from './tenant-option.ts';
import { operatorActor } from './actor.ts';
import { exportCustomers } from '../domain/customers/customer-export.ts';

/** Lines are gathered into chunks of about this many characters before each write. */
const CHUNK_CHARACTERS = 64 * 1024;

const exportCustomersCommand: Command = {
  name: 'export customers',
  summary: "Write a tenant's customers as JSON Lines (what import customers reads); password hashes only with --with-password-hashes (audited).",
  usage: '[--tenant <slug>] [--output <file>] [--with-password-hashes]',
  options: {
    tenant: { type: 'string' },
    output: { type: 'string' },
    'with-password-hashes': { type: 'boolean' },
  },
  async run(values, io) {
    const passwordHashes = values['with-password-hashes'] === true;
    const output = typeof values['output'] === 'string' ? path.resolve(values['output']) : undefined;
    await withTenant(io, values, async ({ stores, transaction }, tenant) => {
      const file = output ? createWriteStream(output, { mode: passwordHashes ? 0o600 : 0o644 }) : undefined;
      // Waits when the reader is slower (a pipe, a disk): what is read is never held in memory.
      const target = (file ?? io.stdout) as { write(text: string): unknown } & Partial<Pick<Writable, 'once'>>;
      const write = async (text: string) => {
        if (target.write(text) === false && target.once) await once(target as Writable, 'drain');
      };
      let count = 0;
      let chunk = '';
      const started = Date.now();
      try {
        for await (const customer of exportCustomers({ stores, transaction }, tenant, { passwordHashes }, operatorActor(io))) {
          chunk += `${JSON.stringify(customer)}\n`;
          count += 1;
          if (chunk.length >= CHUNK_CHARACTERS) {
            await write(chunk);
            chunk = '';
          }
        }
        await write(chunk);
      } finally {
        if (file) {
          file.end();
          await once(file, 'close');
        }
      }
      const seconds = (Date.now() - started) / 1000;
      io.stderr.write(`foyer export customers: ${count} customers${passwordHashes ? ' with their password hashes' : ''}${output ? ` to ${output}` : ''} in ${seconds.toFixed(1)} s\n`);
    });
  },
};

export const exportCommands: readonly Command[] = [exportCustomersCommand];
