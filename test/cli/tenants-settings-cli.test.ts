// foyer tenants configure|show: validated settings, stored and audited.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeEachEngine } from '../helpers/engines.ts';
import { runFoyer } from '../helpers/cli.ts';
import { createAuditStore } from '../../src/storage/audit.store.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'foyer-settings-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function settingsFile(content: unknown): string {
  const file = path.join(dir, `settings-${++files}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const GOOD = {
  branding: { name: 'Acme', logoUrl: 'https://cdn.acme.example/logo.svg', primaryColor: '#c2410c' },
  apis: [{ identifier: 'https://api.acme.example', scopes: ['orders:read'], accessTokenFormat: 'jwt', accessTokenTtl: 900 }],
  identitySchema: {
    type: 'object',
    properties: { email: { type: 'string', 'x-foyer': { identifier: true, verifiable: 'email' } }, name: { type: 'string' } },
    required: ['email', 'name'],
  },
};

describeEachEngine('foyer tenants configure', (current) => {
  const foyer = (...argv: string[]) => runFoyer(argv, current().env);

  test('stores valid settings, shows them, and audits the change', async () => {
    const created = JSON.parse((await foyer('tenants', 'create', '--slug', 'acme', '--name', 'Acme', '--json')).stdout);
    const configured = await foyer('tenants', 'configure', '--slug', 'acme', '--file', settingsFile(GOOD), '--json');
    assert.equal(configured.code, 0, configured.stderr);
    const shown = JSON.parse((await foyer('tenants', 'show', '--slug', 'acme', '--json')).stdout);
    assert.deepEqual(shown.settings, GOOD);
    const [audit] = await createAuditStore(current().handle.db).list(created.id, { limit: 1 });
    assert.equal(audit?.action, 'tenant.configured');
    assert.deepEqual(audit?.details, { sections: ['branding', 'apis', 'identitySchema'] });
    const human = await foyer('tenants', 'configure', '--slug', 'acme', '--file', settingsFile({}));
    assert.match(human.stdout, /^Configured tenant "Acme" \(acme\): no settings\.$/m);
  });

  const bad: [string, unknown, RegExp][] = [
    ['an http logo', { branding: { logoUrl: 'http://cdn.example/logo.png' } }, /branding\.logoUrl: must be an https:\/\/ URL/],
    ['a colour name', { branding: { primaryColor: 'orange' } }, /branding\.primaryColor: must be a colour like #0b57d0/],
    ['an unknown section', { colours: {} }, /\(settings\)|colours/],
    ['the same API twice', { apis: [{ identifier: 'https://a.example' }, { identifier: 'https://a.example' }] }, /apis: Each API identifier may appear once/],
    ['a schema without identifier', { identitySchema: { type: 'object', properties: { email: { type: 'string' } } } }, /identitySchema: must mark at least one trait as an identifier/],
    ['a schema that does not compile', { identitySchema: { type: 'object', properties: { email: { type: 'nonsense' } } } }, /identitySchema: is not a valid JSON Schema/],
    ['a scope with a space', { apis: [{ identifier: 'https://b.example', scopes: ['read all'] }] }, /apis\.0\.scopes\.0: a scope is one word/],
    ['opaque tokens for an API', { apis: [{ identifier: 'https://c.example', accessTokenFormat: 'opaque' }] }, /apis\.0\.accessTokenFormat: must be "jwt": an API validates its access tokens itself/],
  ];
  for (const [name, settings, message] of bad) {
    test(`refuses ${name} with exit 2, saying where in the file`, async () => {
      await foyer('tenants', 'create', '--slug', 'bad-settings', '--name', 'Bad');
      const run = await foyer('tenants', 'configure', '--slug', 'bad-settings', '--file', settingsFile(settings));
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /^foyer tenants configure: --file: /);
      assert.match(run.stderr, message);
    });
  }

  test('a file that is not JSON, and an unknown tenant', async () => {
    const broken = await foyer('tenants', 'configure', '--slug', 'acme', '--file', settingsFile('{ "branding": '));
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /--file: .* is not valid JSON/);
    const unknown = await foyer('tenants', 'configure', '--slug', 'nobody', '--file', settingsFile({}));
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'foyer tenants configure: No tenant has the slug "nobody".\n');
  });
});
