// Role × route: for every operation of the admin API's OpenAPI document (so routes added later are
// covered without a line here), each staff role and machines with and without the route's scope
// are let through or refused with the right status: no token 401, a missing scope 403
// `token.insufficient_scope`; and a credential bound to one tenant gets 404 for every per-tenant
// route of another. "Let through" means the request got past authentication, the tenant and the
// scope (its answer is neither 401 nor 403), whatever the empty request then earns (400, 404).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createTenant, SYSTEM_ACTOR } from '../helpers/oidc-clients.ts';
import { createApplication } from '../../src/domain/applications/applications.service.ts';
import { callAdmin, machineToken, staffToken } from '../helpers/admin.ts';
import { ADMIN_SCOPES, ROLE_SCOPES, STAFF_ROLES } from '../../src/domain/admin/scopes.ts';
import type { AdminScope, StaffRole } from '../../src/domain/admin/scopes.ts';
import { adminOperations, fillPath } from '../helpers/admin-operations.ts';
import type { AdminOperation } from '../helpers/admin-operations.ts';

test('the roles hold what issue 14 gives them', () => {
  assert.deepEqual([...ROLE_SCOPES.owner].sort(), [...ADMIN_SCOPES].sort(), 'owner: everything');
  assert.deepEqual([...ROLE_SCOPES.admin].sort(), ADMIN_SCOPES.filter((scope) => scope !== 'staff:write').sort(), 'admin: all but staff');
  assert.deepEqual([...ROLE_SCOPES.support].sort(), ['consents:read', 'customers:mfa_reset', 'customers:read', 'customers:support', 'tenants:read'], 'support: customers, their consents and their accounts, and resetting their second factors; no settings, apps or erasure');
  assert.deepEqual([...ROLE_SCOPES.analyst].sort(), ['consents:read', 'customers:read', 'stats:read', 'tenants:read'], 'analyst: statistics, (masked) customer lists and consents');
});

describeEachEngine('admin API: role × route matrix', (current) => {
  let node: ListeningServer;
  let operations: AdminOperation[];
  const staff = new Map<StaffRole, string>();
  const withScope = new Map<AdminScope, string>();
  const withoutScope = new Map<AdminScope, string>();
  let boundElsewhere: string;

  before(async () => {
    node = await startListeningServer(current().engine, { ADMIN_API_RATE_LIMIT: '1000000' });
    await createTenant(node.server, 'acme');
    await createTenant(node.server, 'globex');
    // Neither tenant is empty, so no route can delete one from under the later rows.
    for (const slug of ['acme', 'globex']) {
      const tenant = (await node.server.stores.tenants.findBySlug(slug))!;
      await createApplication({ transaction: node.server.transaction }, tenant.id, { name: 'Fixture', kind: 'machine' }, SYSTEM_ACTOR);
    }
    operations = await adminOperations(node.server);
    for (const role of STAFF_ROLES) staff.set(role, (await staffToken(node, role)).token);
    for (const scope of ADMIN_SCOPES) {
      withScope.set(scope, await machineToken(node.server, [scope]));
      withoutScope.set(scope, await machineToken(node.server, ADMIN_SCOPES.filter((other) => other !== scope)));
    }
    boundElsewhere = await machineToken(node.server, ADMIN_SCOPES, { tenant: 'globex' });
  });
  after(() => node.stop());

  // A stale If-Match on every request: a route that lets the caller through must still change
  // nothing (a DELETE of the tenant itself answers 412, not 204), so every row sees the same fixtures.
  const send = (token: string | undefined, operation: AdminOperation, tenant: string) =>
    callAdmin(node.server, token, operation.method, fillPath(operation.path, { tenant }), { headers: { 'if-match': '"zz-stale"' }, ...(operation.hasBody ? { body: {} } : {}) });
  const request = (token: string | undefined, operation: AdminOperation) => send(token, operation, 'acme');

  function assertAllowed(status: number, who: string, operation: AdminOperation): void {
    assert.ok(status !== 401 && status !== 403, `${who} may ${operation.method} ${operation.path} (${operation.scope}), got ${status}`);
    assert.ok(status < 500, `${who}: ${operation.method} ${operation.path} answered ${status}`);
  }

  async function assertRefused(token: string, who: string, operation: AdminOperation): Promise<void> {
    const answer = await request(token, operation);
    assert.equal(answer.statusCode, 403, `${who} may not ${operation.method} ${operation.path} (${operation.scope}): ${answer.body.slice(0, 300)}`);
    assert.equal(answer.json<{ code: string }>().code, 'token.insufficient_scope');
    assert.match(String(answer.headers['www-authenticate']), new RegExp(`insufficient_scope", scope="${operation.scope}"`));
  }

  test('the document lists the routes, each with the one scope it requires', () => {
    assert.ok(operations.length >= 10, `found ${operations.length} operations`);
    for (const operation of operations) assert.ok(ADMIN_SCOPES.includes(operation.scope), `${operation.method} ${operation.path}: ${operation.scope}`);
  });

  test('without a token every route answers 401 with a Bearer challenge', async () => {
    for (const operation of operations) {
      const answer = await request(undefined, operation);
      assert.equal(answer.statusCode, 401, `${operation.method} ${operation.path}`);
      assert.match(String(answer.headers['www-authenticate']), /^Bearer realm="admin"/);
    }
  });

  for (const role of STAFF_ROLES) {
    test(`${role}: the routes of the role's scopes are let through, the others refused with 403`, async () => {
      const token = staff.get(role)!;
      for (const operation of operations) {
        if (ROLE_SCOPES[role].includes(operation.scope)) assertAllowed((await request(token, operation)).statusCode, role, operation);
        else await assertRefused(token, role, operation);
      }
    });
  }

  test('machines: a token with the route’s scope is let through; one with every other scope is refused', async () => {
    for (const operation of operations) {
      assertAllowed((await request(withScope.get(operation.scope)!, operation)).statusCode, `a machine with ${operation.scope}`, operation);
      await assertRefused(withoutScope.get(operation.scope)!, `a machine with every scope but ${operation.scope}`, operation);
    }
  });

  test('a credential bound to tenant globex gets 404 for every per-tenant route of acme, and of the admin tenant', async () => {
    const perTenant = operations.filter((operation) => operation.path.includes('{tenant}'));
    assert.ok(perTenant.length > 0);
    for (const operation of perTenant) {
      for (const tenant of ['acme', 'admin']) {
        const answer = await send(boundElsewhere, operation, tenant);
        assert.equal(answer.statusCode, 404, `${operation.method} ${operation.path} for ${tenant}`);
        assert.equal(answer.json<{ code: string }>().code, 'tenant.not_found');
      }
      assertAllowed((await send(boundElsewhere, operation, 'globex')).statusCode, 'the globex credential', operation);
    }
  });
});
