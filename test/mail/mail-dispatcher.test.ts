// The dispatcher's scheduling over the real queue (SQLite) and a transport the test holds: a
// notify wakes it from a long sleep, a notify during a run brings another run, stop lets the send
// in flight finish and sends nothing after; and the development outbox writes the whole message.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { createMailStore } from '../../src/storage/mail.store.ts';
import type { MailStore } from '../../src/domain/mail/mail.port.ts';
import { queueMail } from '../../src/domain/mail/mail.ts';
import type { Tenant } from '../../src/domain/tenants/tenant.ts';
import { startMailDispatcher } from '../../src/infra/mail/mail-dispatcher.job.ts';
import type { MailDispatcher } from '../../src/infra/mail/mail-dispatcher.job.ts';
import type { MailTransport, OutgoingMail } from '../../src/infra/mail/transport.ts';
import { createDevOutboxTransport, readDevOutbox } from '../../src/infra/mail/dev-outbox.ts';

const TENANT: Tenant = { id: 'tenant-1', slug: 'acme', name: 'Acme', settings: {}, createdAt: 0, updatedAt: 0 };
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/** A transport whose sends the test sees arrive and decides when they finish. */
function heldTransport() {
  const arrivals: { mail: OutgoingMail; finish: () => void }[] = [];
  const waiting: ((arrival: { mail: OutgoingMail; finish: () => void }) => void)[] = [];
  const transport: MailTransport = {
    send(mail) {
      return new Promise<void>((resolve) => {
        const arrival = { mail, finish: resolve };
        const waiter = waiting.shift();
        if (waiter) waiter(arrival);
        else arrivals.push(arrival);
      });
    },
    close() {},
  };
  const next = () => {
    const ready = arrivals.shift();
    return ready ? Promise.resolve(ready) : new Promise<{ mail: OutgoingMail; finish: () => void }>((resolve) => waiting.push(resolve));
  };
  return { transport, next };
}

function queue(mail: MailStore, to: string) {
  return queueMail(mail, TENANT, { tenantId: TENANT.id, to, kind: 'password_changed', locale: 'en', params: {} }, Date.now());
}

describe('mail dispatcher', { timeout: 20_000 }, () => {
  let database: TestDatabase;
  let store: MailStore;
  before(async () => {
    database = await createTestDatabase('sqlite');
    store = createMailStore(database.handle.db);
  });
  after(() => database.dispose());

  async function start(transport: MailTransport): Promise<MailDispatcher> {
    // Polls once an hour: only a notify or runOnce can make it send during a test.
    const dispatcher = startMailDispatcher({ store, transport, defaultFrom: 'Foyer <no-reply@foyer.test>', logger: quiet, pollIntervalMs: 3_600_000, batchSize: 10, leaseMs: 60_000 });
    await dispatcher.runOnce();
    return dispatcher;
  }

  test('notify wakes it at once; a notify during a run brings another run right after', async () => {
    const held = heldTransport();
    const dispatcher = await start(held.transport);
    try {
      await queue(store, 'first@example.com');
      dispatcher.notify();
      const first = await held.next();
      assert.equal(first.mail.to, 'first@example.com');
      await queue(store, 'second@example.com');
      dispatcher.notify();
      first.finish();
      const second = await held.next();
      assert.equal(second.mail.to, 'second@example.com');
      assert.equal(second.mail.from, 'Foyer <no-reply@foyer.test>');
      second.finish();
    } finally {
      await dispatcher.stop();
    }
  });

  test('stop lets the send in flight finish and record its outcome, then sends nothing', async () => {
    const held = heldTransport();
    const dispatcher = await start(held.transport);
    await queue(store, 'inflight@example.com');
    dispatcher.notify();
    const inFlight = await held.next();
    let stopped = false;
    const stopping = dispatcher.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(stopped, false, 'stop waits for the send in flight');
    inFlight.finish();
    await stopping;
    const [sent] = await store.list({ tenantId: TENANT.id, limit: 1 });
    assert.equal(sent?.to, 'inflight@example.com');
    assert.equal(sent?.status, 'sent', 'the outcome was recorded before stop resolved');
    await queue(store, 'after@example.com');
    dispatcher.notify();
    assert.deepEqual(await dispatcher.runOnce(), { sent: 0, failed: 0 });
    const [after] = await store.list({ tenantId: TENANT.id, limit: 1 });
    assert.equal(after?.status, 'queued');
    assert.equal(after?.attempts, 0, 'never claimed');
    await store.markFailed(after!.id, 'test over', undefined);
  });
});

describe('development outbox', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'foyer-outbox-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('writes the whole message as JSON and as a MIME .eml, private to its owner', async () => {
    const transport = createDevOutboxTransport(path.join(dir, 'mail'), () => 42);
    const mail: OutgoingMail = {
      id: '0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      tenantId: 't1',
      kind: 'verify_email',
      locale: 'en',
      from: 'Acme <no-reply@acme.example>',
      replyTo: 'help@acme.example',
      to: 'ada@example.com',
      subject: 'Confirm your email address for Acme',
      text: 'Your code: 123456',
      html: '<p>123456</p>',
      createdAt: 1_790_000_000_000,
    };
    await transport.send(mail);
    transport.close();
    assert.deepEqual(await readDevOutbox(path.join(dir, 'mail'), mail.id), { ...mail, writtenAt: 42 });
    const eml = readFileSync(path.join(dir, 'mail', `${mail.id}.eml`), 'utf8');
    assert.match(eml, /^Subject: Confirm your email address for Acme$/m);
    assert.match(eml, /^Reply-To: help@acme\.example$/m);
    assert.match(eml, /^Message-ID: <0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b@acme\.example>$/m);
    assert.equal(statSync(path.join(dir, 'mail', `${mail.id}.json`)).mode & 0o777, 0o600);
    assert.equal(statSync(path.join(dir, 'mail')).mode & 0o777, 0o700);
    assert.equal(await readDevOutbox(path.join(dir, 'mail'), '0195a1b2-c3d4-7e5f-8a9b-000000000000'), undefined);
    assert.equal(await readDevOutbox(path.join(dir, 'mail'), '../../etc/passwd'), undefined, 'only message ids name files');
  });
});
