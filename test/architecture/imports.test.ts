// The shape of the code, checked: every import follows the layers of DESIGN.md (dependencies point
// inward: surfaces call the domain, storage and infrastructure implement its ports), no import
// cycles among the server's modules (type-only imports included: a type cycle still means neither
// module can be read or moved without the other), and nothing exported that only its own module
// uses, so a module's exports are what others rely on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { findCycles, readModules } from './module-graph.ts';

const modules = readModules(['src', 'test', 'bench']);
const server = new Map([...modules].filter(([file]) => file.startsWith('src/')));

/**
 * Which layers each layer may import, besides its own. A module's layer is its folder under src/
 * (`src/domain/keys/keys.service.ts` is in `domain`), or its name for a file at the top
 * (`src/startup-errors.ts` is in `startup-errors`). A new folder needs a row before it can import
 * anything. Type-only imports count: a domain type naming a storage type is still a dependency.
 */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  lib: [], // small helpers (ids, English plurals)
  i18n: ['lib'], // message catalogues and locales
  config: ['lib'], // the settings' schema, read once at start
  domain: ['i18n', 'lib'], // use cases, rules and the ports they declare: no HTTP, no SQL, no infrastructure, no settings
  storage: ['domain', 'config', 'i18n', 'lib'], // implements the domain's storage ports (Kysely, SQLite and PostgreSQL)
  infra: ['domain', 'config', 'i18n', 'lib'], // implements the other ports (secret box, mail transport, Redis) and runs jobs
  http: ['domain', 'infra', 'config', 'i18n', 'lib'], // the surfaces: parse, call the domain, render; never storage
  cli: ['domain', 'infra', 'config', 'i18n', 'lib', 'startup-errors'], // commands call the domain as the surfaces do; never http
};

/**
 * The composition roots, which may import every layer: they build storage and infrastructure and
 * hand them to the surfaces and commands as ports, and nothing below them imports them.
 */
const COMPOSITION_ROOTS: Readonly<Record<string, string>> = {
  'src/main.ts': 'starts the server and its listeners',
  'src/server.ts': 'wires a server: database, stores, Redis, jobs, HTTP surfaces',
  'src/cli/context.ts': 'opens what a command needs: configuration, database, stores',
  'src/startup-errors.ts': 'names the setting to fix, whichever layer failed at start',
};

/**
 * Imports that break the table today, each to be deleted by the change that removes it. The test
 * fails when a listed import is gone too, so whoever removes it deletes its line: the list ends empty.
 */
const KNOWN_EXCEPTIONS: readonly string[] = [];

function layerOf(file: string): string {
  const [, folder, rest] = /^src\/([^/]+)(\/)?/.exec(file) ?? [];
  return rest ? folder! : path.basename(file, '.ts');
}

/** Every import under src/ the table does not allow, as `importer → imported: why`. */
function layerViolations(graph: ReadonlyMap<string, { readonly imports: ReadonlySet<string> }>): string[] {
  const violations: string[] = [];
  for (const [file, module] of graph) {
    if (!file.startsWith('src/') || file in COMPOSITION_ROOTS) continue;
    const from = layerOf(file);
    const allowed = MAY_IMPORT[from];
    for (const target of [...module.imports].sort()) {
      if (!target.startsWith('src/')) continue;
      const to = layerOf(target);
      if (to === from || allowed?.includes(to)) continue;
      const why = allowed ? `${from}/ may import only ${[from, ...allowed].join(', ')}` : `${from} has no row in MAY_IMPORT`;
      violations.push(`${file} → ${target}: ${why}`);
    }
  }
  return violations;
}

test('the module graph is read: imports, type imports and re-exports are found', () => {
  assert.ok(server.size > 150, `only ${server.size} modules under src/`);
  assert.ok(server.get('src/storage/database.ts')?.imports.has('src/storage/postgres-dialect.ts'));
  assert.ok(server.get('src/i18n/catalogues.ts')?.names.get('src/i18n/en.ts')?.has('Catalogue'), 'a type-only import');
  assert.ok(server.get('src/domain/tenants/tenant.ts')?.exports.has('TenantSettings'), 'a re-export');
  assert.ok(server.get('src/domain/errors.ts')?.exports.has('ERROR_CODES'));
});

test('every import under src/ follows the layers (known exceptions listed, and each still needed)', () => {
  const violations = layerViolations(server);
  const unlisted = violations.filter((violation) => !KNOWN_EXCEPTIONS.some((known) => violation.startsWith(`${known}:`)));
  assert.deepEqual(unlisted, [], 'an import against the layers of DESIGN.md: take it through a port of the domain, or wire it in a composition root');
  const fixed = KNOWN_EXCEPTIONS.filter((known) => !violations.some((violation) => violation.startsWith(`${known}:`)));
  assert.deepEqual(fixed, [], 'no longer imported: delete these lines from KNOWN_EXCEPTIONS');
  for (const root of Object.keys(COMPOSITION_ROOTS)) assert.ok(server.has(root), `${root} is listed as a composition root but does not exist`);
});

test('the layer check names the importing file, the import and the rule it breaks', () => {
  const graph = new Map([
    ['src/domain/keys/keys.service.ts', { imports: new Set(['src/domain/keys/signing-key.ts', 'src/storage/database.ts', 'src/lib/ids.ts']) }],
    ['src/cli/keys.command.ts', { imports: new Set(['src/http/app.ts']) }],
    ['src/infra/metrics/metrics.ts', { imports: new Set(['src/http/security-headers.ts']) }],
    ['src/http/app.ts', { imports: new Set(['src/storage/stores.ts', 'src/server.ts', 'src/infra/metrics/metrics.ts']) }],
    ['src/storage/throttle.store.ts', { imports: new Set(['src/infra/jobs/expired-rows.job.ts']) }],
    ['src/server.ts', { imports: new Set(['src/storage/stores.ts', 'src/http/app.ts']) }],
    ['src/ui/console.ts', { imports: new Set(['src/domain/errors.ts']) }],
  ]);
  assert.deepEqual(layerViolations(graph), [
    'src/domain/keys/keys.service.ts → src/storage/database.ts: domain/ may import only domain, i18n, lib',
    'src/cli/keys.command.ts → src/http/app.ts: cli/ may import only cli, domain, infra, config, i18n, lib, startup-errors',
    'src/infra/metrics/metrics.ts → src/http/security-headers.ts: infra/ may import only infra, domain, config, i18n, lib',
    'src/http/app.ts → src/server.ts: http/ may import only http, domain, infra, config, i18n, lib',
    'src/http/app.ts → src/storage/stores.ts: http/ may import only http, domain, infra, config, i18n, lib',
    'src/storage/throttle.store.ts → src/infra/jobs/expired-rows.job.ts: storage/ may import only storage, domain, config, i18n, lib',
    'src/ui/console.ts → src/domain/errors.ts: ui has no row in MAY_IMPORT',
  ]);
});

test('no import cycles under src/', () => {
  assert.deepEqual(findCycles(server).map((cycle) => cycle.join(' → ')), []);
});

test('every export of src/ is imported by another module (src, test or bench)', () => {
  const taken = new Map<string, Set<string>>();
  for (const module of modules.values()) {
    for (const [target, names] of module.names) {
      if (target === module.file) continue;
      const set = taken.get(target) ?? new Set<string>();
      for (const name of names) set.add(name);
      taken.set(target, set);
    }
  }
  const needless = [...server.values()].flatMap((module) => {
    const names = taken.get(module.file) ?? new Set<string>();
    if (names.has('*')) return [];
    return [...module.exports].filter((name) => !names.has(name)).map((name) => `${module.file}: ${name}`);
  });
  assert.deepEqual(needless, [], 'exported but used only in its own module (drop the export) or nowhere (drop the code)');
});
