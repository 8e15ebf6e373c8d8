// The project's own modules as a graph, read from their import and export statements: which module
// imports which (type-only imports too, since a type cycle still ties two modules together), and
// which names each one exports and takes from the others. The tests beside this file read it to
// keep imports against the layers, import cycles and needless exports out. The project's code has
// one import style (static `import … from './x.ts'`, explicit extensions, no default exports, no
// dynamic imports of its own modules), which is all this parses; TypeScript 7's compiler has no
// JavaScript API to ask instead.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

type Module = {
  /** Path from the repository root, e.g. `src/storage/database.ts`. */
  readonly file: string;
  readonly text: string;
  /** The project modules it imports or re-exports from (type-only ones included). */
  readonly imports: ReadonlySet<string>;
  /** Names it takes from each project module (`import { a, type B } from`, `export { c } from`); `*` for a namespace import. */
  readonly names: ReadonlyMap<string, ReadonlySet<string>>;
  /** Names it exports, declared in it or re-exported. */
  readonly exports: ReadonlySet<string>;
};

/** Every `.ts` file below these folders of the repository. */
export function readModules(folders: readonly string[]): Map<string, Module> {
  const modules = new Map<string, Module>();
  for (const folder of folders) {
    for (const entry of readdirSync(path.join(ROOT, folder), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const file = path.relative(ROOT, path.join(entry.parentPath, entry.name));
      modules.set(file, parseModule(file, readFileSync(path.join(ROOT, file), 'utf8')));
    }
  }
  return modules;
}

const FROM = /^(import|export)\s+(type\s+)?([\w\s{},*$]*?)\s*from\s*'([^']+)'/gm;
const SIDE_EFFECT_IMPORT = /^import\s+'([^']+)'/gm;
const DECLARED = /^export\s+(?:declare\s+)?(?:async\s+)?(?:abstract\s+)?(?:function\*?|const|let|class|type|interface)\s+([A-Za-z_$][\w$]*)/gm;
const LOCAL_LIST = /^export\s+(?:type\s+)?\{([^}]*)\}\s*;/gm;

function parseModule(file: string, text: string): Module {
  const imports = new Set<string>();
  const names = new Map<string, Set<string>>();
  const exports = new Set<string>();
  for (const match of text.matchAll(FROM)) {
    const [, keyword, , clause, specifier] = match;
    const target = resolveSpecifier(file, specifier!);
    if (!target) continue;
    imports.add(target);
    const taken = names.get(target) ?? new Set<string>();
    names.set(target, taken);
    if (/\*/.test(clause!)) taken.add('*');
    for (const name of namesIn(clause!)) {
      taken.add(name.imported);
      if (keyword === 'export') exports.add(name.local);
    }
  }
  for (const match of text.matchAll(SIDE_EFFECT_IMPORT)) {
    const target = resolveSpecifier(file, match[1]!);
    if (target) imports.add(target);
  }
  for (const match of text.matchAll(DECLARED)) exports.add(match[1]!);
  for (const match of text.matchAll(LOCAL_LIST)) for (const name of namesIn(`{${match[1]}}`)) exports.add(name.local);
  return { file, text, imports, names, exports };
}

/** The names of `{ a, type B, c as d }` (and not a default or namespace import). */
function namesIn(clause: string): { imported: string; local: string }[] {
  const braces = /\{([^}]*)\}/.exec(clause);
  if (!braces) return [];
  return braces[1]!
    .split(',')
    .map((part) => part.trim().replace(/^type\s+/, ''))
    .filter((part) => part.length > 0)
    .map((part) => {
      const [imported, local] = part.split(/\s+as\s+/);
      return { imported: imported!.trim(), local: (local ?? imported)!.trim() };
    });
}

function resolveSpecifier(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return path.relative(ROOT, path.resolve(ROOT, path.dirname(from), specifier));
}

/** Each import cycle once, as the modules along it (the first one repeated at the end). */
export function findCycles(modules: ReadonlyMap<string, Module>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of [...(modules.get(file)?.imports ?? [])].sort()) {
      if (!modules.has(next)) continue;
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...modules.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}
