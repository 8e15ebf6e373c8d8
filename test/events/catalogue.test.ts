// The event catalogue: every entry is recorded somewhere in src (an entry nobody records is a
// promise to subscribers nobody keeps), internal events carry no personal data, recordEvent accepts
// only a catalogue name with its own payload (checked by the type checker below), and an erasure
// redacts the customer's earlier events but keeps the back-channel logout still to be sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeEachEngine } from '../helpers/engines.ts';
import { createStores, createTransaction } from '../../src/storage/stores.ts';
import { EVENT_CATALOGUE, INTERNAL_EVENTS } from '../../src/domain/events/catalogue.ts';
import type { EventName } from '../../src/domain/events/catalogue.ts';
import { recordEvent } from '../../src/domain/events/record-event.ts';
import { blockIdentity, createIdentityByOperator, deleteIdentity } from '../../src/domain/identity/identities.service.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const NAMES = Object.keys(EVENT_CATALOGUE) as EventName[];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

test('every catalogue entry is recorded somewhere, and only recordEvent writes to the outbox', () => {
  const catalogue = path.join(SRC, 'domain/events/catalogue.ts');
  const sources = sourceFiles(SRC).filter((file) => file !== catalogue).map((file) => ({ file: path.relative(SRC, file), text: readFileSync(file, 'utf8') }));
  const unused = NAMES.filter((name) => !sources.some(({ text }) => text.includes(`type: '${name}'`)));
  assert.deepEqual(unused, [], 'catalogue entries no code records');
  const writers = sources.filter(({ text }) => /outbox\.enqueue\(|\.outbox\.enqueue\(/.test(text)).map(({ file }) => file);
  assert.deepEqual(writers, ['domain/events/record-event.ts']);
});

test('internal events carry no personal data: they are spared by erasure and may be delivered after it', () => {
  assert.deepEqual(INTERNAL_EVENTS, ['browser_sessions.ended']);
  for (const name of INTERNAL_EVENTS) assert.equal(EVENT_CATALOGUE[name].personalData, false, name);
  assert.deepEqual(NAMES.filter((name) => EVENT_CATALOGUE[name].personalData), ['identity.created', 'identity.updated']);
});

test('recordEvent takes a catalogue name with its own payload only (the type checker refuses the rest)', async () => {
  const written: unknown[] = [];
  const outbox = { enqueue: async (event: unknown) => void written.push(event) };
  const subject = { tenantId: 't', aggregateId: 'a', occurredAt: 1 };
  await recordEvent(outbox, subject, { type: 'identity.blocked', payload: { status: 'blocked' } });
  // @ts-expect-error an unknown name (at run time it has no aggregate type either)
  await assert.rejects(recordEvent(outbox, subject, { type: 'identity.vanished', payload: {} }), TypeError);
  // @ts-expect-error a payload of another event
  await recordEvent(outbox, subject, { type: 'identity.blocked', payload: { status: 'active' } });
  // @ts-expect-error a payload missing its field
  await recordEvent(outbox, subject, { type: 'consent.revoked', payload: {} });
  assert.equal(written.length, 3, 'the payload checks above are the type checker\'s; at run time those calls write');
  assert.deepEqual({ ...(written[0] as object), id: undefined }, { id: undefined, occurredAt: 1, tenantId: 't', type: 'identity.blocked', aggregate: { type: 'identity', id: 'a' }, payload: { status: 'blocked' } });
});

describeEachEngine('events of an erased customer', (current) => {
  test('erasure redacts their earlier events, but keeps the back-channel logout its block recorded', async () => {
    const { db } = current().handle;
    const stores = createStores(db);
    const transaction = createTransaction(db);
    const operator = { type: 'operator' as const, id: 'test' };
    const tenant = await stores.tenants.create({ id: uuidv7(), slug: `erase-${process.pid}`, name: 'Erase', settings: {}, now: Date.now() });
    const identity = await createIdentityByOperator({ transaction, tenants: stores.tenants }, tenant.id, { traits: { email: 'erased.person@example.com' } }, operator);
    await stores.oidcArtifacts.upsert(tenant.id, 'Session', 'session-1', { uid: 'uid-1', accountId: identity.id, authorizations: { shop: { sid: 'sid-1', grantId: 'g-1' } } }, Date.now() + 3_600_000);
    await blockIdentity({ transaction }, tenant.id, identity.id, operator);
    await deleteIdentity({ transaction }, tenant.id, identity.id, operator);
    const events = await db.selectFrom('outbox_events').select(['type', 'payload']).where('aggregate_id', '=', identity.id).orderBy('id').execute();
    assert.deepEqual(events.map((event) => [event.type, JSON.parse(event.payload)]), [
      ['identity.created', { redacted: true }],
      ['identity.blocked', { redacted: true }],
      ['browser_sessions.ended', { applications: [{ clientId: 'shop', sid: 'sid-1' }] }],
      ['identity.deleted', {}],
    ]);
    assert.doesNotMatch(JSON.stringify(events), /erased\.person/);
  });
});
