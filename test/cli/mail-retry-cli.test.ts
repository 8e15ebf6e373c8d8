// `foyer mail retry` through the CLI's real entry, on each engine: the admin API's retry use case
// for one failed email or all of a tenant's, refusing a message with a one-time code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { runFoyer } from '../helpers/cli.ts';
import type { CliRun } from '../helpers/cli.ts';
import { createStores } from '../../src/storage/stores.ts';
import type { NewMailMessage } from '../../src/domain/mail/mail.port.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

describeEachEngine('foyer mail retry', (current) => {
  const foyer = (...argv: string[]): Promise<CliRun> => runFoyer(argv, current().env);
  const stores = () => createStores(current().handle.db);
  let tenantId = '';

  async function failed(fields: Partial<NewMailMessage> = {}): Promise<string> {
    const now = Date.now();
    const message: NewMailMessage = { id: uuidv7(now), tenantId, to: 'ada@example.com', kind: 'password_changed', locale: 'en', from: undefined, replyTo: undefined, subject: 's', text: 't', html: 'h', createdAt: now, ...fields };
    await stores().mail.enqueue(message);
    await stores().mail.markFailed(message.id, 'refused', undefined);
    return message.id;
  }

  test('setup', async () => {
    const run = await foyer('tenants', 'create', '--slug', 'mailing', '--name', 'Mailing', '--json');
    assert.equal(run.code, 0, run.stderr);
    tenantId = (JSON.parse(run.stdout) as { id: string }).id;
  });

  test('retries one failed email, audited as the operator', async () => {
    const id = await failed();
    const run = await foyer('mail', 'retry', id, '--tenant', 'mailing', '--json');
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { id, kind: 'password_changed', status: 'queued' });
    assert.equal((await stores().mail.find(id))?.status, 'queued');
    const [entry] = await stores().audit.search(tenantId, { action: 'mail.retried' }, { limit: 1 });
    assert.equal(entry?.actor.type, 'operator');
  });

  test('refuses an email with a one-time code, and one of another tenant', async () => {
    const code = await failed({ kind: 'verify_email' });
    const refused = await foyer('mail', 'retry', code, '--tenant', 'mailing');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /one-time code/);
    const elsewhere = await foyer('mail', 'retry', code);
    assert.equal(elsewhere.code, 1);
    assert.match(elsewhere.stderr, /No queued or failed email/);
  });

  test('--all-failed retries every retriable failed email of the tenant; without an id or the flag it is a usage error', async () => {
    const a = await failed();
    const b = await failed({ kind: 'email_changed' });
    const run = await foyer('mail', 'retry', '--all-failed', '--tenant', 'mailing');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Queued 2 failed emails of tenant "mailing" again/);
    for (const id of [a, b]) assert.equal((await stores().mail.find(id))?.status, 'queued');
    assert.equal((await foyer('mail', 'retry', '--tenant', 'mailing')).code, 2);
    assert.equal((await foyer('mail', 'retry', a, '--all-failed', '--tenant', 'mailing')).code, 2);
  });
});
