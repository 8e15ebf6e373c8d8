import type { Command } from './io.ts';
import { printJson } from './io.ts';
import { withContext } from './context.ts';
import { redactUrl } from '../config/redact.ts';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Bring the database schema up to date (the server also does this at start).',
  usage: '[--json]',
  options: {},
  async run(values, io) {
    await withContext(io, async ({ config, migration }) => {
      if (values['json']) return printJson(io, { engine: config.database.engine, ...migration });
      const where = config.database.engine === 'sqlite' ? config.database.file : redactUrl(config.database.url);
      io.stdout.write(
        migration.applied.length > 0
          ? `Applied ${migration.applied.length} migration(s) to ${where}: ${migration.applied.join(', ')}\n`
          : `The schema of ${where} is up to date (${migration.current ?? 'no migrations'}).\n`,
      );
    });
  },
};
