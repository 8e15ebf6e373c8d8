// The statements of a sign-in and of the token endpoints use indexes (issue 20, item 4): a real
// sign-in through the hosted pages, a single sign-on on the session it left, a code exchange, a
// refresh, userinfo and introspection run against a server whose database handle reports every
// statement; each distinct statement that reads or changes rows is then explained on the same
// engine with the values it ran with. Every table a plan reads must be looked up through an index
// by a column other than the tenant (a search by tenant alone walks all of the largest tenant's
// rows). SQLite: no `SCAN`, and every `SEARCH` names such a column. PostgreSQL, with sequential
// scans and merge and hash joins priced out (an empty test table makes them look cheap; at scale a
// point lookup is a nested loop of index lookups): no `Seq Scan` and no index read without a
// condition. PostgreSQL's choice between a lookup and a walk of one tenant's rows rests on
// statistics an empty test database does not have, so that one is judged on SQLite only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { CompiledQuery, sql } from 'kysely';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, basic, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import type { Db } from '../../src/storage/database.ts';

const CALLBACK = 'https://shop.example.test/callback';

type Statement = { readonly sql: string; readonly parameters: readonly unknown[] };

/** Statements that read or change existing rows (inserts find no rows; transactions and settings are not queries). */
function readsRows(text: string): boolean {
  const body = text.replace(/^\/\*.*?\*\/\s*/s, '').trimStart().toLowerCase();
  return /^(select|update|delete|with)\b/.test(body) && /\bfrom\b|\bupdate\b/.test(body);
}

/**
 * The node's background jobs run on timers and may fall into the window: the outbox's and the
 * deliveries' claims (by due time, a range over their partial pending indexes, by design) and the
 * subscription directory's read of every enabled subscription. The path itself only inserts into
 * the outbox, which is not a read.
 */
function backgroundJob(text: string): boolean {
  return /"(outbox_events|event_deliveries|event_subscriptions)"/.test(text);
}

/**
 * Whether an index condition names more than the tenant: `tenant_id = ?` alone (or with a range)
 * walks all of a tenant's rows, which for the tenant with the millions is a full scan by another name.
 */
function selective(condition: string): boolean {
  const columns = [...condition.matchAll(/"?([a-z_]+)"?\s*(=|==)/g)].map((match) => match[1]!);
  return columns.some((column) => column !== 'tenant_id');
}

async function sqliteProblems(db: Db, statement: Statement): Promise<string[]> {
  const plan = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${statement.sql}`, [...statement.parameters]));
  const problems: string[] = [];
  for (const { detail } of plan.rows) {
    // "SCAN t" reads the whole table and "SCAN t USING (COVERING) INDEX i" a whole index;
    // "SEARCH t USING … (a=? AND b=?)" looks rows up by the columns it names.
    if (/^SCAN \S+/.test(detail) && !/^SCAN (CONSTANT ROW|\(subquery|json_each)/i.test(detail)) problems.push(detail);
    else if (/^SEARCH /.test(detail) && !/INTEGER PRIMARY KEY/.test(detail) && !selective(detail.slice(detail.indexOf('(')))) problems.push(detail);
  }
  return problems;
}

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; 'Index Cond'?: string; Plans?: PlanNode[] };

async function postgresProblems(db: Db, statement: Statement): Promise<string[]> {
  return db.transaction().execute(async (tx) => {
    await sql`set local enable_seqscan = off`.execute(tx);
    await sql`set local enable_mergejoin = off`.execute(tx);
    await sql`set local enable_hashjoin = off`.execute(tx);
    const explained = await tx.executeQuery<{ 'QUERY PLAN': [{ Plan: PlanNode }] | string }>(CompiledQuery.raw(`explain (format json) ${statement.sql}`, [...statement.parameters]));
    const problems: string[] = [];
    const walk = (node: PlanNode) => {
      const type = node['Node Type'];
      if (type === 'Seq Scan') problems.push(`Seq Scan on ${node['Relation Name'] ?? '?'}`);
      if ((type === 'Index Scan' || type === 'Index Only Scan' || type === 'Bitmap Index Scan') && !node['Index Cond']) {
        problems.push(`${type} using ${node['Index Name'] ?? '?'} without a condition: the whole index`);
      }
      for (const child of node.Plans ?? []) walk(child);
    };
    // Foyer's driver leaves json as text (postgres-dialect.ts): parse it here.
    const plan = explained.rows[0]!['QUERY PLAN'];
    walk((typeof plan === 'string' ? (JSON.parse(plan) as [{ Plan: PlanNode }]) : plan)[0].Plan);
    return problems;
  });
}

describeEachEngine('query plans of the sign-in and token paths', (current) => {
  let node: ListeningServer;
  let captured: Statement[] = [];
  let capturing = false;

  before(async () => {
    node = await startListeningServer(current().engine, {}, {
      onQuery: (text, parameters) => {
        if (capturing) captured.push({ sql: text, parameters });
      },
    });
  });
  after(() => node?.stop());

  test('every statement that reads or changes rows uses an index', async () => {
    const shop = await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Shop', kind: 'web', redirectUris: [CALLBACK] });
    const rp = await relyingParty(node.url, shop);
    const shopper = { email: uniqueEmail('plans'), password: PASSWORD };
    const offline = { redirectUri: CALLBACK, scope: 'openid email offline_access', parameters: { prompt: 'consent' } };
    // The customer signs up first; only what follows is the path being checked.
    await authorizationCodeFlow(rp, offline, (url) => createBrowserSession({ mailbox: node.server.mailbox }).signUpAndAuthorize(url, shopper));

    captured = [];
    capturing = true;
    const browser = createBrowserSession();
    const signedIn = await authorizationCodeFlow(rp, offline, (url) => browser.signInAndAuthorize(url, shopper));
    await authorizationCodeFlow(rp, { redirectUri: CALLBACK }, (url) => browser.authorize(url));
    await client.fetchUserInfo(rp, signedIn.tokens.access_token, signedIn.claims.sub);
    const refreshed = await client.refreshTokenGrant(rp, signedIn.tokens.refresh_token!);
    const introspected = await fetch(`${node.url}/token/introspection`, {
      method: 'POST',
      headers: { authorization: basic(shop.application.id, shop.clientSecret!), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refreshed.access_token }),
    });
    assert.equal(introspected.status, 200);
    capturing = false;

    const distinct = new Map<string, Statement>();
    for (const statement of captured) if (readsRows(statement.sql) && !backgroundJob(statement.sql) && !distinct.has(statement.sql)) distinct.set(statement.sql, statement);
    assert.ok(distinct.size >= 5, `the path ran ${distinct.size} distinct statements that read rows: too few to be the real path`);
    const db = current().handle.db;
    const problems: string[] = [];
    for (const statement of distinct.values()) {
      const found = current().engine === 'sqlite' ? await sqliteProblems(db, statement) : await postgresProblems(db, statement);
      for (const problem of found) problems.push(`${problem}\n    in: ${statement.sql}`);
    }
    assert.deepEqual(problems, [], `statements without an index:\n${problems.join('\n')}`);
  });
});
