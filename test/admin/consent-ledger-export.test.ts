// A purpose's ledger exported through the admin API as streamed JSON lines, on both engines: every
// record of the purpose in ledger order (more than a page of the store's reads), none of another
// purpose or tenant, records of a deleted purpose still exported, IP address and user agent left
// out for analysts, and the scope consents:read required.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createTenant, PASSWORD, SYSTEM_ACTOR, uniqueEmail } from '../helpers/oidc-clients.ts';
import { machineToken, staffToken } from '../helpers/admin.ts';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';
import { createPurpose, deletePurpose } from '../../src/domain/privacy/purposes.service.ts';
import { changeConsents } from '../../src/domain/privacy/ledger.ts';
import type { Tenant } from '../../src/domain/tenants/tenant.ts';

const CUSTOMERS = 520;

describeEachEngine('admin API: a purpose’s ledger exported as JSON lines', (current) => {
  let node: ListeningServer;
  let tenant: Tenant;
  let reader: string;

  before(async () => {
    node = await startListeningServer(current().engine);
    tenant = await createTenant(node.server, 'ledger');
    const other = await createTenant(node.server, 'other');
    reader = await machineToken(node.server, ['consents:read']);
    const deps = { transaction: node.server.transaction };
    for (const each of [tenant, other]) {
      await createPurpose(deps, each, { id: 'marketing', kind: 'optional', legalBasis: 'consent', texts: { en: { name: 'Marketing', description: 'Offers.' } } }, SYSTEM_ACTOR);
      await createPurpose(deps, each, { id: 'analytics', kind: 'optional', legalBasis: 'consent', texts: { en: { name: 'Analytics', description: 'Usage.' } } }, SYSTEM_ACTOR);
    }
    const context = { method: 'account_api', gpc: false, ip: '203.0.113.9', userAgent: 'ledger-test' } as const;
    for (let index = 0; index < CUSTOMERS; index += 1) {
      const identity = await createIdentityByOperator({ transaction: node.server.transaction, tenants: node.server.stores.tenants }, tenant.id, { traits: { email: uniqueEmail(`ledger${index}`) } }, SYSTEM_ACTOR);
      const choices = index % 2 === 0 ? [{ purposeId: 'marketing', granted: true }, { purposeId: 'analytics', granted: true }] : [{ purposeId: 'marketing', granted: true }];
      await changeConsents(deps, tenant, identity.id, choices, { locale: 'en', context });
      if (index === 0) await changeConsents(deps, tenant, identity.id, [{ purposeId: 'marketing', granted: false }], { locale: 'en', context });
    }
    const stranger = await createIdentityByOperator({ transaction: node.server.transaction, tenants: node.server.stores.tenants }, other.id, { traits: { email: uniqueEmail('other') }, password: PASSWORD }, SYSTEM_ACTOR);
    await changeConsents(deps, other, stranger.id, [{ purposeId: 'marketing', granted: true }], { locale: 'en', context });
  });
  after(() => node?.stop());

  async function exportOf(purpose: string, token: string) {
    const response = await fetch(`${node.url}/admin/api/v1/tenants/ledger/consent-purposes/${purpose}/ledger`, { headers: { authorization: `Bearer ${token}` } });
    const text = await response.text();
    return { response, records: response.status === 200 ? text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) : [] };
  }

  test('every record of the purpose, in ledger order, with its proof', async () => {
    const { response, records } = await exportOf('marketing', reader);
    assert.equal(response.status, 200);
    assert.match(String(response.headers.get('content-type')), /^application\/x-ndjson/);
    assert.match(String(response.headers.get('content-disposition')), /consents-ledger-marketing\.jsonl/);
    assert.equal(records.length, CUSTOMERS + 1);
    assert.ok(records.every((record) => record['purpose'] === 'marketing'));
    const ids = records.map((record) => String(record['id']));
    assert.deepEqual(ids, [...ids].sort());
    assert.equal(records.filter((record) => record['action'] === 'withdrawn').length, 1);
    assert.equal(records[0]!['ip'], '203.0.113.9');
    assert.equal(records[0]!['user_agent'], 'ledger-test');
    assert.match(String(records[0]!['text_hash']), /^[0-9a-f]{64}$/);
    assert.equal((await exportOf('analytics', reader)).records.length, CUSTOMERS / 2);
  });

  test('a deleted purpose’s records are still exported; analysts get them without address or user agent; consents:read is required', async () => {
    await deletePurpose({ transaction: node.server.transaction }, tenant, 'analytics', SYSTEM_ACTOR);
    assert.equal((await exportOf('analytics', reader)).records.length, CUSTOMERS / 2);
    const analyst = await staffToken(node, 'analyst');
    const masked = await exportOf('marketing', analyst.token);
    assert.equal(masked.response.status, 200);
    assert.ok(masked.records.every((record) => record['ip'] === null && record['user_agent'] === null));
    const other = await machineToken(node.server, ['customers:read']);
    assert.equal((await exportOf('marketing', other)).response.status, 403);
  });
});
