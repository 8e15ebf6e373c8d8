// What a database keeps when the process writing to it is killed outright (SIGKILL: no shutdown,
// no rollback by the process itself): every write reported as committed survives, every
// transaction is all there or not at all, and the database stays healthy and writable.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'kysely';
import { describeEachEngine } from '../helpers/engines.ts';
import { TEST_MASTER_SECRET } from '../helpers/test-server.ts';
import { createTenant } from '../../src/domain/tenants/tenants.service.ts';
import { createTransaction } from '../../src/storage/stores.ts';
import { createTenantStore } from '../../src/storage/tenant.store.ts';

const WRITE_LOOP = fileURLToPath(new URL('../fixtures/write-loop.ts', import.meta.url));
const COMMITS_BEFORE_KILL = 200;
const COMMITS_TIMEOUT_MS = 20_000;
const EXIT_TIMEOUT_MS = 5_000;

type Writer = {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Slugs the writer reported as committed (complete lines only). */
  readonly reported: string[];
  stderr(): string;
  exited(): boolean;
  /** Resolves once the process has exited and its output has been read to the end. */
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

function startWriter(env: Record<string, string>, cwd: string): Writer {
  // A clean environment: only what the fixture needs.
  const child = spawn(process.execPath, [WRITE_LOOP], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const reported: string[] = [];
  let pending = '';
  let stderr = '';
  let exited = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    reported.push(...lines);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
  });
  return { child, reported, stderr: () => stderr, exited: () => exited, closed };
}

describeEachEngine('a writer killed with SIGKILL', (current) => {
  let cwd: string;
  let writer: Writer | undefined;

  before(async () => {
    cwd = mkdtempSync(path.join(tmpdir(), 'foyer-durability-'));
    // The killed writer is the database's one user until the checks below reopen it, as after a crash.
    await current().handle.close();
  });
  after(() => {
    if (writer && !writer.exited()) writer.child.kill('SIGKILL');
    rmSync(cwd, { recursive: true, force: true });
  });

  test('keeps every reported commit, no half transaction, and a healthy, writable database', async (t) => {
    writer = startWriter({ ...current().env, MASTER_SECRET: TEST_MASTER_SECRET, DATA_DIR: path.join(cwd, 'data') }, cwd);
    const running = writer;

    const deadline = Date.now() + COMMITS_TIMEOUT_MS;
    while (running.reported.length < COMMITS_BEFORE_KILL) {
      if (running.exited()) {
        assert.fail(`the writer exited after ${running.reported.length} commits, before being killed:\n${running.stderr()}`);
      }
      if (Date.now() > deadline) {
        assert.fail(
          `the writer reported only ${running.reported.length} of ${COMMITS_BEFORE_KILL} commits in ${COMMITS_TIMEOUT_MS} ms:\n${running.stderr()}`,
        );
      }
      await delay(5);
    }
    running.child.kill('SIGKILL');
    const timeout = new AbortController();
    const exit = await Promise.race([
      running.closed,
      delay(EXIT_TIMEOUT_MS, undefined, { signal: timeout.signal }).then(() =>
        assert.fail(`the writer did not die within ${EXIT_TIMEOUT_MS} ms of SIGKILL`),
      ),
    ]).finally(() => timeout.abort());
    assert.deepEqual(exit, { code: null, signal: 'SIGKILL' });
    assert.equal(running.stderr(), '');

    const reported = running.reported;
    assert.ok(reported.length >= COMMITS_BEFORE_KILL);
    // One transaction at a time, reported in order: kill-1 .. kill-<reported>.
    assert.deepEqual(reported, reported.map((_, index) => `kill-${index + 1}`));

    const database = current().config;
    if (database.engine === 'sqlite') {
      // The writer never closed: its commits are still in the -wal file, for the reopen to recover.
      assert.ok(existsSync(`${database.file}-wal`), 'the killed writer left its -wal file');
    }

    const handle = await current().reopen();
    try {
      const { db } = handle;
      if (handle.engine === 'sqlite') {
        const { rows } = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db);
        assert.deepEqual(rows.map((row) => row.integrity_check), ['ok']);
      }

      // Every reported commit survived; at most one more (committed, killed before reporting it).
      const tenants = await db.selectFrom('tenants').select(['id', 'slug']).where('slug', 'like', 'kill-%').execute();
      const slugs = new Set(tenants.map((tenant) => tenant.slug));
      const missing = reported.filter((slug) => !slugs.has(slug));
      assert.deepEqual(missing, [], `reported as committed but lost: ${missing.slice(0, 10).join(', ')}`);
      assert.ok(tenants.length <= reported.length + 1, `${tenants.length} tenants for ${reported.length} reported commits`);
      if (tenants.length > reported.length) assert.ok(slugs.has(`kill-${reported.length + 1}`));
      t.diagnostic(`${reported.length} commits reported before SIGKILL, ${tenants.length} tenants found`);

      // Atomicity: each tenant has exactly its one audit entry and one outbox event, and no entry
      // or event points at a tenant that does not exist (half a transaction).
      const allTenantIds = new Set((await db.selectFrom('tenants').select('id').execute()).map((tenant) => tenant.id));
      const killedTenantIds = tenants.map((tenant) => tenant.id);
      const outbox = await db
        .selectFrom('outbox_events')
        .select(['aggregate_type', 'aggregate_id'])
        .where('type', '=', 'tenant.created')
        .execute();
      const audit = await db
        .selectFrom('audit_events')
        .select(['target_type', 'target_id'])
        .where('action', '=', 'tenant.created')
        .execute();
      const outboxRefs = outbox.map((event): Reference => [event.aggregate_type, event.aggregate_id]);
      const auditRefs = audit.map((event): Reference => [event.target_type, event.target_id]);
      assertOnePerTenant('outbox event tenant.created', outboxRefs, killedTenantIds, allTenantIds);
      assertOnePerTenant('audit event tenant.created', auditRefs, killedTenantIds, allTenantIds);

      // Still writable: no lock or transaction left behind by the dead writer.
      const after = await createTenant({ transaction: createTransaction(db) }, { slug: 'after-kill', name: 'After kill' }, { type: 'system' });
      assert.equal((await createTenantStore(db).findBySlug('after-kill'))?.id, after.id);
    } finally {
      await handle.close();
    }
  });
});

type Reference = [type: string | null, id: string | null];

/** Exactly one of `references` points at each of `tenantIds`, and none at a tenant missing from `existing`. */
function assertOnePerTenant(kind: string, references: Reference[], tenantIds: string[], existing: Set<string>): void {
  const counts = new Map<string, number>();
  for (const [type, id] of references) {
    assert.equal(type, 'tenant', `a ${kind} targets a ${type}`);
    assert.ok(id !== null, `a ${kind} has no target`);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const orphans = [...counts.keys()].filter((id) => !existing.has(id));
  assert.deepEqual(orphans, [], `${kind}s whose tenant was never committed`);
  const wrong = tenantIds.filter((id) => counts.get(id) !== 1).map((id) => `${id}: ${counts.get(id) ?? 0}`);
  assert.deepEqual(wrong, [], `tenants without exactly one ${kind}`);
}
