// SCIM filters generated from the grammar (fast-check) and sent through HTTP on each engine:
// every filter selects exactly the Users that the test's own reading of the RFC selects from the
// same list (SCIMMY, used as the oracle in scim-independent-check.test.ts for a fixed list, compares
// order with case and reads `not (a or b)` as something else, so it cannot judge generated filters), including values with the characters SQL gives meaning to (`%`,
// `_`, `\`, quotes) and mixed case; and strings that are not filters, or filters with the grammar
// broken at a random place, are a 400 `invalidFilter` in SCIM's error format, never a 5xx. The seed
// is fixed (FUZZ_SEED explores others) and the run is bounded in time (FUZZ_BUDGET_MS, default 3 s
// per engine), with at least 60 filters whatever the machine's speed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createTenant } from '../helpers/oidc-clients.ts';
import { callScim, scimToken } from '../helpers/scim.ts';

const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5c1f);
const BUDGET_MS = Number(process.env['FUZZ_BUDGET_MS'] ?? 3_000);
const MIN_RUNS = 60;
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const SCHEMA = {
  type: 'object',
  properties: {
    email: { type: 'string', 'x-foyer': { identifier: true, verifiable: 'email' } },
    name: { type: 'string' },
    given_name: { type: 'string' },
    family_name: { type: 'string' },
  },
  required: ['email'],
  additionalProperties: false,
};

type Json = Record<string, unknown>;

// Names and addresses chosen so that LIKE wildcards, escapes, quotes and case all matter.
const PEOPLE: readonly (readonly [string, string, string])[] = [
  ['ann@north.example', 'Ann', 'Lee'],
  ['a_n@north.example', 'a_n', 'lee'],
  ['a+n@south.example', '100%', 'Ray'],
  ['bob@south.example', 'Bob', 'O\'Neil'],
  ['b.ob@east.example', 'B\\b', 'Back\\slash'],
  ['cat@east.example', 'Cat', 'Quote"d'],
  ['dan@SOUTH.example', 'DAN', 'ray'],
  ['éva@west.example', 'Éva', 'Ünal'],
];

// Pieces the values are built from: parts of the data above, and characters with a meaning in SQL.
const PIECES = ['a', 'n', 'A', '+', 'b', 'B', '@', '.', 'example', 'north', 'SOUTH', 'south', 'lee', 'LEE', 'ray', '%', '_', '\\', '"', '\'', 'é', 'É', '100', 'o'];

type Node =
  | { readonly kind: 'compare'; readonly path: string; readonly op: string; readonly value: string }
  | { readonly kind: 'present'; readonly path: string }
  | { readonly kind: 'active'; readonly value: boolean }
  | { readonly kind: 'emails'; readonly op: string; readonly value: string }
  | { readonly kind: 'not'; readonly inner: Node }
  | { readonly kind: 'group'; readonly inner: Node }
  | { readonly kind: 'logic'; readonly op: 'and' | 'or'; readonly left: Node; readonly right: Node };

const attribute = fc.constantFrom('userName', 'name.givenName', 'name.familyName', 'displayName');
const stringOperator = fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le');
const value = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 4 }).map((parts) => parts.join(''));

const comparison: fc.Arbitrary<Node> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('compare' as const), path: attribute, op: stringOperator, value }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('present' as const), path: attribute }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('active' as const), value: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('emails' as const), op: stringOperator, value }) },
);

const { filter } = fc.letrec<{ filter: Node; term: Node }>((tie) => ({
  term: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 5, arbitrary: comparison },
    { weight: 1, arbitrary: tie('filter').map((inner): Node => ({ kind: 'group', inner })) },
    { weight: 1, arbitrary: tie('filter').map((inner): Node => ({ kind: 'not', inner })) },
  ),
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: tie('term') },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('logic' as const), left: tie('term'), op: fc.constantFrom('and' as const, 'or' as const), right: tie('term') }) },
  ),
}));

const textOf = (node: Node): string => {
  switch (node.kind) {
    case 'compare':
      return `${node.path} ${node.op} ${JSON.stringify(node.value)}`;
    case 'present':
      return `${node.path} pr`;
    case 'active':
      return `active eq ${node.value}`;
    case 'emails':
      return `emails[value ${node.op} ${JSON.stringify(node.value)}]`;
    case 'not':
      return `not (${textOf(node.inner)})`;
    case 'group':
      return `(${textOf(node.inner)})`;
    case 'logic':
      return `${textOf(node.left)} ${node.op} ${textOf(node.right)}`;
  }
};

/**
 * The test's own reading of RFC 7644 3.4.2.2 for these attributes, all `caseExact: false` (so every
 * operator, order included, compares without case, by code point), `emails` multi-valued (a
 * filter on it matches when any address does); `and` binds tighter than `or`.
 */
function compare(op: string, actual: string, wanted: string): boolean {
  const [a, w] = [actual.toLowerCase(), wanted.toLowerCase()];
  switch (op) {
    case 'eq': return a === w;
    case 'ne': return a !== w;
    case 'co': return a.includes(w);
    case 'sw': return a.startsWith(w);
    case 'ew': return a.endsWith(w);
    case 'gt': return a > w;
    case 'ge': return a >= w;
    case 'lt': return a < w;
    default: return a <= w;
  }
}
function valueAt(user: Json, path: string): string | undefined {
  const found = path.split('.').reduce<unknown>((at, key) => (at && typeof at === 'object' ? (at as Json)[key] : undefined), user);
  return typeof found === 'string' ? found : undefined;
}
function matches(node: Node, user: Json): boolean {
  switch (node.kind) {
    case 'compare': {
      const actual = valueAt(user, node.path);
      return actual !== undefined && compare(node.op, actual, node.value);
    }
    case 'present':
      return (valueAt(user, node.path) ?? '') !== '';
    case 'active':
      return user['active'] === node.value;
    case 'emails':
      return ((user['emails'] ?? []) as { value: string }[]).some((email) => compare(node.op, email.value, node.value));
    case 'not':
      return !matches(node.inner, user);
    case 'group':
      return matches(node.inner, user);
    case 'logic':
      return node.op === 'and' ? matches(node.left, user) && matches(node.right, user) : matches(node.left, user) || matches(node.right, user);
  }
}

/** A filter broken at a random place: a token dropped, doubled or replaced by junk. */
const broken = fc.tuple(filter, fc.nat(), fc.constantFrom('drop', 'junk', 'unclosed')).map(([node, at, how]) => {
  const tokens = textOf(node).split(' ');
  const index = at % tokens.length;
  if (how === 'drop' && tokens.length > 1) tokens.splice(index, 1);
  else if (how === 'junk') tokens.splice(index, 0, pickJunk(at));
  else tokens[index] = `${tokens[index]!}(`;
  return tokens.join(' ');
});
const JUNK = ['eq', 'and', ')', '[', '"', 'zz zz', '$', '\u0000', '!', '==', 'userName'];
const pickJunk = (at: number) => JUNK[at % JUNK.length]!;

describeEachEngine('SCIM filter fuzz: generated filters against an independent evaluator', (current) => {
  let server: TestServer;
  let token: string;
  let all: Json[] = [];
  const base = '/t/fuzz';

  before(async () => {
    server = await createTestServer(current().engine, { ADMIN_API_RATE_LIMIT: '1000000' });
    await createTenant(server, 'fuzz', { identitySchema: SCHEMA });
    token = await scimToken(server, 'fuzz');
    for (const [userName, givenName, familyName] of PEOPLE) {
      const created = await callScim(server, token, 'POST', '/Users', {
        base,
        body: { schemas: [USER], userName, name: { givenName, familyName, formatted: `${givenName} ${familyName}` }, emails: [{ value: userName, type: 'work', primary: true }], ...(givenName === 'Bob' ? { active: false } : {}) },
      });
      assert.equal(created.statusCode, 201, created.body);
    }
    all = (await callScim(server, token, 'GET', '/Users?count=200', { base })).json<{ Resources: Json[] }>().Resources;
    assert.equal(all.length, PEOPLE.length);
  });
  after(() => server.close());

  const search = (text: string) => callScim(server, token, 'GET', `/Users?count=200&filter=${encodeURIComponent(text)}`, { base });

  test('every generated filter selects the Users the RFC’s semantics select, on each engine', async () => {
    const deadline = Date.now() + BUDGET_MS;
    let runs = 0;
    const property = fc.asyncProperty(filter, async (node) => {
      runs += 1;
      const text = textOf(node);
      const expected = all.filter((user) => matches(node, user)).map((user) => String(user['id'])).sort();
      const answer = await search(text);
      assert.equal(answer.statusCode, 200, `${text}: ${answer.body}`);
      const found = answer.json<{ totalResults: number; Resources: Json[] }>();
      assert.deepEqual(found.Resources.map((user) => String(user['id'])).sort(), expected, text);
      assert.equal(found.totalResults, expected.length, text);
    });
    await fc.assert(property, { seed: SEED, numRuns: 100_000, interruptAfterTimeLimit: Math.max(0, deadline - Date.now()), markInterruptAsFailure: false, endOnFailure: true });
    if (runs < MIN_RUNS) await fc.assert(property, { seed: SEED + 1, numRuns: MIN_RUNS - runs, endOnFailure: true });
  });

  test('what the generated filters found: JSON escapes in values are read as JSON, `not` between two filters is refused', async () => {
    const ids = async (text: string) => {
      const answer = await search(text);
      assert.equal(answer.statusCode, 200, `${text}: ${answer.body}`);
      return answer.json<{ Resources: Json[] }>().Resources.map((user) => user['userName']).sort();
    };
    assert.deepEqual(await ids('userName eq "\\u0061nn@north.example"'), ['ann@north.example']);
    assert.deepEqual(await ids('name.givenName eq "B\\\\b"'), ['b.ob@east.example']);
    assert.deepEqual(await ids('name.familyName ew "\\\\slash"'), ['b.ob@east.example']);
    assert.deepEqual(await ids('name.familyName co "e\\"d"'), ['cat@east.example']);
    assert.deepEqual(await ids('name.givenName co "%" or name.givenName co "_"'), ['a+n@south.example', 'a_n@north.example']);
    for (const text of ['name.familyName pr not userName pr', '(userName pr) not (userName gt "aa")']) {
      const answer = await search(text);
      assert.equal(answer.statusCode, 400, `${text}: ${answer.body}`);
      assert.equal(answer.json<{ scimType: string }>().scimType, 'invalidFilter');
    }
  });

  test('a broken filter or a string that is no filter is a 400 invalidFilter in SCIM’s error format, never a 5xx', async () => {
    const deadline = Date.now() + BUDGET_MS / 2;
    let runs = 0;
    const property = fc.asyncProperty(fc.oneof(broken, fc.string({ unit: 'binary', maxLength: 60 })), async (text) => {
      runs += 1;
      const answer = await search(text);
      assert.ok(answer.statusCode < 500, `${JSON.stringify(text)}: ${answer.statusCode} ${answer.body}`);
      if (answer.statusCode === 200) return; // some breakages leave a valid filter (and some strings are one)
      assert.equal(answer.statusCode, 400, `${JSON.stringify(text)}: ${answer.body}`);
      const problem = answer.json<{ schemas: string[]; status: string; scimType?: string }>();
      assert.deepEqual(problem.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error'], answer.body);
      assert.equal(problem.status, '400');
      // Text nothing in Foyer can hold is refused before the filter is read (text-guard.ts).
      const unholdable = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
      assert.equal(problem.scimType, unholdable ? 'invalidValue' : 'invalidFilter', `${JSON.stringify(text)}: ${answer.body}`);
    });
    await fc.assert(property, { seed: SEED, numRuns: 100_000, interruptAfterTimeLimit: Math.max(0, deadline - Date.now()), markInterruptAsFailure: false, endOnFailure: true });
    if (runs < MIN_RUNS) await fc.assert(property, { seed: SEED + 1, numRuns: MIN_RUNS - runs, endOnFailure: true });
  });
});
