// Calls that arrive within one turn of the event loop, handed to one batch operation (ADR 38). The
// dispatchers end deliveries a few at a time, each within microtasks of the others; written one by
// one, every outcome costs a statement and, on PostgreSQL, a round trip whose send and receive are
// main-thread time in the driver. Coalesced, a poll's outcomes cost one statement.

type Waiting<Input, Output> = { readonly input: Input; readonly resolve: (output: Output) => void; readonly reject: (error: unknown) => void };

/**
 * A function taking one input at a time whose calls are gathered until the current turn's
 * microtasks are done (setImmediate) and passed to `run` together, at most `maxBatch` at a time.
 * `run` answers one output per input, in order; when it rejects, every call of that batch rejects
 * with its error (so each caller handles the failure as if it had run alone).
 */
export function coalesced<Input, Output>(run: (inputs: readonly Input[]) => Promise<readonly Output[]>, options: { readonly maxBatch?: number } = {}): (input: Input) => Promise<Output> {
  const maxBatch = options.maxBatch ?? 500;
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError('maxBatch must be a positive integer');
  let waiting: Waiting<Input, Output>[] = [];
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const taken = waiting;
    waiting = [];
    for (let start = 0; start < taken.length; start += maxBatch) {
      const batch = taken.slice(start, start + maxBatch);
      run(batch.map((entry) => entry.input)).then(
        (outputs) => {
          if (outputs.length !== batch.length) throw new Error(`a coalesced batch of ${batch.length} answered ${outputs.length} outputs`);
          batch.forEach((entry, index) => entry.resolve(outputs[index]!));
        },
      ).catch((error: unknown) => {
        for (const entry of batch) entry.reject(error);
      });
    }
  }

  return (input) =>
    new Promise<Output>((resolve, reject) => {
      waiting.push({ input, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}
