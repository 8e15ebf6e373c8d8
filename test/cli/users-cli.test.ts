// `foyer users` through runCli (argv and standard input in, text and exit code out), on each engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeEachEngine } from '../helpers/engines.ts';
import { runFoyer } from '../helpers/cli.ts';
import type { CliRun } from '../helpers/cli.ts';
import { createStores } from '../../src/storage/stores.ts';
import { verifyPassword } from '../../src/domain/credentials/password/argon2.ts';


type UserJson = {
  id: string;
  tenant: string;
  status: string;
  traits: Record<string, unknown>;
  addresses: { kind: string; value: string; verified: boolean; verified_at: string | null }[];
  [key: string]: unknown;
};

const PASSWORD = 'velvet lantern orchard 42';
// Every model oidc-provider ties to an account; the CLI tests plant one of each per customer.
const ACCOUNT_MODELS = ['Session', 'AccessToken', 'RefreshToken', 'AuthorizationCode', 'Grant', 'DeviceCode'];

let emailCount = 0;
const newEmail = (name = 'customer') => `${name}.${++emailCount}.${process.pid}@example.com`;

describeEachEngine('foyer users', (current) => {
  const stores = () => createStores(current().handle.db);

  async function foyerWithInput(input: string | undefined, ...argv: string[]): Promise<CliRun> {
    // Two chunks, the second splitting nothing: what a pipe may deliver.
    const stdin = input === undefined ? undefined : Readable.from([Buffer.from(input.slice(0, 3)), Buffer.from(input.slice(3))]);
    return runFoyer(argv, current().env, stdin);
  }
  const foyer = (...argv: string[]) => foyerWithInput(undefined, ...argv);

  async function json(...argv: string[]): Promise<UserJson> {
    const run = await foyer(...argv, '--json');
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as UserJson;
  }

  async function tenantId(slug = 'default'): Promise<string> {
    return (await current().handle.db.selectFrom('tenants').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id;
  }

  async function passwordHashOf(identityId: string): Promise<string | undefined> {
    const row = await current().handle.db.selectFrom('credentials').select('config').where('identity_id', '=', identityId).where('type', '=', 'password').executeTakeFirst();
    return row && (JSON.parse(row.config) as { hash: string }).hash;
  }

  async function plantArtifacts(tenant: string, accountId: string): Promise<void> {
    for (const model of ACCOUNT_MODELS) {
      await stores().oidcArtifacts.upsert(tenant, model, `${model}-${accountId}`, { accountId, grantId: `grant-${accountId}` }, Date.now() + 3_600_000);
    }
  }

  async function artifactsOf(tenant: string, accountId: string): Promise<string[]> {
    const found = [];
    for (const model of ACCOUNT_MODELS) if (await stores().oidcArtifacts.find(tenant, model, `${model}-${accountId}`)) found.push(model);
    return found;
  }

  test('create with a password from standard input stores only its argon2id hash, and is audited', async () => {
    const email = newEmail('Ann');
    const run = await foyerWithInput(`${PASSWORD}\n`, 'users', 'create', '--email', email, '--name', 'Ann', '--password-stdin', '--json');
    assert.equal(run.code, 0, run.stderr);
    const user = JSON.parse(run.stdout) as UserJson;
    assert.deepEqual(user.traits, { email, name: 'Ann' });
    assert.equal(user.status, 'active');
    assert.equal(user.tenant, 'default');
    assert.deepEqual(user.addresses, [{ kind: 'email', value: email.toLowerCase(), verified: false, verified_at: null }]);
    const hash = await passwordHashOf(user.id);
    assert.match(hash ?? '', /^\$argon2id\$/);
    // The line ending echo adds is not part of the password.
    assert.equal((await verifyPassword(hash!, PASSWORD)).valid, true);
    assert.equal(run.stdout.includes(PASSWORD) || run.stdout.includes(hash!), false);

    const [audit] = await stores().audit.list(await tenantId(), { targetId: user.id, limit: 5 });
    assert.equal(audit?.action, 'identity.created');
    assert.equal(audit?.actor.type, 'operator');
    assert.match(audit?.actor.id ?? '', /^cli:/);
    assert.deepEqual(audit?.details, { password: true, verified: false });
    const events = await current().handle.db.selectFrom('outbox_events').select('type').where('aggregate_id', '=', user.id).execute();
    assert.deepEqual(events.map((event) => event.type), ['identity.created']);
  });

  test('create without a password makes no credential; --verified marks the address verified; --password works too', async () => {
    const without = await json('users', 'create', '--email', newEmail(), '--verified');
    assert.equal(await passwordHashOf(without.id), undefined);
    assert.equal(without.addresses[0]?.verified, true);
    assert.ok(Date.parse(without.addresses[0]?.verified_at ?? '') > Date.now() - 60_000);
    const human = await foyer('users', 'create', '--email', newEmail(), '--password', PASSWORD);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^Created customer [0-9a-f-]{36} in tenant default\.$/m);
    assert.match(human.stdout, /^address\.email\s+\S+ \(not verified\)$/m);
    const id = /^id\s+(\S+)$/m.exec(human.stdout)?.[1] ?? '';
    assert.equal((await verifyPassword((await passwordHashOf(id))!, PASSWORD)).valid, true);
  });

  test('invalid input is exit 2 naming the option, and writes nothing', async () => {
    const cases: [string | undefined, string[], RegExp][] = [
      [undefined, ['--email', 'not-an-email'], /^foyer users create: --email: Enter an email address like name@example\.com\.$/m],
      [undefined, ['--email', newEmail(), '--password', 'short'], /^foyer users create: --password: Use at least 8 characters/m],
      [undefined, ['--email', newEmail(), '--password', 'password123'], /^foyer users create: --password: This password is one of the most common/m],
      ['short\n', ['--email', newEmail(), '--password-stdin'], /^foyer users create: --password-stdin: Use at least 8 characters/m],
      [PASSWORD, ['--email', newEmail(), '--password-stdin', '--password', PASSWORD], /either --password or --password-stdin/],
      [undefined, ['--name', 'Nobody'], /--email is required/],
      [undefined, ['--email', newEmail(), '--colour', 'red'], /Unknown option '--colour'/],
    ];
    const before = await stores().identities.list(await tenantId(), { limit: 1 });
    for (const [input, argv, expected] of cases) {
      const run = await foyerWithInput(input, 'users', 'create', ...argv);
      assert.equal(run.code, 2, `${argv.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, expected);
      assert.equal(run.stdout, '');
    }
    assert.deepEqual(await stores().identities.list(await tenantId(), { limit: 1 }), before);
  });

  test('a taken email (in any case) is exit 1 with one clear line, and writes nothing', async () => {
    const email = newEmail('taken');
    const first = await json('users', 'create', '--email', email);
    const again = await foyer('users', 'create', '--email', email.toUpperCase(), '--password', PASSWORD);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `foyer users create: Another customer in this tenant already has the email address "${email}".\n`);
    assert.equal(again.stdout, '');
    const [latest] = await stores().identities.list(await tenantId(), { limit: 1 });
    assert.equal(latest?.id, first.id);
  });

  test('search finds customers as the admin API does, newest first, page by page with --cursor', async () => {
    assert.equal((await foyer('tenants', 'create', '--slug', 'search-shop', '--name', 'Search')).code, 0);
    const created = [];
    for (const name of ['ann', 'anna', 'bob']) created.push(await json('users', 'create', '--tenant', 'search-shop', '--email', newEmail(name), '--name', `${name} Smith`));
    const search = async (...argv: string[]) => JSON.parse((await foyer('users', 'search', '--tenant', 'search-shop', '--json', ...argv)).stdout) as { items: UserJson[]; next_cursor: string | null };
    const ids = (page: { items: UserJson[] }) => page.items.map((user) => user.id);
    assert.deepEqual(ids(await search('--email-prefix', 'ANN')), [created[1]!.id, created[0]!.id]);
    assert.deepEqual(ids(await search('--name', 'bo')), [created[2]!.id]);
    assert.deepEqual(ids(await search('--status', 'active', '--created-after', '2000-01-01')), created.map((user) => user.id).reverse());
    const first = await search('--limit', '2');
    assert.deepEqual(ids(first), [created[2]!.id, created[1]!.id]);
    const second = await search('--limit', '2', '--cursor', first.next_cursor!);
    assert.deepEqual([ids(second), second.next_cursor], [[created[0]!.id], null]);
    const table = await foyer('users', 'search', '--tenant', 'search-shop', '--limit', '1', '--email-prefix', 'bob');
    assert.match(table.stdout, /^ID\s+EMAIL\s+STATUS\s+CREATED\s+LAST SIGN-IN\n/);
    const refused = await foyer('users', 'search', '--tenant', 'search-shop', '--email', 'a', '--email-prefix', 'a', '--trait', 'plan=pro');
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /--email-prefix: Give the exact value or the prefix, not both/);
    assert.match(refused.stderr, /--trait: The tenant's trait schema has no trait of this name/);
  });

  test('list pages newest first with --limit and --after, as JSON and as a table', async () => {
    assert.equal((await foyer('tenants', 'create', '--slug', 'list-shop', '--name', 'List')).code, 0);
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await json('users', 'create', '--tenant', 'list-shop', '--email', newEmail(`list${i}`)));
    const newestFirst = created.map((user) => user.id).reverse();
    const page = async (...argv: string[]) => JSON.parse((await foyer('users', 'list', '--tenant', 'list-shop', '--json', ...argv)).stdout) as UserJson[];
    const first = await page('--limit', '2');
    const second = await page('--limit', '2', '--after', first.at(-1)!.id);
    const third = await page('--limit', '2', '--after', second.at(-1)!.id);
    assert.deepEqual([first, second, third].map((p) => p.map((user) => user.id)), [newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4)]);
    assert.deepEqual((await page()).map((user) => user.id), newestFirst);

    const table = await foyer('users', 'list', '--tenant', 'list-shop', '--limit', '2');
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^ID\s+EMAIL\s+STATUS\s+CREATED$/);
    assert.deepEqual(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 3)), created.slice(3).reverse().map((user) => [user.id, user.traits['email'], 'active']));
    assert.equal(table.stderr, `More may follow: foyer users list --tenant list-shop --limit 2 --after ${newestFirst[1]}\n`);
    for (const limit of ['0', '1001', 'ten']) {
      const bad = await foyer('users', 'list', '--limit', limit);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--limit must be a whole number from 1 to 1000/);
    }
  });

  test('show gives traits, addresses and status, and never the password or its hash', async () => {
    const user = await json('users', 'create', '--email', newEmail('Show'), '--name', 'Shown Person', '--password', PASSWORD, '--verified');
    const hash = (await passwordHashOf(user.id))!;
    const text = await foyer('users', 'show', '--id', user.id);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^traits\.name\s+Shown Person$/m);
    assert.match(text.stdout, new RegExp(`^address\\.email\\s+${user.addresses[0]!.value.replaceAll('.', '\\.')} \\(verified \\d{4}-`, 'm'));
    assert.match(text.stdout, /^status\s+active$/m);
    const shown = await json('users', 'show', '--id', user.id);
    assert.deepEqual(shown, user);
    for (const output of [text.stdout, JSON.stringify(shown)]) {
      for (const secret of [PASSWORD, hash, '$argon2', 'credential']) assert.equal(output.includes(secret), false, secret);
    }
  });

  test('block sets the status and revokes every artifact of that customer, and only theirs', async () => {
    const tenant = await tenantId();
    const [blocked, bystander] = [await json('users', 'create', '--email', newEmail()), await json('users', 'create', '--email', newEmail())];
    await plantArtifacts(tenant, blocked.id);
    await plantArtifacts(tenant, bystander.id);
    const run = await foyer('users', 'block', '--id', blocked.id);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `Blocked customer ${blocked.id} in tenant default; revoked ${ACCOUNT_MODELS.length} session(s), code(s), grant(s) and token(s).\n`);
    assert.equal((await stores().identities.findById(tenant, blocked.id))?.status, 'blocked');
    assert.deepEqual(await artifactsOf(tenant, blocked.id), []);
    assert.deepEqual(await artifactsOf(tenant, bystander.id), ACCOUNT_MODELS);
    assert.equal((await stores().identities.findById(tenant, bystander.id))?.status, 'active');
    const [audit] = await stores().audit.list(tenant, { targetId: blocked.id, limit: 1 });
    assert.equal(audit?.action, 'identity.blocked');
    assert.deepEqual(audit?.details, { revokedArtifacts: ACCOUNT_MODELS.length });
    // Blocking again revokes what was issued in between.
    await plantArtifacts(tenant, blocked.id);
    assert.deepEqual(await json('users', 'block', '--id', blocked.id), { id: blocked.id, status: 'blocked', revoked_artifacts: ACCOUNT_MODELS.length });
    assert.deepEqual(await artifactsOf(tenant, blocked.id), []);
  });

  test('unblock makes the customer active again, and is audited', async () => {
    const tenant = await tenantId();
    const user = await json('users', 'create', '--email', newEmail());
    await json('users', 'block', '--id', user.id);
    const run = await foyer('users', 'unblock', '--id', user.id);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `Unblocked customer ${user.id} in tenant default.\n`);
    assert.equal((await stores().identities.findById(tenant, user.id))?.status, 'active');
    const audit = await stores().audit.list(tenant, { targetId: user.id, limit: 5 });
    assert.deepEqual(audit.map((event) => event.action), ['identity.unblocked', 'identity.blocked', 'identity.created']);
  });

  test('delete erases the customer and their artifacts, frees the address, and keeps no personal data in the audit log', async () => {
    const tenant = await tenantId();
    const email = newEmail('Erased');
    const user = await json('users', 'create', '--email', email, '--name', 'Erased Person', '--password', PASSWORD);
    const bystander = await json('users', 'create', '--email', newEmail());
    await plantArtifacts(tenant, user.id);
    await plantArtifacts(tenant, bystander.id);
    assert.deepEqual(await json('users', 'delete', '--id', user.id), { id: user.id, deleted: true, revoked_artifacts: ACCOUNT_MODELS.length });

    assert.equal(await stores().identities.findById(tenant, user.id), undefined);
    assert.equal(await stores().identities.findCredential(tenant, 'password', email.toLowerCase()), undefined);
    for (const table of ['identity_addresses', 'credentials', 'credential_identifiers'] as const) {
      const rows = await current().handle.db.selectFrom(table).select('id').where('identity_id', '=', user.id).execute();
      assert.deepEqual(rows, [], table);
    }
    assert.deepEqual(await artifactsOf(tenant, user.id), []);
    assert.deepEqual(await artifactsOf(tenant, bystander.id), ACCOUNT_MODELS);

    const audit = await stores().audit.list(tenant, { targetId: user.id, limit: 5 });
    assert.deepEqual(audit.map((event) => event.action), ['identity.deleted', 'identity.created']);
    assert.deepEqual(audit[0]?.details, { revokedArtifacts: ACCOUNT_MODELS.length });
    for (const personal of [email, email.toLowerCase(), 'Erased Person']) assert.equal(JSON.stringify(audit).includes(personal), false, personal);
    const deleted = await current().handle.db.selectFrom('outbox_events').select('payload').where('aggregate_id', '=', user.id).where('type', '=', 'identity.deleted').executeTakeFirst();
    assert.deepEqual(deleted && JSON.parse(deleted.payload), {});

    const again = await json('users', 'create', '--email', email);
    assert.notEqual(again.id, user.id);
  });

  test('an unknown customer is exit 1 with one line; a missing --id is exit 2', async () => {
    const tenant = await tenantId();
    const user = await json('users', 'create', '--email', newEmail());
    await json('users', 'delete', '--id', user.id);
    for (const command of ['show', 'block', 'unblock', 'delete']) {
      const run = await foyer('users', command, '--id', user.id);
      assert.equal(run.code, 1, run.stderr);
      assert.equal(run.stderr, `foyer users ${command}: No customer with the id "${user.id}" in this tenant.\n`);
      const missing = await foyer('users', command);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /--id is required/);
    }
    assert.deepEqual((await stores().audit.list(tenant, { targetId: user.id, limit: 5 })).map((event) => event.action), ['identity.deleted', 'identity.created']);
  });

  test('customers belong to their tenant: another tenant can neither see nor block them', async () => {
    assert.equal((await foyer('tenants', 'create', '--slug', 'other-users', '--name', 'Other')).code, 0);
    const other = await tenantId('other-users');
    const email = newEmail('twice');
    const theirs = await json('users', 'create', '--tenant', 'other-users', '--email', email);
    assert.equal(theirs.tenant, 'other-users');
    await plantArtifacts(other, theirs.id);
    // The same email is free in the default tenant.
    await json('users', 'create', '--email', email);
    for (const command of ['show', 'block', 'delete']) assert.equal((await foyer('users', command, '--id', theirs.id)).code, 1);
    assert.equal((await stores().identities.findById(other, theirs.id))?.status, 'active');
    assert.deepEqual(await artifactsOf(other, theirs.id), ACCOUNT_MODELS);
    const unknownTenant = await foyer('users', 'list', '--tenant', 'nowhere');
    assert.equal(unknownTenant.code, 1);
    assert.equal(unknownTenant.stderr, 'foyer users list: No tenant has the slug "nowhere".\n');
  });

  test("traits a tenant's schema requires come with --trait name=value or --traits-json, read as the schema's types", async () => {
    assert.equal((await foyer('tenants', 'create', '--slug', 'plan-users', '--name', 'Plans')).code, 0);
    const settings = path.join(mkdtempSync(path.join(tmpdir(), 'foyer-plan-')), 'settings.json');
    const schema = {
      type: 'object',
      properties: {
        email: { type: 'string', 'x-foyer': { identifier: true, verifiable: 'email' } },
        plan: { type: 'string', enum: ['free', 'pro'] },
        seats: { type: 'integer', minimum: 1 },
        newsletter: { type: 'boolean' },
      },
      required: ['email', 'plan'],
      additionalProperties: false,
    };
    writeFileSync(settings, JSON.stringify({ identitySchema: schema }));
    assert.equal((await foyer('tenants', 'configure', '--slug', 'plan-users', '--file', settings)).code, 0);

    const missing = await foyer('users', 'create', '--tenant', 'plan-users', '--email', newEmail('plan'));
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'foyer users create: --trait plan: This field is required.\n');
    const wrong = await foyer('users', 'create', '--tenant', 'plan-users', '--email', newEmail('plan'), '--trait', 'plan=gold', '--trait', 'seats=none');
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /^foyer users create: --trait plan: must be equal to one of the allowed values$/m);
    assert.match(wrong.stderr, /^foyer users create: --trait seats: must be integer$/m);
    const malformed = await foyer('users', 'create', '--tenant', 'plan-users', '--email', newEmail('plan'), '--trait', 'plan');
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /--trait takes name=value, such as --trait plan=pro/);

    const email = newEmail('plan');
    const created = await json('users', 'create', '--tenant', 'plan-users', '--email', email, '--trait', 'plan=pro', '--trait', 'seats=3', '--trait', 'newsletter=yes');
    assert.deepEqual(created.traits, { email, plan: 'pro', seats: 3, newsletter: true });
    const fromJson = await json('users', 'create', '--tenant', 'plan-users', '--email', newEmail('json'), '--traits-json', '{"plan":"free","seats":2}', '--trait', 'plan=pro');
    assert.deepEqual({ plan: fromJson.traits['plan'], seats: fromJson.traits['seats'] }, { plan: 'pro', seats: 2 }, '--trait wins over --traits-json');
    const badJson = await foyer('users', 'create', '--tenant', 'plan-users', '--email', newEmail('json'), '--traits-json', '[1]');
    assert.equal(badJson.code, 2);
    assert.match(badJson.stderr, /--traits-json must be a JSON object/);
  });

  test('help lists every users command and steers passwords to standard input', async () => {
    const help = await foyer('help');
    for (const command of ['create', 'list', 'show', 'block', 'unblock', 'delete']) assert.match(help.stdout, new RegExp(`^  users ${command} `, 'm'));
    const create = await foyer('users', 'create', '--help');
    assert.match(create.stdout, /--password-stdin \| --password <password>/);
    assert.match(create.stdout, /shell history/);
  });
});
