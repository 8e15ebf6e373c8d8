// The customers list's "verified" filter through HTTP on each engine (issue 19): customers whose
// email address is verified, or not yet, newest first, page by page, alone (driven by the partial
// address indexes of migration 0028) or beside a text criterion (a probe of each match), following
// a verification made later; analysts may use it; and the statement of a page reads the partial
// index, not every identity of the tenant.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledQuery, sql } from 'kysely';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createTenant } from '../helpers/oidc-clients.ts';
import { callAdmin, machineToken, staffToken } from '../helpers/admin.ts';

type Customer = { id: string; addresses: { kind: string; verified: boolean }[] };
type Page<T> = { items: T[]; next_cursor: string | null };
type Statement = { sql: string; parameters: readonly unknown[] };

describeEachEngine('admin API: the verified customer filter', (current) => {
  let node: ListeningServer;
  let writer: string;
  let captured: Statement[] = [];
  let capturing = false;

  before(async () => {
    node = await startListeningServer(current().engine, {}, {
      onQuery: (text, parameters) => {
        if (capturing) captured.push({ sql: text, parameters });
      },
    });
    await createTenant(node.server, 'verify', {});
    writer = await machineToken(node.server, ['customers:read', 'customers:write']);
  });
  after(() => node.stop());

  const call = (token: string, method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown) => callAdmin(node.server, token, method, path, body === undefined ? {} : { body });
  const create = async (email: string, verified: boolean) => {
    const response = await call(writer, 'POST', '/tenants/verify/customers', { traits: { email }, verified });
    assert.equal(response.statusCode, 201, response.body);
    return response.json<Customer>().id;
  };
  const ids = async (token: string, query: string) => {
    const response = await call(token, 'GET', `/tenants/verify/customers${query}`);
    assert.equal(response.statusCode, 200, response.body);
    return response.json<Page<{ id: string }>>();
  };

  test('verified=true and verified=false, newest first, by cursor, with other criteria, after a verification', async () => {
    const made: { id: string; verified: boolean }[] = [];
    for (let index = 0; index < 7; index++) {
      const verified = index % 3 === 0;
      made.push({ id: await create(`${verified ? 'sure' : 'maybe'}.${index}@example.com`, verified), verified });
    }
    const newestFirst = (verified: boolean) => made.filter((each) => each.verified === verified).map((each) => each.id).reverse();
    assert.deepEqual((await ids(writer, '?verified=true')).items.map((item) => item.id), newestFirst(true));
    assert.deepEqual((await ids(writer, '?verified=false')).items.map((item) => item.id), newestFirst(false));

    // Page by page: the cursor continues within the same state.
    const first = await ids(writer, '?verified=false&limit=2');
    assert.equal(first.items.length, 2);
    assert.ok(first.next_cursor);
    const rest = await ids(writer, `?verified=false&limit=10&cursor=${first.next_cursor}`);
    assert.deepEqual([...first.items, ...rest.items].map((item) => item.id), newestFirst(false));
    assert.equal(rest.next_cursor, null);

    // Beside a text criterion the filter probes the matches.
    assert.deepEqual((await ids(writer, '?email_prefix=maybe&verified=true')).items, []);
    assert.deepEqual((await ids(writer, '?email_prefix=sure&verified=true')).items.map((item) => item.id), newestFirst(true));
    // And beside a creation time.
    const oldest = made[0]!;
    const created = (await call(writer, 'GET', `/tenants/verify/customers/${made[1]!.id}`)).json<{ created_at: string }>().created_at;
    assert.deepEqual((await ids(writer, `?verified=true&created_before=${encodeURIComponent(created)}`)).items.map((item) => item.id), [oldest.id]);

    // A new email vouched for by the operator moves the customer to the verified ones.
    const moved = made.find((each) => !each.verified)!;
    const read = await call(writer, 'GET', `/tenants/verify/customers/${moved.id}`);
    const changed = await callAdmin(node.server, writer, 'PATCH', `/tenants/verify/customers/${moved.id}`, { body: { traits: { email: 'moved@example.com' }, email_verified: true }, headers: { 'if-match': String(read.headers['etag']) } });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.ok((await ids(writer, '?verified=true')).items.some((item) => item.id === moved.id));
    assert.ok(!(await ids(writer, '?verified=false')).items.some((item) => item.id === moved.id));

    // Neither a yes nor a no: a 400 naming the parameter.
    const refused = await call(writer, 'GET', '/tenants/verify/customers?verified=perhaps');
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /verified/);
  });

  test('an analyst may filter by it (it is no personal data) and gets masked customers', async () => {
    const id = await create('analysed@example.com', true);
    const { token } = await staffToken(node, 'analyst');
    const page = await ids(token, '?verified=true');
    const mine = page.items.find((item) => item.id === id) as unknown as { masked_email: string; email_verified: boolean };
    assert.deepEqual([mine.masked_email, mine.email_verified], ['a•••@example.com', true]);
    assert.ok((page.items as unknown as { email_verified: boolean }[]).every((item) => item.email_verified));
  });

  test('a page of verified=false reads the partial index of unverified addresses, not every identity', async () => {
    captured = [];
    capturing = true;
    await ids(writer, '?verified=false&limit=5');
    capturing = false;
    const statement = captured.find((each) => /from "identity_addresses"/.test(each.sql) && /verified_at is null/.test(each.sql));
    assert.ok(statement, `no search statement among:\n${captured.map((each) => each.sql).join('\n')}`);
    const db = current().handle.db;
    if (current().engine === 'sqlite') {
      const plan = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${statement.sql}`, [...statement.parameters]));
      const details = plan.rows.map((row) => row.detail);
      assert.ok(details.some((detail) => /identity_addresses USING (COVERING )?INDEX identity_addresses_email_unverified/.test(detail)), details.join('\n'));
      assert.ok(!details.some((detail) => /^SCAN (identities|identity_addresses)\b/.test(detail)), details.join('\n'));
    } else {
      const text = await db.transaction().execute(async (tx) => {
        await sql`set local enable_seqscan = off`.execute(tx);
        const explained = await tx.executeQuery<{ 'QUERY PLAN': unknown }>(CompiledQuery.raw(`explain (format json) ${statement.sql}`, [...statement.parameters]));
        const plan = explained.rows[0]!['QUERY PLAN'];
        return typeof plan === 'string' ? plan : JSON.stringify(plan);
      });
      assert.match(text, /"Index Name":\s*"identity_addresses_email_unverified"/);
      assert.doesNotMatch(text, /Seq Scan/);
    }
  });
});
