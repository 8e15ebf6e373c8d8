// foyer tenants list|update|delete: the same use cases as /admin/api/v1/tenants (the admin tenant is
// not listed; a change is a JSON Merge Patch, validated and audited; only an empty tenant is deleted).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeEachEngine } from '../helpers/engines.ts';
import { runFoyer } from '../helpers/cli.ts';
import { createAuditStore } from '../../src/storage/audit.store.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'foyer-tenants-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function jsonFile(content: unknown): string {
  const file = path.join(dir, `patch-${++files}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describeEachEngine('foyer tenants list, update and delete', (current) => {
  const foyer = (...argv: string[]) => runFoyer(argv, current().env);

  test('list shows the tenants operators manage, never the internal admin tenant', async () => {
    assert.equal((await foyer('admin', 'setup')).code, 0, 'creates the admin tenant');
    await foyer('tenants', 'create', '--slug', 'listed', '--name', 'Listed');
    const listed = await foyer('tenants', 'list', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const slugs = (JSON.parse(listed.stdout) as { slug: string }[]).map((tenant) => tenant.slug);
    assert.ok(slugs.includes('listed'));
    assert.ok(!slugs.includes('admin'), `admin is not listed: ${slugs.join(', ')}`);
    const table = await foyer('tenants', 'list');
    assert.match(table.stdout, /^listed\s+Listed\s+/m);
    assert.doesNotMatch(table.stdout, /^admin\s/m);
  });

  test('update renames and merges a settings patch, audited with the names of what changed', async () => {
    const created = JSON.parse((await foyer('tenants', 'create', '--slug', 'shop', '--name', 'Shop', '--json')).stdout);
    await foyer('tenants', 'configure', '--slug', 'shop', '--file', jsonFile({ branding: { name: 'Shop', primaryColor: '#112233' } }));
    const updated = await foyer('tenants', 'update', '--slug', 'shop', '--name', 'Shop & Co', '--settings', jsonFile({ branding: { primaryColor: '#445566' } }), '--json');
    assert.equal(updated.code, 0, updated.stderr);
    const shown = JSON.parse(updated.stdout);
    assert.equal(shown.name, 'Shop & Co');
    assert.deepEqual(shown.settings.branding, { name: 'Shop', primaryColor: '#445566' }, 'merged, not replaced');
    const [audit] = await createAuditStore(current().handle.db).list(created.id, { limit: 1 });
    assert.equal(audit?.action, 'tenant.updated');
    assert.deepEqual(audit?.details, { changed: ['name', 'settings.branding'] });
    const removed = await foyer('tenants', 'update', '--slug', 'shop', '--settings', jsonFile({ branding: null }));
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /^Updated tenant "Shop & Co" \(shop\)\.$/m);
    assert.equal(JSON.parse((await foyer('tenants', 'show', '--slug', 'shop', '--json')).stdout).settings.branding, undefined);
  });

  test('update refuses what the API refuses, saying which option and field', async () => {
    await foyer('tenants', 'create', '--slug', 'strict', '--name', 'Strict');
    const badColour = await foyer('tenants', 'update', '--slug', 'strict', '--settings', jsonFile({ branding: { primaryColor: 'orange' } }));
    assert.equal(badColour.code, 2);
    assert.match(badColour.stderr, /^foyer tenants update: --settings: branding\.primaryColor: must be a colour like #0b57d0/);
    const badName = await foyer('tenants', 'update', '--slug', 'strict', '--name', ' ');
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /--name: /);
    const nothing = await foyer('tenants', 'update', '--slug', 'strict');
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /give --name, --settings or both/);
    const notJson = await foyer('tenants', 'update', '--slug', 'strict', '--settings', jsonFile('{ "branding": '));
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /--settings: .* is not valid JSON/);
    const unknown = await foyer('tenants', 'update', '--slug', 'nobody', '--name', 'X');
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'foyer tenants update: No tenant has the slug "nobody".\n');
  });

  test('delete removes an empty tenant only; never the admin tenant', async () => {
    await foyer('tenants', 'create', '--slug', 'gone', '--name', 'Gone');
    await foyer('tenants', 'create', '--slug', 'busy', '--name', 'Busy');
    const app = await foyer('apps', 'create', '--tenant', 'busy', '--name', 'Busy app', '--kind', 'machine', '--json');
    assert.equal(app.code, 0, app.stderr);
    const refused = await foyer('tenants', 'delete', '--slug', 'busy');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /still has customers or applications/);
    const deleted = await foyer('tenants', 'delete', '--slug', 'gone', '--json');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(JSON.parse(deleted.stdout), { deleted: 'gone' });
    assert.equal((await foyer('tenants', 'show', '--slug', 'gone')).code, 1, 'gone');
    await foyer('admin', 'setup'); // creates the admin tenant (a server's start creates the default one too)
    const kept = await foyer('tenants', 'delete', '--slug', 'admin');
    assert.equal(kept.code, 1, kept.stderr);
    assert.match(kept.stderr, /part of Foyer itself/);
  });
});
