// `foyer keys rotate` and `foyer keys list` through the CLI's real entry, on each engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { runFoyer } from '../helpers/cli.ts';
import type { CliRun } from '../helpers/cli.ts';
import { createAuditStore } from '../../src/storage/audit.store.ts';
import { DEFAULT_MAX_SIGNED_TOKEN_LIFETIME_SECONDS } from '../../src/domain/keys/keys.service.ts';


type KeyJson = { kid: string; algorithm: string; status: string; createdAt: string; retiredAt: string | null; unpublishAt: string | null };

describeEachEngine('foyer keys', (current) => {
  const foyer = (...argv: string[]): Promise<CliRun> => runFoyer(argv, current().env);

  async function createTenant(slug: string): Promise<string> {
    const run = await foyer('tenants', 'create', '--slug', slug, '--name', slug, '--json');
    assert.equal(run.code, 0, run.stderr);
    return (JSON.parse(run.stdout) as { id: string }).id;
  }

  async function listJson(slug: string): Promise<KeyJson[]> {
    const run = await foyer('keys', 'list', '--tenant', slug, '--json');
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as KeyJson[];
  }

  test('rotate gives a tenant its first keys, then retires them until their tokens expire, audited', async () => {
    const tenantId = await createTenant('rotating');
    const first = await foyer('keys', 'rotate', '--tenant', 'rotating', '--json');
    assert.equal(first.code, 0, first.stderr);
    const firstResult = JSON.parse(first.stdout) as { tenant: string; added: KeyJson[]; retired: KeyJson[] };
    assert.equal(firstResult.tenant, 'rotating');
    assert.deepEqual(firstResult.added.map((key) => [key.algorithm, key.status]).sort(), [['ES256', 'active'], ['RS256', 'active']]);
    assert.deepEqual(firstResult.retired, []);

    const second = await foyer('keys', 'rotate', '--tenant', 'rotating', '--json');
    assert.equal(second.code, 0, second.stderr);
    const secondResult = JSON.parse(second.stdout) as { added: KeyJson[]; retired: KeyJson[] };
    assert.deepEqual(secondResult.retired.map((key) => key.kid).sort(), firstResult.added.map((key) => key.kid).sort());
    for (const key of secondResult.retired) {
      assert.equal(key.status, 'retired');
      assert.equal(Date.parse(key.unpublishAt!) - Date.parse(key.retiredAt!), DEFAULT_MAX_SIGNED_TOKEN_LIFETIME_SECONDS * 1000);
      // Only what an operator needs: no key material in the output.
      assert.deepEqual(Object.keys(key).sort(), ['algorithm', 'createdAt', 'kid', 'retiredAt', 'status', 'unpublishAt']);
    }

    const listed = await listJson('rotating');
    assert.deepEqual(listed.map((key) => key.status), ['active', 'active', 'retired', 'retired']);
    assert.deepEqual(listed.slice(0, 2).map((key) => key.kid).sort(), secondResult.added.map((key) => key.kid).sort());

    const audit = await createAuditStore(current().handle.db).list(tenantId, { limit: 5 });
    assert.deepEqual(audit.map((event) => event.action), ['keys.rotated', 'keys.rotated', 'tenant.created']);
    assert.equal(audit[0]?.actor.type, 'operator');
    assert.match(audit[0]?.actor.id ?? '', /^cli:/);
  });

  test('the text output names the new and retired keys, and the table lists them', async () => {
    await createTenant('texty');
    const empty = await foyer('keys', 'list', '--tenant', 'texty');
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stdout, /^Tenant "texty" has no signing keys yet/);

    const first = await foyer('keys', 'rotate', '--tenant', 'texty');
    assert.match(first.stdout, /^Rotated the signing keys of tenant "texty"\.\n  new ES256 key [\w-]{43}\n  new RS256 key [\w-]{43}\n  no previous keys to retire\n$/);
    const second = await foyer('keys', 'rotate', '--tenant', 'texty');
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^  retired ES256 key [\w-]{43}, published until \d{4}-\d\d-\d\dT[\d:.]+Z$/m);

    const table = await foyer('keys', 'list', '--tenant', 'texty');
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^KID\s+ALG\s+STATUS\s+CREATED\s+UNPUBLISH AT$/);
    assert.equal(lines.length, 5);
    assert.match(lines[1]!, /^[\w-]{43}\s+(ES256|RS256)\s+active\s+\d{4}-\S+\s+-$/);
    assert.match(lines[4]!, /^[\w-]{43}\s+(ES256|RS256)\s+retired\s+\d{4}-\S+\s+\d{4}-\S+$/);
  });

  test('an unknown tenant fails with exit 1 and one clear line', async () => {
    for (const command of ['rotate', 'list']) {
      const run = await foyer('keys', command, '--tenant', 'nobody-here');
      assert.equal(run.code, 1, run.stdout);
      assert.equal(run.stderr, `foyer keys ${command}: No tenant has the slug "nobody-here".\n`);
      assert.equal(run.stdout, '');
    }
  });

  test('--tenant defaults to the default tenant, made on first use as the server does', async () => {
    const fresh = await foyer('keys', 'list');
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.match(fresh.stdout, /^Tenant "default" has no signing keys yet/);
    const rotated = await foyer('keys', 'rotate', '--json');
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.equal((JSON.parse(rotated.stdout) as { tenant: string }).tenant, 'default');
    assert.equal((await listJson('default')).length, 2);
  });
});
