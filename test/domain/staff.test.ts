// Staff of the admin tenant over the real stores, on both engines: the installation never loses
// its last owner, even when two owners demote or remove each other at the same moment (on
// PostgreSQL the two transactions run side by side on two connections of the pool).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createStores, createTransaction } from '../../src/storage/stores.ts';
import { createTenant } from '../../src/domain/tenants/tenants.service.ts';
import type { Actor } from '../../src/domain/tenants/tenants.service.ts';
import { changeStaffRole, createStaff, hasOwner, removeStaff } from '../../src/domain/admin/staff.ts';
import { DomainError } from '../../src/domain/errors.ts';

const OWNER_ACTOR: Actor = { type: 'operator', id: 'setup' };

describeEachEngine('staff: the last owner', (current) => {
  const deps = () => {
    const { db } = current().handle;
    return { stores: createStores(db), transaction: createTransaction(db) };
  };

  async function twoOwners(label: string) {
    const { stores, transaction } = deps();
    // A tenant of its own for each case, standing in for the admin tenant: its only owners are these two.
    const tenant = await createTenant({ transaction }, { slug: `staff-${label}`, name: label }, OWNER_ACTOR);
    const password = 'a long and unusual passphrase 7421';
    const first = await createStaff({ transaction }, tenant.id, { email: `${label}-1@example.com`, password, role: 'owner' }, OWNER_ACTOR);
    const second = await createStaff({ transaction }, tenant.id, { email: `${label}-2@example.com`, password, role: 'owner' }, OWNER_ACTOR);
    return { adminTenantId: tenant.id, first, second, stores, transaction };
  }

  const isLastOwner = (outcome: PromiseSettledResult<unknown>) =>
    outcome.status === 'rejected' && outcome.reason instanceof DomainError && outcome.reason.code === 'staff.last_owner';

  test('two owners demoting each other at once: one change is refused, an owner remains', async () => {
    const { adminTenantId, first, second, stores, transaction } = await twoOwners('demote');
    const outcomes = await Promise.allSettled([
      changeStaffRole({ transaction }, adminTenantId, first.id, 'admin', OWNER_ACTOR),
      changeStaffRole({ transaction }, adminTenantId, second.id, 'admin', OWNER_ACTOR),
    ]);
    assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1, JSON.stringify(outcomes));
    assert.ok(outcomes.some(isLastOwner));
    assert.ok(await hasOwner(stores, adminTenantId));
  });

  test('two owners removing each other at once: one removal is refused, an owner remains', async () => {
    const { adminTenantId, first, second, stores, transaction } = await twoOwners('remove');
    const outcomes = await Promise.allSettled([
      removeStaff({ transaction }, adminTenantId, first.id, OWNER_ACTOR),
      removeStaff({ transaction }, adminTenantId, second.id, OWNER_ACTOR),
    ]);
    assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1, JSON.stringify(outcomes));
    assert.ok(outcomes.some(isLastOwner));
    assert.ok(await hasOwner(stores, adminTenantId));
  });
});
