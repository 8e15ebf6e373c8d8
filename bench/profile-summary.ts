// Summarises a V8 CPU profile (`node --cpu-prof`) as Markdown: where the server's own CPU time went,
// by function (self time) and by owner (Foyer's source, each npm package, Node's internals, the
// garbage collector, idle). Run alone as `node bench/profile-summary.ts <file.cpuprofile>`, or by
// `npm run bench -- --cpu-prof`, which appends it to the report.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

type ProfileNode = {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
};

type CpuProfile = { readonly nodes: readonly ProfileNode[]; readonly samples: readonly number[]; readonly timeDeltas: readonly number[] };

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export function summarizeProfile(profile: CpuProfile, top = 20): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const frames = new Map<string, number>();
  const owners = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    total += micros;
    if (frame.functionName === '(idle)') idle += micros;
    add(frames, `${frame.functionName || '(anonymous)'} ${where(frame.url, frame.lineNumber)}`, micros);
    add(owners, ownerOf(frame), micros);
  }
  const busy = total - idle;
  const lines = [
    `Profiled ${(total / 1e6).toFixed(1)} s of the server's main thread, ${(busy / 1e6).toFixed(1)} s of it busy (argon2id runs on the thread pool and is not in this profile). Shares are of the busy time.`,
    '',
    '| Owner | Self time |',
    '|---|---|',
    ...ranked(owners, 12, busy, ['idle']),
    '',
    '| Function | Self time |',
    '|---|---|',
    ...ranked(frames, top, busy, ['(idle) ']),
  ];
  return lines.join('\n');
}

function ranked(entries: Map<string, number>, count: number, busy: number, excluded: readonly string[]): string[] {
  return [...entries]
    .filter(([key]) => !excluded.some((prefix) => key.startsWith(prefix)))
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, micros]) => `| \`${key.replaceAll('|', '\\|')}\` | ${((micros / busy) * 100).toFixed(1)} % |`);
}

function add(map: Map<string, number>, key: string, micros: number): void {
  map.set(key, (map.get(key) ?? 0) + micros);
}

function where(url: string, line: number): string {
  if (!url) return '';
  const file = url.startsWith('file://') ? path.relative(ROOT, fileURLToPath(url)) : url;
  return `${file}:${line + 1}`;
}

/** Who owns a frame: an npm package, Foyer's source, Node itself, or V8's bookkeeping. */
function ownerOf(frame: ProfileNode['callFrame']): string {
  const { functionName, url } = frame;
  if (!url) {
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(garbage collector)') return 'garbage collector';
    return functionName.startsWith('(') ? `V8 ${functionName}` : 'native (V8 built-ins, C++)';
  }
  if (url.startsWith('node:')) return 'Node.js internals';
  const packages = [...url.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)];
  const last = packages.at(-1)?.[1];
  if (last) return `npm: ${last}`;
  const file = url.startsWith('file://') ? path.relative(ROOT, fileURLToPath(url)) : url;
  return file.startsWith('src/') ? `foyer: ${path.dirname(file)}` : file;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node bench/profile-summary.ts <file.cpuprofile>\n');
    process.exit(2);
  }
  process.stdout.write(`${summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile)}\n`);
}
