// The `foyer` command through its real entry (argv in, text and exit code out), on each engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { describeEachEngine } from '../helpers/engines.ts';
import { runFoyer } from '../helpers/cli.ts';
import type { CliRun } from '../helpers/cli.ts';
import { migrations } from '../../src/storage/migrations/index.ts';



function cli(env: Record<string, string>) {
  return (...argv: string[]): Promise<CliRun> => runFoyer(argv, env);
}

describeEachEngine('foyer CLI', (current) => {
  const foyer = (...argv: string[]) => cli(current().env)(...argv);

  test('migrate reports an up-to-date schema, as text and as JSON', async () => {
    const text = await foyer('migrate');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`is up to date \\(${Object.keys(migrations).at(-1)}\\)`));
    const json = await foyer('migrate', '--json');
    assert.deepEqual(JSON.parse(json.stdout), { engine: current().engine, applied: [], current: Object.keys(migrations).at(-1) });
  });

  test('tenants create, then list shows it with its issuer, and the change is audited', async () => {
    const created = await foyer('tenants', 'create', '--slug', 'acme-shop', '--name', 'Acme Shop', '--json');
    assert.equal(created.code, 0, created.stderr);
    const tenant = JSON.parse(created.stdout);
    assert.equal(tenant.slug, 'acme-shop');
    assert.equal(tenant.issuer, 'http://localhost:3000/t/acme-shop');

    const listed = await foyer('tenants', 'list', '--json');
    assert.ok(JSON.parse(listed.stdout).some((t: { id: string }) => t.id === tenant.id));
    const table = await foyer('tenants', 'list');
    assert.match(table.stdout, /^SLUG\s+NAME\s+ISSUER\s+CREATED$/m);
    assert.match(table.stdout, /^acme-shop\s+Acme Shop\s+http:\/\/localhost:3000\/t\/acme-shop\s+\d{4}-/m);

    const [audit] = await import('../../src/storage/audit.store.ts').then(({ createAuditStore }) =>
      createAuditStore(current().handle.db).list(tenant.id, { limit: 5 }),
    );
    assert.equal(audit?.action, 'tenant.created');
    assert.equal(audit?.actor.type, 'operator');
    assert.match(audit?.actor.id ?? '', /^cli:/);
  });

  test('a taken slug fails with exit 1 and one clear line', async () => {
    const first = await foyer('tenants', 'create', '--slug', 'twice', '--name', 'Twice');
    assert.equal(first.code, 0, first.stderr);
    const again = await foyer('tenants', 'create', '--slug', 'twice', '--name', 'Twice');
    assert.equal(again.code, 1, `second create: ${again.stdout}${again.stderr}`);
    assert.equal(again.stderr, 'foyer tenants create: A tenant with the slug "twice" already exists.\n');
    assert.equal(again.stdout, '');
  });

  test('invalid input is a usage error (exit 2) naming the option', async () => {
    const bad = await foyer('tenants', 'create', '--slug', 'Not_Valid', '--name', 'X');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^foyer tenants create: --slug: Use 2 to 63 lower-case letters/);
    const missing = await foyer('tenants', 'create', '--slug', 'ok-slug');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--name is required/);
    const unknown = await foyer('tenants', 'create', '--slug', 'x', '--colour', 'red');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown option '--colour'/);
  });
});

test('unknown commands and help', async () => {
  const foyer = cli({ DATABASE_URL: 'sqlite:/nonexistent/never-opened.db' });
  const unknown = await foyer('tenant', 'make');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "tenant make"/);
  const help = await foyer('help');
  assert.equal(help.code, 0);
  for (const command of ['migrate', 'tenants create', 'tenants list']) assert.match(help.stdout, new RegExp(`^  ${command} `, 'm'));
  const commandHelp = await foyer('tenants', 'create', '--help');
  assert.match(commandHelp.stdout, /^Usage: foyer tenants create --slug <slug> --name <name>/);
});

test('an unreachable database fails with exit 1 naming DATABASE_URL, without the password', async () => {
  const run = await cli({ DATABASE_URL: 'postgres://foyer:s3cret@127.0.0.1:1/foyer' })('tenants', 'list');
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^foyer tenants list: DATABASE_URL: cannot use the database: cannot reach postgres:\/\/foyer:\*\*\*@127\.0\.0\.1:1\/foyer/);
  assert.equal(run.stderr.includes('s3cret'), false);
  assert.equal(run.stderr.trim().split('\n').length, 1);
});

test('bad configuration fails with exit 1 naming the setting', async () => {
  const run = await cli({ LOG_LEVEL: 'chatty' })('tenants', 'list');
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^foyer tenants list: LOG_LEVEL: must be one of/);
});

test('the foyer bin script starts and prints its usage', async () => {
  const root = path.resolve(import.meta.dirname, '../..');
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(root, 'src/cli/foyer.ts'), 'help'], { cwd: root });
  assert.match(stdout, /^Usage: foyer <command>/);
});
