// How a long command (an import) shows its progress on standard error: on a terminal, a bar
// (cli-progress) with the share of the file read, the rate and the time left; otherwise, for logs
// and scripts, one JSON line every FOYER_PROGRESS_SECONDS (default 5) with the same figures.
import { SingleBar } from 'cli-progress';
import type { CliIo } from './io.ts';
import type { ImportSummary } from '../domain/customers/import/import-customers.ts';

type Progress = {
  /** Passes the file's bytes through, counting them. */
  counting(stream: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array>;
  update(summary: ImportSummary): void;
  stop(): void;
};

export function createProgress(io: CliIo, file: { readonly totalBytes: number; readonly startBytes: number; readonly startLines: number }): Progress {
  const stream = io.stderr as { isTTY?: boolean; columns?: number } & NodeJS.WritableStream;
  const started = Date.now();
  let read = file.startBytes;
  let latest: ImportSummary | undefined;
  const rate = () => ((latest?.lines ?? file.startLines) - file.startLines) / Math.max((Date.now() - started) / 1000, 0.001);
  const secondsLeft = () => {
    const share = (read - file.startBytes) / Math.max(file.totalBytes - file.startBytes, 1);
    const elapsed = (Date.now() - started) / 1000;
    return share > 0 ? Math.max(0, Math.round((elapsed / share) * (1 - share))) : null;
  };

  if (stream.isTTY === true) {
    const bar = new SingleBar({ stream, format: ' {bar} {percentage}% | {lines} lines | {rate}/s | {created} created, {rejected} rejected | ETA {eta_formatted}', hideCursor: true, etaBuffer: 50 });
    bar.start(file.totalBytes, file.startBytes, { lines: file.startLines, rate: 0, created: 0, rejected: 0 });
    return {
      counting: (source) => count(source, (bytes) => (read += bytes)),
      update(summary) {
        latest = summary;
        bar.update(Math.min(read, file.totalBytes), { lines: summary.lines, rate: Math.round(rate()), created: summary.created, rejected: summary.rejected });
      },
      stop() {
        bar.update(file.totalBytes);
        bar.stop();
      },
    };
  }

  const every = Number(io.env['FOYER_PROGRESS_SECONDS'] ?? 5) * 1000;
  let last = Date.now();
  const report = () => {
    const summary = latest ?? { lines: file.startLines, created: 0, updated: 0, skipped: 0, rejected: 0, weakHashes: 0 };
    io.stderr.write(`${JSON.stringify({ progress: { ...summary, bytes: read, total_bytes: file.totalBytes, per_second: Math.round(rate()), seconds_left: secondsLeft() } })}\n`);
  };
  return {
    counting: (source) => count(source, (bytes) => (read += bytes)),
    update(summary) {
      latest = summary;
      if (Date.now() - last >= every) {
        last = Date.now();
        report();
      }
    },
    stop() {},
  };
}

async function* count(source: AsyncIterable<Uint8Array>, seen: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    seen(chunk.byteLength);
    yield chunk;
  }
}
