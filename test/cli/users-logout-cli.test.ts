// `foyer users block|delete` and back-channel logout, on each engine: the command only records which
// applications are to be told (an outbox event in the transaction that ends the sessions); a
// server node on the same database delivers it, and a failed delivery is the node's to log and retry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { describeEachEngine } from '../helpers/engines.ts';
import { runFoyer } from '../helpers/cli.ts';
import type { CliRun } from '../helpers/cli.ts';
import { startLogoutReceiver } from '../helpers/logout-receiver.ts';
import { createServerNode } from '../helpers/test-server.ts';
import { createStores, createTransaction } from '../../src/storage/stores.ts';
import { createApplication } from '../../src/domain/applications/applications.service.ts';

let emailCount = 0;
const newEmail = () => `signed-in.${++emailCount}.${process.pid}@example.com`;

describeEachEngine('foyer users and back-channel logout', (current) => {
  const stores = () => createStores(current().handle.db);
  const foyer = (...argv: string[]): Promise<CliRun> => runFoyer(argv, current().env);

  async function json(...argv: string[]): Promise<{ id: string }> {
    const run = await foyer(...argv, '--json');
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as { id: string };
  }

  async function tenantId(slug = 'default'): Promise<string> {
    return (await current().handle.db.selectFrom('tenants').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id;
  }

  test('block and delete tell the applications signed in through the customer\'s browser sessions (back-channel logout), sent by a server node', async () => {
    const receiver = await startLogoutReceiver();
    try {
      // The first command creates the default tenant, as on a fresh installation.
      const blocked = await json('users', 'create', '--email', newEmail());
      const tenant = await tenantId();
      const system = { type: 'system' as const, id: 'test' };
      const { application: app } = await createApplication({ transaction: createTransaction(current().handle.db) }, tenant, { name: 'Shop', kind: 'web', redirectUris: ['https://shop.example/cb'], backchannelLogoutUri: receiver.url }, system);
      const { application: quiet } = await createApplication({ transaction: createTransaction(current().handle.db) }, tenant, { name: 'Quiet', kind: 'web', redirectUris: ['https://quiet.example/cb'] }, system);
      const signedIn = async (accountId: string, sid: string) =>
        stores().oidcArtifacts.upsert(tenant, 'Session', `session-${sid}`, { uid: `uid-${sid}`, accountId, loginTs: Math.floor(Date.now() / 1000), authorizations: { [app.id]: { sid, grantId: `g-${sid}` }, [quiet.id]: { sid: `${sid}-q`, grantId: `gq-${sid}` } } }, Date.now() + 3_600_000);
      const verified = async () => {
        const keys = await stores().signingKeys.listPublished(tenant, Date.now());
        const jwks = createLocalJWKSet({ keys: keys.map((key) => key.publicJwk) as never });
        return Promise.all(receiver.received.splice(0).map(async (token) => (await jwtVerify(token, jwks, { audience: app.id, typ: 'logout+jwt' })).payload));
      };
      // The command only records who is to be told; a server node on the same database sends it.
      // The node starts once the command is done (on SQLite, a node polling beside a command in
      // the same thread could wait on the other's write lock); runOnce resolves once what was due
      // is delivered. What the node logged is returned.
      const deliveredByANode = async () => {
        const node = await createServerNode(current());
        try {
          await node.outboxDispatcher.runOnce();
          return node.logs;
        } finally {
          await node.close();
        }
      };

      await signedIn(blocked.id, 'sid-block');
      const block = await foyer('users', 'block', '--id', blocked.id);
      assert.equal(block.code, 0, block.stderr);
      assert.deepEqual(receiver.received, [], 'never sent from the CLI process');
      await deliveredByANode();
      assert.deepEqual((await verified()).map((payload) => [payload.sub, payload['sid']]), [[blocked.id, 'sid-block']]);

      const deleted = await json('users', 'create', '--email', newEmail());
      await signedIn(deleted.id, 'sid-delete');
      const deletion = await foyer('users', 'delete', '--id', deleted.id);
      assert.equal(deletion.code, 0, deletion.stderr);
      await deliveredByANode();
      assert.deepEqual((await verified()).map((payload) => [payload.sub, payload['sid']]), [[deleted.id, 'sid-delete']]);

      // An application that does not answer: the block stands, the command says nothing of it,
      // and the node logs the failure and keeps the event for a retry.
      await receiver.close();
      const unheard = await json('users', 'create', '--email', newEmail());
      await signedIn(unheard.id, 'sid-unheard');
      const run = await foyer('users', 'block', '--id', unheard.id);
      assert.equal(run.code, 0);
      assert.equal(run.stderr, '');
      assert.equal((await stores().identities.findById(tenant, unheard.id))?.status, 'blocked');
      const logs = await deliveredByANode();
      const warning = logs.find((line) => line['msg'] === 'outbox delivery failed; will retry');
      assert.match(String(warning?.['error']), new RegExp(`^back-channel logout delivery failed \\(application ${app.id}\\)`));
      const pending = await current().handle.db.selectFrom('outbox_events').select(['attempts', 'published_at']).where('aggregate_id', '=', unheard.id).where('type', '=', 'browser_sessions.ended').executeTakeFirstOrThrow();
      assert.deepEqual({ ...pending }, { attempts: 1, published_at: null });
    } finally {
      await receiver.close().catch(() => {});
    }
  });
});
