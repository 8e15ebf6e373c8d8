// `foyer export customers` as operators run it (the real CLI process, each engine): JSON Lines in
// the shape import reads; no password hashes unless asked, and asking is audited; an export
// imported into another tenant gives the same customers, who sign in there with their password.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { describeEachEngine } from '../helpers/engines.ts';
import { createServerNode, TEST_MASTER_SECRET } from '../helpers/test-server.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const root = path.resolve(import.meta.dirname, '../..');
const work = mkdtempSync(path.join(tmpdir(), 'foyer-export-'));
after(() => rmSync(work, { recursive: true, force: true }));

type Exported = { id: string; external_id: string | null; status: string; traits: Record<string, unknown>; verified: string[]; created_at: string; last_signed_in_at: string | null; password_hash?: string };

describeEachEngine('foyer export customers (CLI process)', (current) => {
  let node: Awaited<ReturnType<typeof createServerNode>>;
  const foyer = async (...argv: string[]) => {
    const env = { ...process.env, ...current().env, MASTER_SECRET: TEST_MASTER_SECRET, DATA_DIR: mkdtempSync(path.join(work, 'data-')), FOYER_PROGRESS_SECONDS: '0' };
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(root, 'src/cli/foyer.ts'), ...argv], { cwd: root, env, maxBuffer: 64 * 1024 * 1024 });
    return { stdout, stderr };
  };
  const lines = (text: string) => text.trim().split('\n').map((line) => JSON.parse(line) as Exported);

  before(async () => {
    node = await createServerNode(current());
    for (const slug of [`from-${current().engine}`, `to-${current().engine}`]) await node.stores.tenants.create({ id: uuidv7(Date.now()), slug, name: slug, settings: {}, now: Date.now() });
  });
  after(() => node.close());

  test('without and with password hashes (audited), and back in through import: the same customers, who sign in', async () => {
    const [from, to] = [`from-${current().engine}`, `to-${current().engine}`];
    const source = path.join(work, `seed-${current().engine}.jsonl`);
    const hash = bcrypt.hashSync('exported password 1', 8);
    writeFileSync(source, [
      { external_id: 'x-1', traits: { email: 'one@example.com', name: 'One' }, verified: true, created_at: '2020-01-01T00:00:00Z', last_signed_in_at: '2023-01-01T00:00:00Z', password_hash: hash },
      { traits: { email: 'two@example.com' }, status: 'blocked' },
    ].map((line) => JSON.stringify(line)).join('\n'));
    await foyer('import', 'customers', source, '--tenant', from);

    const plain = lines((await foyer('export', 'customers', '--tenant', from)).stdout);
    assert.equal(plain.length, 2);
    assert.ok(plain.every((customer) => !('password_hash' in customer)));
    const one = plain.find((customer) => customer.external_id === 'x-1')!;
    assert.deepEqual({ ...one, id: undefined }, { id: undefined, external_id: 'x-1', status: 'active', traits: { email: 'one@example.com', name: 'One' }, verified: ['email'], created_at: '2020-01-01T00:00:00.000Z', last_signed_in_at: '2023-01-01T00:00:00.000Z' });
    assert.equal(plain.find((customer) => customer.external_id === null)?.status, 'blocked');

    const file = path.join(work, `export-${current().engine}.jsonl`);
    const withHashes = await foyer('export', 'customers', '--tenant', from, '--with-password-hashes', '--output', file);
    assert.match(withHashes.stderr, /2 customers with their password hashes/);
    assert.equal(statSync(file).mode & 0o777, 0o600, 'a file of hashes is for its owner only');
    const exported = lines(readFileSync(file, 'utf8'));
    assert.equal(exported.find((customer) => customer.external_id === 'x-1')?.password_hash, hash);

    const tenant = (await node.stores.tenants.findBySlug(from))!;
    const audits = (await node.stores.audit.search(tenant.id, { action: 'customers.exported' }, { limit: 10 })).map((entry) => [entry.details?.['passwordHashes'], entry.actor.type]);
    assert.deepEqual(audits.sort(), [[false, 'operator'], [true, 'operator']]);

    const imported = await foyer('import', 'customers', file, '--tenant', to);
    assert.match(imported.stdout, /"created":2/);
    const target = (await node.stores.tenants.findBySlug(to))!;
    const moved = (await node.stores.identities.findByExternalId(target.id, 'x-1'))!;
    assert.deepEqual([moved.traits, moved.createdAt, moved.addresses[0]!.verifiedAt !== null], [{ email: 'one@example.com', name: 'One' }, Date.parse('2020-01-01T00:00:00Z'), true]);
    const post = (url: string, payload?: object) => node.app.inject({ method: 'POST', url, payload, remoteAddress: '203.0.113.77' });
    const flow = await post(`/t/${to}/flows/login`);
    const signedIn = await post(`/t/${to}/flows/login/${(flow.json() as { id: string }).id}`, { identifier: 'one@example.com', password: 'exported password 1' });
    assert.equal(signedIn.statusCode, 200, signedIn.body);
  });
});
