// GET /me: the caller as the admin API sees them now, which the console reads to show the sections
// a role opens: a staff member's role, scopes and masking; a machine's scopes and tenant binding.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { callAdmin, machineToken, staffToken } from '../helpers/admin.ts';
import { ROLE_SCOPES } from '../../src/domain/admin/scopes.ts';
import { probePostgres } from '../helpers/engines.ts';

for (const engine of ['sqlite', 'postgres'] as const) {
  const skip = engine === 'postgres' ? await probePostgres() : undefined;
  describe(`GET /me [${engine}]`, { skip }, () => {
    let node: ListeningServer;
    before(async () => {
      node = await startListeningServer(engine);
    });
    after(async () => node?.stop());

    test('an analyst is told their role, their scopes and that customers reach them masked', async () => {
      const { token, staffId } = await staffToken(node, 'analyst');
      const me = await callAdmin(node.server, token, 'GET', '/me');
      assert.equal(me.statusCode, 200);
      assert.deepEqual(me.json(), { kind: 'staff', id: staffId, role: 'analyst', scopes: [...ROLE_SCOPES.analyst].sort(), tenant: null, masked: true });
    });

    test('a machine bound to one tenant is told its scopes and that tenant; without tenants:read it may not ask', async () => {
      const token = await machineToken(node.server, ['tenants:read', 'stats:read'], { tenant: 'default' });
      const me = await callAdmin(node.server, token, 'GET', '/me');
      assert.equal(me.statusCode, 200);
      assert.equal(me.json<{ kind: string }>().kind, 'machine');
      assert.deepEqual(me.json<{ scopes: string[] }>().scopes, ['stats:read', 'tenants:read']);
      assert.equal(me.json<{ tenant: string }>().tenant, 'default');
      const narrow = await machineToken(node.server, ['stats:read']);
      assert.equal((await callAdmin(node.server, narrow, 'GET', '/me')).statusCode, 403);
    });
  });
}
