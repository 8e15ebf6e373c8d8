// What a CLI command is given and how it reports; kept apart so tests run commands in-process.
export type CliIo = {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Standard input, for secrets that must not appear on the command line (`--password-stdin`). */
  readonly stdin?: AsyncIterable<string | Uint8Array> | undefined;
};

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export type Command = {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;
  /** Names of the arguments taken by position (`foyer mail show <id>`), in order; they arrive in `values` under these names. */
  readonly positionals?: readonly string[];
  run(values: OptionValues, io: CliIo): Promise<void>;
};

/** The command line was wrong: exit 2 with the message. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function requireString(values: OptionValues, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** All of standard input as text, without the final line ending that `echo` or a here-string adds. */
export async function readStdin(io: CliIo): Promise<string> {
  if (!io.stdin) throw new UsageError('standard input is not available');
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of io.stdin) text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  return (text + decoder.decode()).replace(/\r?\n$/, '');
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain aligned table for people; scripts use --json. */
export function printTable(io: CliIo, headers: string[], rows: string[][]): void {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  io.stdout.write(`${[line(headers), ...rows.map(line)].join('\n')}\n`);
}

/** Label/value lines for one record, labels aligned. */
export function printRows(io: CliIo, rows: [string, string][]): void {
  const width = Math.max(...rows.map(([label]) => label.length));
  io.stdout.write(rows.map(([label, value]) => `${label.padEnd(width)}  ${value}\n`).join(''));
}
