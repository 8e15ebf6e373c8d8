// `foyer import customers` as operators run it: the real CLI process against each engine, with a
// Foyer node on the same database for the customers to sign in to. Every legacy hash format
// (fixtures made by the real algorithms) signs in with the original password and is rehashed to
// argon2id; a dry run reports each line and writes nothing; rejected lines go to the reject file
// and never stop the import; a second run finds everyone (skip), or updates them; CSV works like
// JSON Lines; an import killed with SIGKILL and resumed creates every customer exactly once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describeEachEngine } from '../helpers/engines.ts';
import { createServerNode, TEST_MASTER_SECRET } from '../helpers/test-server.ts';
import { FIREBASE_PROJECT, legacyFixtures } from '../fixtures/legacy-password-hashes.ts';

const root = path.resolve(import.meta.dirname, '../..');
const work = mkdtempSync(path.join(tmpdir(), 'foyer-import-'));
after(() => rmSync(work, { recursive: true, force: true }));

type Run = { code: number; stdout: string; stderr: string };
type Outcome = { line: number; status: string; id?: string; errors?: { field: string; code: string }[] };
type Summary = { lines: number; created: number; updated: number; skipped: number; rejected: number; weakHashes: number; dry_run: boolean; reject_file?: string };

describeEachEngine('foyer import customers (CLI process)', (current) => {
  let node: Awaited<ReturnType<typeof createServerNode>>;
  let files = 0;
  const env = () => ({ ...process.env, ...current().env, MASTER_SECRET: TEST_MASTER_SECRET, DATA_DIR: mkdtempSync(path.join(work, 'data-')), FOYER_PROGRESS_SECONDS: '0' });
  const foyer = async (...argv: string[]): Promise<Run> => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(root, 'src/cli/foyer.ts'), ...argv], { cwd: root, env: env(), maxBuffer: 64 * 1024 * 1024 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };
  const file = (lines: readonly unknown[], extension = 'jsonl') => {
    const name = path.join(work, `customers-${current().engine}-${++files}.${extension}`);
    writeFileSync(name, lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n');
    return name;
  };
  const outcomes = (run: Run) => run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Outcome & { summary?: Summary });
  const summaryOf = (run: Run) => outcomes(run).at(-1)!.summary!;
  const tenantId = () => node.defaultTenant.id;
  const customerByEmail = (email: string) => node.stores.identities.findByAddress(tenantId(), 'email', email);
  const signIn = async (identifier: string, password: string, remoteAddress: string) => {
    const post = (url: string, payload?: object) => node.app.inject({ method: 'POST', url, payload, remoteAddress });
    const created = await post('/flows/login');
    return post(`/flows/login/${(created.json() as { id: string }).id}`, { identifier, password });
  };
  const passwordHashOf = async (identityId: string) => String((await node.stores.identities.listCredentials(tenantId(), identityId)).find((credential) => credential.type === 'password')?.config['hash']);

  before(async () => {
    node = await createServerNode(current());
    // The default tenant exists before the first command: both sides then use the same one.
    assert.ok(node.defaultTenant.id);
  });
  after(() => node.close());

  test('every legacy hash format signs in with the original password and is rehashed to argon2id', async () => {
    const fixtures = legacyFixtures();
    const email = (index: number) => `legacy-${current().engine}-${index}@example.com`;
    const source = file(fixtures.map((fixture, index) => ({ external_id: `old-${index}`, traits: { email: email(index) }, verified: true, password_hash: fixture.input })));
    const firebase = ['--firebase-signer-key', FIREBASE_PROJECT.signerKey, '--firebase-salt-separator', FIREBASE_PROJECT.saltSeparator, '--firebase-rounds', String(FIREBASE_PROJECT.rounds), '--firebase-mem-cost', String(FIREBASE_PROJECT.memCost)];
    const run = await foyer('import', 'customers', source, ...firebase);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(summaryOf(run), { lines: fixtures.length, created: fixtures.length, updated: 0, skipped: 0, rejected: 0, weakHashes: 3, dry_run: false });

    for (const [index, fixture] of fixtures.entries()) {
      const customer = await customerByEmail(email(index));
      assert.ok(customer, fixture.name);
      assert.equal(customer.externalId, `old-${index}`);
      const before = await passwordHashOf(customer.id);
      assert.doesNotMatch(before, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/, fixture.name);
      const address = `198.51.100.${index + 1}`;
      const wrong = await signIn(email(index), `${fixture.password}x`, address);
      assert.equal(wrong.statusCode, 401, `${fixture.name}: a wrong password`);
      assert.equal(await passwordHashOf(customer.id), before, `${fixture.name}: not rehashed by a wrong password`);
      const right = await signIn(email(index), fixture.password, address);
      assert.equal(right.statusCode, 200, `${fixture.name}: ${right.body}`);
      assert.match(await passwordHashOf(customer.id), /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/, `${fixture.name}: rehashed`);
      assert.equal((await signIn(email(index), fixture.password, address)).statusCode, 200, `${fixture.name}: again, with argon2id`);
    }
    const [entry] = (await node.stores.audit.list(tenantId(), { targetId: (await customerByEmail(email(0)))!.id, limit: 10 })).filter((event) => event.details?.['rehashed'] === true);
    assert.equal(entry?.details?.['rehashedFrom'], 'bcrypt');
  });

  test('a dry run reports each line and writes nothing; the import rejects bad lines to the reject file and goes on; a second run skips, --on-existing update updates (a password it has only with --replace-passwords)', async () => {
    const tag = `dry-${current().engine}`;
    const source = file([
      { external_id: `${tag}-1`, traits: { email: `${tag}.ann@example.com`, name: 'Ann' }, created_at: '2021-03-04T05:06:07Z', last_signed_in_at: '2024-02-03T04:05:06Z' },
      'not json at all',
      { traits: { email: `${tag}.bob@example.com` }, password_hash: '$2b$10$notabcrypthash' },
      { traits: { email: `${tag}.cy@example.com`, shoe: 44 } },
      { traits: { email: `${tag}.dee@example.com` }, status: 'blocked', verified: ['email'] },
    ]);
    const dry = await foyer('import', 'customers', source, '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    const reported = outcomes(dry);
    assert.deepEqual(reported.slice(0, -1).map((outcome) => [outcome.line, outcome.status]), [[1, 'would_be_created'], [2, 'rejected'], [3, 'rejected'], [4, 'rejected'], [5, 'would_be_created']]);
    assert.deepEqual(reported[2]!.errors?.map((error) => error.field), ['password_hash']);
    assert.deepEqual(reported[3]!.errors?.map((error) => error.field), ['traits.shoe']);
    assert.equal(await customerByEmail(`${tag}.ann@example.com`), undefined, 'a dry run writes nothing');
    assert.equal(existsSync(`${source}.rejects.jsonl`), false);

    const real = await foyer('import', 'customers', source);
    assert.equal(real.code, 0, real.stderr);
    assert.deepEqual(summaryOf(real), { lines: 5, created: 2, updated: 0, skipped: 0, rejected: 3, weakHashes: 0, dry_run: false, reject_file: `${source}.rejects.jsonl` });
    assert.deepEqual(outcomes(real).slice(0, -1).map((outcome) => outcome.line), [2, 3, 4]);
    assert.equal(readFileSync(`${source}.rejects.jsonl`, 'utf8').split('\n').filter(Boolean).length, 3);
    assert.equal(readFileSync(`${source}.rejects.jsonl`, 'utf8').split('\n')[0], 'not json at all');
    const ann = (await customerByEmail(`${tag}.ann@example.com`))!;
    assert.equal(ann.createdAt, Date.parse('2021-03-04T05:06:07Z'));
    assert.equal(ann.externalId, `${tag}-1`);
    const dee = (await customerByEmail(`${tag}.dee@example.com`))!;
    assert.equal(dee.status, 'blocked');
    assert.ok(dee.addresses[0]!.verifiedAt);
    const lastSignIn = await node.stores.audit.lastOccurrences(tenantId(), 'signin.succeeded', [ann.id]);
    assert.equal(lastSignIn.get(ann.id), Date.parse('2024-02-03T04:05:06Z'));
    const created = await node.stores.audit.list(tenantId(), { targetId: ann.id, limit: 5 });
    assert.ok(created.some((event) => event.action === 'identity.created' && event.details?.['import'] === true && event.actor.type === 'operator'));

    const again = await foyer('import', 'customers', source);
    assert.deepEqual([summaryOf(again).created, summaryOf(again).skipped, summaryOf(again).rejected], [0, 2, 3]);

    // Matched by external id: the email moves; matched by email: the traits merge.
    const updates = file([
      { external_id: `${tag}-1`, traits: { email: `${tag}.ann.new@example.com` } },
      { traits: { email: `${tag}.dee@example.com`, name: 'Dee' } },
      { external_id: `${tag}-1`, traits: { email: `${tag}.dee@example.com` } },
    ]);
    const updated = await foyer('import', 'customers', updates, '--on-existing', 'update');
    assert.equal(updated.code, 0, updated.stderr);
    assert.deepEqual([summaryOf(updated).updated, summaryOf(updated).rejected], [2, 1]);
    assert.equal((await customerByEmail(`${tag}.ann.new@example.com`))?.id, ann.id);
    assert.deepEqual((await customerByEmail(`${tag}.dee@example.com`))?.traits, { email: `${tag}.dee@example.com`, name: 'Dee' });
    assert.equal(outcomes(updated)[0]!.errors?.[0]?.code, 'import.ambiguous');

    // A password the customer has is replaced only with --replace-passwords; a first one is set.
    const hashFor = async (password: string) => (await import('bcryptjs')).default.hashSync(password, 4);
    const setFirst = file([{ external_id: `${tag}-1`, traits: { email: `${tag}.ann.new@example.com` }, password_hash: await hashFor('first password 1') }]);
    assert.equal(summaryOf(await foyer('import', 'customers', setFirst, '--on-existing', 'update')).updated, 1);
    const replace = file([{ external_id: `${tag}-1`, traits: { email: `${tag}.ann.new@example.com` }, password_hash: await hashFor('second password 2') }]);
    const refused = await foyer('import', 'customers', replace, '--on-existing', 'update');
    assert.equal(outcomes(refused)[0]!.errors?.[0]?.code, 'import.password_exists');
    assert.equal((await signIn(`${tag}.ann.new@example.com`, 'first password 1', '198.51.100.150')).statusCode, 200);
    assert.equal(summaryOf(await foyer('import', 'customers', replace, '--on-existing', 'update', '--replace-passwords')).updated, 1);
    assert.equal((await signIn(`${tag}.ann.new@example.com`, 'second password 2', '198.51.100.151')).statusCode, 200);
  });

  test('CSV: columns are traits typed by the schema, verified, external_id, created_at, password_hash with salt and algorithm; a short row is rejected to a CSV reject file with its header', async () => {
    const tag = `csv-${current().engine}`;
    const md5 = (await import('node:crypto')).createHash('md5').update('pepper' + 'csv password 1').digest('hex');
    const source = file([
      'email,name,external_id,verified,created_at,password_hash,password_salt,password_algorithm',
      `${tag}.a@example.com,"Smith, Anna",${tag}-1,true,2022-01-01T00:00:00Z,${md5},pepper,md5`,
      `${tag}.b@example.com,Bo,${tag}-2,false,,,,`,
      `${tag}.c@example.com,Cee,${tag}-3`,
    ], 'csv');
    const run = await foyer('import', 'customers', source);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual([summaryOf(run).created, summaryOf(run).rejected, summaryOf(run).weakHashes], [2, 1, 1]);
    assert.equal(readFileSync(`${source}.rejects.csv`, 'utf8'), `email,name,external_id,verified,created_at,password_hash,password_salt,password_algorithm\n${tag}.c@example.com,Cee,${tag}-3\n`);
    const anna = (await customerByEmail(`${tag}.a@example.com`))!;
    assert.deepEqual([anna.traits['name'], anna.externalId, anna.addresses[0]!.verifiedAt !== null], ['Smith, Anna', `${tag}-1`, true]);
    assert.equal((await signIn(`${tag}.a@example.com`, 'csv password 1', '198.51.100.200')).statusCode, 200);
    assert.match(await passwordHashOf(anna.id), /^\$argon2id\$/);
  });

  test('killed with SIGKILL mid-import and resumed: every customer exactly once', async () => {
    const tag = `kill-${current().engine}`;
    const total = 8_000;
    const lines = Array.from({ length: total }, (_, index) => ({ external_id: `${tag}-${index}`, traits: { email: `${tag}.${index}@example.com` } }));
    const source = file(lines);
    const checkpoint = `${source}.checkpoint.json`;
    const child = spawn(process.execPath, [path.join(root, 'src/cli/foyer.ts'), 'import', 'customers', source, '--batch-size', '50'], { cwd: root, env: env(), stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Killed as soon as a batch or two is committed and checkpointed.
    while (!existsSync(checkpoint)) await new Promise((resolve) => setTimeout(resolve, 5));
    child.kill('SIGKILL');
    await exited;
    const count = async () => Number((await node.database.db.selectFrom('identities').select((eb) => eb.fn.countAll().as('n')).where('tenant_id', '=', tenantId()).where('external_id', 'like', `${tag}-%`).executeTakeFirstOrThrow()).n);
    const before = await count();
    assert.ok(before > 0 && before < total, `interrupted part-way (${before} of ${total})`);

    const refused = await foyer('import', 'customers', source);
    assert.equal(refused.code, 2, 'a checkpoint is there: resume or start over, not both by accident');
    const resumed = await foyer('import', 'customers', source, '--resume');
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /resuming after line \d+/);
    assert.equal(await count(), total);
    const summary = summaryOf(resumed);
    assert.equal(summary.lines, total);
    assert.equal(summary.created + summary.skipped, total);
    assert.equal(summary.rejected, 0);
    assert.equal(existsSync(checkpoint), false, 'the checkpoint goes when the import completes');
  });
});
