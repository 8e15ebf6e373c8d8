// `foyer audit list` through the CLI's real entry, on each engine: filters as options, a table or
// JSON lines, a page or (--all) everything, and usage errors naming the option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { runFoyer } from '../helpers/cli.ts';
import type { CliRun } from '../helpers/cli.ts';

describeEachEngine('foyer audit list', (current) => {
  const foyer = (...argv: string[]): Promise<CliRun> => runFoyer(argv, current().env);
  const lines = (run: CliRun) => run.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { action: string; subject: { type: string; id: string } | null; actor: { type: string } });

  test('setup: a tenant whose changes are audited', async () => {
    assert.equal((await foyer('tenants', 'create', '--slug', 'audited', '--name', 'Audited')).code, 0);
    for (let i = 0; i < 3; i++) assert.equal((await foyer('apps', 'create', '--tenant', 'audited', '--name', `App ${i}`, '--kind', 'machine')).code, 0);
    assert.equal((await foyer('keys', 'rotate', '--tenant', 'audited')).code, 0);
  });

  test('JSON lines of the matching entries, newest first', async () => {
    const run = await foyer('audit', 'list', '--tenant', 'audited', '--json');
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(lines(run).map((e) => e.action), ['keys.rotated', 'application.created', 'application.created', 'application.created', 'tenant.created']);
    const apps = await foyer('audit', 'list', '--tenant', 'audited', '--action', 'application.*', '--limit', '2', '--json');
    assert.deepEqual(lines(apps).map((e) => e.action), ['application.created', 'application.created']);
    const one = lines(apps)[0]!.subject!.id;
    const byApp = await foyer('audit', 'list', '--tenant', 'audited', '--application', one, '--json');
    assert.deepEqual(lines(byApp).map((e) => e.subject?.id), [one]);
    const none = await foyer('audit', 'list', '--tenant', 'audited', '--since', '2000-01-01', '--until', '2000-01-02', '--json');
    assert.equal(none.stdout, '');
  });

  test('a table for people, saying when more entries match; --all lists them all', async () => {
    const page = await foyer('audit', 'list', '--tenant', 'audited', '--limit', '2');
    assert.equal(page.code, 0, page.stderr);
    assert.match(page.stdout, /^TIME\s+ACTION\s+OUTCOME\s+ACTOR\s+SUBJECT\s+IP\n/);
    assert.equal(page.stdout.trim().split('\n').length, 3);
    assert.match(page.stderr, /More entries match/);
    const all = await foyer('audit', 'list', '--tenant', 'audited', '--all');
    assert.equal(all.stdout.trim().split('\n').length, 6);
    assert.equal(all.stderr, '');
  });

  test('bad options are usage errors naming the option', async () => {
    const badAction = await foyer('audit', 'list', '--tenant', 'audited', '--action', 'Robert; DROP');
    assert.equal(badAction.code, 2);
    assert.match(badAction.stderr, /--action/);
    const badRange = await foyer('audit', 'list', '--tenant', 'audited', '--since', '2026-02-01', '--until', '2026-01-01');
    assert.equal(badRange.code, 2);
    assert.match(badRange.stderr, /--until/);
    assert.equal((await foyer('audit', 'list', '--since', 'yesterday-ish')).code, 2);
    assert.equal((await foyer('audit', 'list', '--limit', '5', '--all')).code, 2);
  });
});
