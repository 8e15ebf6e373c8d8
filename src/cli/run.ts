// Parses the command line and runs one command. Exit codes: 0 done; 1 could not be done (the
// database is unreachable, the tenant exists already); 2 the command itself is wrong (unknown
// command or option, invalid value). Errors are one line on stderr, never a stack trace.
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { DomainError, ValidationError } from '../domain/errors.ts';
import { describeStartupError } from '../startup-errors.ts';
import { commands } from './commands.ts';
import type { CliIo } from './io.ts';
import { UsageError } from './io.ts';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    io.stdout.write(usage());
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const twoWord = second !== undefined ? commands.find((c) => c.name === `${first} ${second}`) : undefined;
  const command = twoWord ?? commands.find((c) => c.name === first);
  if (!command) {
    io.stderr.write(`foyer: unknown command "${[first, second].filter(Boolean).join(' ')}". Run "foyer help" for the list.\n`);
    return EXIT_USAGE;
  }
  const rest = argv.slice(command.name.split(' ').length);
  try {
    const options: ParseArgsConfig['options'] = { ...command.options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };
    const names = command.positionals ?? [];
    const { values, positionals } = parseArgs({ args: rest, options, strict: true, allowPositionals: names.length > 0 });
    if (values['help']) {
      io.stdout.write(`${commandHelp(command)}\n`);
      return EXIT_OK;
    }
    if (positionals.length > names.length) throw new UsageError(`unexpected argument "${positionals[names.length]}"`);
    await command.run({ ...values, ...Object.fromEntries(positionals.map((value, i) => [names[i]!, value])) }, io);
    return EXIT_OK;
  } catch (error) {
    return report(error, io, command.name);
  }
}

function report(error: unknown, io: CliIo, name: string): number {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    io.stderr.write(`foyer ${name}: ${(error as Error).message}. Run "foyer ${name} --help".\n`);
    return EXIT_USAGE;
  }
  if (error instanceof ValidationError) {
    for (const problem of error.problems) io.stderr.write(`foyer ${name}: --${problem.field}: ${problem.message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof DomainError) {
    io.stderr.write(`foyer ${name}: ${error.message}\n`);
    return EXIT_FAILED;
  }
  io.stderr.write(`foyer ${name}: ${describeStartupError(error)}\n`);
  return EXIT_FAILED;
}

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: foyer <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Every command reads the same settings as the server (DATABASE_URL, DATA_DIR, …; see docs/configuration.md)',
    'and takes --json for machine-readable output.',
    '',
  ].join('\n');
}

function commandHelp(command: (typeof commands)[number]): string {
  return `Usage: foyer ${command.name} ${command.usage}\n\n${command.summary}`;
}
