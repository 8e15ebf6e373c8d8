// Where import lines come from: a byte stream (a file, a request body) of JSON Lines or CSV, read
// as it arrives, one line at a time, each with its number and the byte position after it (where a
// resumed import starts reading). Blank lines are skipped. A line that is not JSON, or a CSV row
// that does not parse, is still a line: the import rejects it and goes on.
//
// CSV: the header names the columns. `external_id`, `verified` (true/false, or trait names split by
// `|`), `status`, `created_at`, `last_signed_in_at`, `password_hash`, with `password_salt` and
// `password_algorithm` for hashes that are not one string (Firebase scrypt, salted digests), and
// `consents.<purpose id>` (true/false) are what they say; every other column is a trait, its text
// read as the schema's type (trait-fields.ts); an empty cell is no value.
import { parse } from 'csv-parse';
import type { TraitSchema } from '../../identity/traits.ts';
import { traitFieldOf, traitValueOf } from '../../identity/trait-fields.ts';
import type { SourceLine } from './import-customers.ts';

const NEWLINE = 0x0a;
/** A line longer than this is rejected unread, so one hostile line cannot take the memory. */
const MAX_LINE_BYTES = 1024 * 1024;

/**
 * JSON Lines from `stream`, which starts at byte `start` of the source, the first line numbered
 * `firstLine` (both 0 and 1 for a source read from its beginning).
 */
export async function* jsonLines(stream: AsyncIterable<Uint8Array | string>, start = 0, firstLine = 1): AsyncGenerator<SourceLine> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let oversized = false;
  let position = start;
  let number = firstLine;
  const emit = (bytes: Buffer, end: number): SourceLine | undefined => {
    const line = number++;
    if (oversized) return { line, raw: '', position: end, parseError: `The line is longer than ${MAX_LINE_BYTES} bytes.` };
    const raw = bytes.toString('utf8').replace(/\r$/, '');
    if (raw.trim() === '') return undefined;
    try {
      return { line, raw, position: end, value: JSON.parse(raw) };
    } catch (error) {
      return { line, raw, position: end, parseError: `Not JSON: ${(error as Error).message}` };
    }
  };
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let from = 0;
    for (let index = bytes.indexOf(NEWLINE); index !== -1; index = bytes.indexOf(NEWLINE, from)) {
      const piece = bytes.subarray(from, index);
      position += index - from + 1;
      const whole = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
      const line = emit(whole, position);
      pending = [];
      pendingBytes = 0;
      oversized = false;
      if (line) yield line;
      from = index + 1;
    }
    if (from < bytes.length) {
      const rest = bytes.subarray(from);
      position += rest.length;
      pendingBytes += rest.length;
      if (pendingBytes > MAX_LINE_BYTES) {
        oversized = true;
        pending = [];
      } else if (!oversized) pending.push(Buffer.from(rest));
    }
  }
  if (pending.length > 0 || oversized) {
    const line = emit(Buffer.concat(pending), position);
    if (line) yield line;
  }
}

const RESERVED = new Set(['external_id', 'verified', 'status', 'created_at', 'last_signed_in_at', 'password_hash', 'password_salt', 'password_algorithm']);

/**
 * CSV rows as import lines (numbered from 1 after the header, which `onHeader` is given); the first
 * `skip` rows are read past (a resumed import) and not yielded. A row's position is its number.
 */
export async function* csvLines(stream: AsyncIterable<Uint8Array | string>, schema: TraitSchema, options: { readonly skip?: number; readonly onHeader?: (raw: string) => unknown } = {}): AsyncGenerator<SourceLine> {
  const skip = options.skip ?? 0;
  const parser = parse({ bom: true, columns: false, relax_column_count: true, skip_empty_lines: true, raw: true, max_record_size: MAX_LINE_BYTES });
  const feed = (async () => {
    try {
      for await (const chunk of stream) if (!parser.write(chunk)) await new Promise((resolve) => parser.once('drain', resolve));
      parser.end();
    } catch (error) {
      parser.destroy(error as Error);
    }
  })();
  let header: string[] | undefined;
  let number = 0;
  try {
    for await (const { record, raw } of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      if (!header) {
        header = record.map((name) => name.trim());
        await options.onHeader?.(raw.replace(/\r?\n$/, ''));
        continue;
      }
      number += 1;
      if (number <= skip) continue;
      yield { line: number, raw: raw.replace(/\r?\n$/, ''), position: number, ...rowOf(header, record, schema) };
    }
  } finally {
    await feed;
  }
}

function rowOf(header: readonly string[], cells: readonly string[], schema: TraitSchema): { value: unknown } | { parseError: string } {
  if (cells.length !== header.length) return { parseError: `The row has ${cells.length} cells; the header names ${header.length} columns.` };
  const value: Record<string, unknown> = {};
  const traits: Record<string, unknown> = {};
  const consents: Record<string, unknown> = {};
  const hash: Record<string, unknown> = {};
  for (const [index, name] of header.entries()) {
    const cell = cells[index]!;
    if (cell === '') continue;
    if (name.startsWith('consents.')) consents[name.slice('consents.'.length)] = booleanOf(cell);
    else if (name === 'password_hash') hash['hash'] = cell;
    else if (name === 'password_salt') hash['salt'] = cell;
    else if (name === 'password_algorithm') hash['algorithm'] = cell;
    else if (name === 'verified') value['verified'] = /^(true|false)$/i.test(cell) ? booleanOf(cell) : cell.split('|').map((part) => part.trim());
    else if (RESERVED.has(name)) value[name] = cell;
    else {
      const field = traitFieldOf(schema, name);
      traits[name] = field ? traitValueOf(field, cell) : cell;
    }
  }
  value['traits'] = traits;
  if (Object.keys(consents).length > 0) value['consents'] = consents;
  if (hash['hash'] !== undefined) value['password_hash'] = hash['algorithm'] === undefined && hash['salt'] === undefined ? hash['hash'] : hash;
  return { value };
}

function booleanOf(cell: string): unknown {
  const lower = cell.trim().toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : cell;
}
