// The shape of the code, checked: no import cycles among the server's modules (type-only imports
// included: a type cycle still means neither module can be read or moved without the other), and
// nothing exported that only its own module uses, so a module's exports are what others rely on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findCycles, readModules } from './module-graph.ts';

const modules = readModules(['src', 'test', 'bench']);
const server = new Map([...modules].filter(([file]) => file.startsWith('src/')));

test('the module graph is read: imports, type imports and re-exports are found', () => {
  assert.ok(server.size > 150, `only ${server.size} modules under src/`);
  assert.ok(server.get('src/storage/database.ts')?.imports.has('src/storage/postgres-dialect.ts'));
  assert.ok(server.get('src/i18n/catalogues.ts')?.names.get('src/i18n/en.ts')?.has('Catalogue'), 'a type-only import');
  assert.ok(server.get('src/domain/tenants/tenant.ts')?.exports.has('TenantSettings'), 'a re-export');
  assert.ok(server.get('src/domain/errors.ts')?.exports.has('ERROR_CODES'));
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
