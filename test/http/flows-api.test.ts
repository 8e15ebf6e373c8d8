// The JSON flow API a native app drives: sign-up (verified by the emailed code) and sign-in end in a
// session token; recovery sets a new password.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { uuidv7 } from '../../src/lib/ids.ts';
import { blockIdentity, unblockIdentity } from '../../src/domain/identity/identities.service.ts';
import { codeIn } from '../helpers/mailbox.ts';
import { Redis } from 'ioredis';
import { sql } from 'kysely';

const PASSWORD = 'a long passphrase for tests';

describeEachEngine('flows API', (current) => {
  let server: TestServer;
  before(async () => {
    server = await createTestServer(current().engine);
  });
  after(async () => {
    await server.stop();
  });

  const post = (url: string, payload?: unknown, headers: Record<string, string> = {}) => server.app.inject({ method: 'POST', url, payload: payload as object, headers });
  async function flow(type: 'login' | 'registration', prefix = '') {
    const response = await post(`${prefix}/flows/${type}`);
    assert.equal(response.statusCode, 201, response.body);
    return response.json() as { id: string; ui: { action: string; fields: { name: string }[] } };
  }
  /** Sign-up as a native app drives it: traits and password, then the emailed code. */
  async function signUp(email: string, prefix = '') {
    const created = await flow('registration', prefix);
    const seen = await server.mailbox.lastId(email.toLowerCase());
    const submitted = await post(`${prefix}/flows/registration/${created.id}`, { traits: { email }, password: PASSWORD });
    assert.equal(submitted.statusCode, 200, submitted.body);
    const code = codeIn(await server.mailbox.next(email.toLowerCase(), 'verify_email', seen));
    return post(`${prefix}/flows/registration/${created.id}/code`, { code });
  }

  test('a new flow says what to send next', async () => {
    const created = await flow('login');
    assert.equal(created.ui.action, `http://localhost:3000/flows/login/${created.id}`);
    assert.deepEqual(created.ui.fields.map((f) => f.name), ['identifier', 'password']);
    const read = await server.app.inject(`/flows/${created.id}`);
    assert.equal(read.statusCode, 200);
    assert.equal(read.json().state, 'active');
  });

  test('sign-up ends in a session token that identifies the customer, once', async () => {
    const created = await flow('registration');
    const submitted = await post(`/flows/registration/${created.id}`, { traits: { email: 'Nina@Example.com' }, password: PASSWORD });
    assert.equal(submitted.statusCode, 200, submitted.body);
    assert.equal(submitted.json().ui.action, `http://localhost:3000/flows/registration/${created.id}/code`);
    assert.deepEqual(submitted.json().ui.fields.map((f: { name: string }) => f.name), ['code']);
    assert.equal(submitted.json().sent_to, 'nina@example.com');
    const code = codeIn(await server.mailbox.next('nina@example.com', 'verify_email'));
    const wrong = await post(`/flows/registration/${created.id}/code`, { code: code === '000000' ? '111111' : '000000' });
    assert.equal(wrong.statusCode, 400);
    assert.equal(wrong.json().code, 'code.invalid');
    const response = await post(`/flows/registration/${created.id}/code`, { code });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.flow.state, 'complete');
    assert.equal(body.flow.ui, null);
    assert.deepEqual(body.session.amr, ['pwd']);
    assert.equal(typeof body.session.token, 'string');
    assert.deepEqual(body.identity.addresses, [{ kind: 'email', value: 'nina@example.com', verified: true }]);
    const whoami = await server.app.inject({ url: '/sessions/whoami', headers: { authorization: `Bearer ${body.session.token}` } });
    assert.equal(whoami.statusCode, 200);
    assert.equal(whoami.json().identity.id, body.identity.id);
    assert.equal(JSON.stringify(whoami.json()).includes(body.session.token), false, 'the token is shown once only');
    const again = await post(`/flows/registration/${body.flow.id}/code`, { code });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'flow.already_complete');
  });

  test('sign-in with the right password gives a session; signing out kills it', async () => {
    await signUp('omar@example.com');
    const created = await flow('login');
    const response = await post(`/flows/login/${created.id}`, { identifier: 'OMAR@example.com', password: PASSWORD });
    assert.equal(response.statusCode, 200, response.body);
    const token = response.json().session.token;
    const auth = { authorization: `Bearer ${token}` };
    assert.equal((await server.app.inject({ url: '/sessions/whoami', headers: auth })).statusCode, 200);
    assert.equal((await server.app.inject({ method: 'DELETE', url: '/sessions/current', headers: auth })).statusCode, 204);
    const gone = await server.app.inject({ url: '/sessions/whoami', headers: auth });
    assert.equal(gone.statusCode, 401);
    assert.equal(gone.json().code, 'session.invalid');
  });

  test('blocking a customer kills their session tokens for good, even once unblocked', async () => {
    const signedUp = (await signUp('tara@example.com')).json();
    const auth = { authorization: `Bearer ${signedUp.session.token}` };
    const operator = { type: 'operator' as const, id: 'test' };
    await blockIdentity({ transaction: server.transaction }, server.defaultTenant.id, signedUp.identity.id, operator);
    await unblockIdentity({ transaction: server.transaction }, server.defaultTenant.id, signedUp.identity.id, operator);
    const after = await server.app.inject({ url: '/sessions/whoami', headers: auth });
    assert.equal(after.statusCode, 401);
  });

  test('a wrong password and an unknown account get the same answer', async () => {
    await signUp('pia@example.com');
    const wrong = await post(`/flows/login/${(await flow('login')).id}`, { identifier: 'pia@example.com', password: 'not the password' });
    const unknown = await post(`/flows/login/${(await flow('login')).id}`, { identifier: 'nobody@example.com', password: 'not the password' });
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, wrong.statusCode);
    const strip = (body: Record<string, unknown>) => ({ ...body, instance: undefined });
    assert.deepEqual(strip(unknown.json()), strip(wrong.json()));
    assert.equal(wrong.json().code, 'signin.invalid_credentials');
  });

  test('signing up with a taken email answers like a new one, and no code ever opens it', async () => {
    await signUp('quinn@example.com');
    const strip = (body: Record<string, unknown>) => ({ ...body, id: undefined, expires_at: undefined, sent_to: undefined, ui: { ...(body['ui'] as object), action: undefined, resend: undefined } });
    const takenFlow = await flow('registration');
    const taken = await post(`/flows/registration/${takenFlow.id}`, { traits: { email: 'quinn@example.com' }, password: 'another long passphrase' });
    const fresh = await post(`/flows/registration/${(await flow('registration')).id}`, { traits: { email: 'quincy@example.com' }, password: 'another long passphrase' });
    assert.equal(taken.statusCode, 200);
    assert.equal(fresh.statusCode, taken.statusCode);
    assert.deepEqual(strip(taken.json()), strip(fresh.json()));
    await server.mailbox.next('quinn@example.com', 'account_exists');
    const code = codeIn(await server.mailbox.next('quincy@example.com', 'verify_email'));
    const guessed = await post(`/flows/registration/${takenFlow.id}/code`, { code });
    assert.equal(guessed.statusCode, 400);
    assert.equal(guessed.json().code, 'code.invalid');
  });

  test('recovery: the same answer for any email; code, then a new password that ends every session', async () => {
    const signedUp = (await signUp('ursula@example.com')).json();
    const request = async (email: string) => {
      const created = (await post('/flows/recovery')).json() as { id: string };
      return { id: created.id, response: await post(`/flows/recovery/${created.id}`, { email }) };
    };
    const known = await request('Ursula@example.com');
    const unknown = await request('nobody-here@example.com');
    assert.equal(known.response.statusCode, 200);
    assert.equal(unknown.response.statusCode, 200);
    const strip = (body: Record<string, unknown>) => ({ ...body, id: undefined, expires_at: undefined, sent_to: undefined, ui: { ...(body['ui'] as object), action: undefined, resend: undefined } });
    assert.deepEqual(strip(known.response.json()), strip(unknown.response.json()));
    assert.deepEqual(await server.mailbox.to('nobody-here@example.com'), []);

    const code = codeIn(await server.mailbox.next('ursula@example.com', 'recover_password'));
    const early = await post(`/flows/recovery/${known.id}/password`, { password: 'a brand new passphrase' });
    assert.equal(early.statusCode, 409, 'the password step comes after the code');
    const confirmed = await post(`/flows/recovery/${known.id}/code`, { code });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    assert.equal(confirmed.json().state, 'verified');
    assert.deepEqual(confirmed.json().ui.fields.map((f: { name: string }) => f.name), ['password']);
    const weak = await post(`/flows/recovery/${known.id}/password`, { password: 'short' });
    assert.equal(weak.statusCode, 400);
    assert.equal(weak.json().errors[0].code, 'password.too_short');
    const reset = await post(`/flows/recovery/${known.id}/password`, { password: 'a brand new passphrase' });
    assert.equal(reset.statusCode, 200, reset.body);
    assert.equal(reset.json().flow.state, 'complete');
    // The reset signs the owner in, as a sign-in does.
    const signedIn = await server.app.inject({ url: '/sessions/whoami', headers: { authorization: `Bearer ${reset.json().session.token}` } });
    assert.equal(signedIn.json().identity.id, signedUp.identity.id);
    await server.mailbox.next('ursula@example.com', 'password_changed');

    const whoami = await server.app.inject({ url: '/sessions/whoami', headers: { authorization: `Bearer ${signedUp.session.token}` } });
    assert.equal(whoami.statusCode, 401, 'the session from before the reset is gone');
    const signIn = await post(`/flows/login/${(await flow('login')).id}`, { identifier: 'ursula@example.com', password: 'a brand new passphrase' });
    assert.equal(signIn.statusCode, 200);
    const audit = await server.stores.audit.list(server.defaultTenant.id, { targetId: signedUp.identity.id, limit: 20 });
    assert.ok(audit.some((event) => event.action === 'recovery.succeeded'));
  });

  test('invalid input is refused field by field', async () => {
    const created = await flow('registration');
    const weak = await post(`/flows/registration/${created.id}`, { traits: { email: 'not-an-email', shoe_size: 44 }, password: 'password' });
    assert.equal(weak.statusCode, 400);
    const codes = weak.json().errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`).sort();
    assert.deepEqual(codes, ['password:password.too_common', 'traits.email:email.invalid', 'traits.shoe_size:field.unknown']);
    const extra = await post(`/flows/login/${(await flow('login')).id}`, { identifier: 'a@example.com', password: 'x', remember: true });
    assert.equal(extra.statusCode, 400);
    assert.equal(extra.json().code, 'request.invalid');
    const missing = await post(`/flows/login/${(await flow('login')).id}`, { identifier: 'a@example.com' });
    assert.equal(missing.statusCode, 400);
  });

  test('unknown flows, and flows of another type or tenant, are not found', async () => {
    assert.equal((await server.app.inject(`/flows/${uuidv7()}`)).statusCode, 404);
    const login = await flow('login');
    const wrongType = await post(`/flows/registration/${login.id}`, { traits: { email: 'x@example.com' }, password: PASSWORD });
    assert.equal(wrongType.statusCode, 404);
    assert.equal(wrongType.json().code, 'flow.not_found');
    assert.equal((await post('/t/no-such-tenant/flows/login')).statusCode, 404);
  });

  test('repeated failures are throttled with Retry-After', async () => {
    await signUp('rita@example.com');
    let last;
    for (let i = 0; i < 7; i++) last = await post(`/flows/login/${(await flow('login')).id}`, { identifier: 'rita@example.com', password: `wrong ${i}` });
    assert.equal(last?.statusCode, 429);
    assert.equal(last?.json().code, 'signin.throttled');
    const wait = Number(last?.headers['retry-after']);
    assert.ok(wait >= 1);
    assert.equal(last?.json().detail, `Too many attempts. Wait ${wait} ${wait === 1 ? 'second' : 'seconds'}, then try again.`);
    const right = await post(`/flows/login/${(await flow('login')).id}`, { identifier: 'rita@example.com', password: PASSWORD });
    assert.equal(right.statusCode, 429, 'even the right password waits out the delay');
  });

  test('the language a customer signs up in becomes their locale trait, as on the hosted pages; a locale the app sends is kept', async () => {
    const created = await flow('registration');
    const submitted = await post(`/flows/registration/${created.id}`, { traits: { email: 'lea@example.com' }, password: PASSWORD }, { 'accept-language': 'fr-CH, de;q=0.5' });
    assert.equal(submitted.statusCode, 200, submitted.body);
    const code = codeIn(await server.mailbox.next('lea@example.com', 'verify_email'));
    const done = await post(`/flows/registration/${created.id}/code`, { code });
    assert.equal(done.statusCode, 200, done.body);
    assert.deepEqual(done.json().identity.traits, { email: 'lea@example.com', locale: 'fr' });

    const chosen = await flow('registration');
    assert.equal((await post(`/flows/registration/${chosen.id}`, { traits: { email: 'jan@example.com', locale: 'nl' }, password: PASSWORD }, { 'accept-language': 'fr' })).statusCode, 200);
    const signedUp = await post(`/flows/registration/${chosen.id}/code`, { code: codeIn(await server.mailbox.next('jan@example.com', 'verify_email')) });
    assert.deepEqual(signedUp.json().identity.traits, { email: 'jan@example.com', locale: 'nl' });
  });

  test('a tenant that verifies first: sign-in answers a code step, and only the emailed code gives a session', async () => {
    const now = Date.now();
    const slug = `strict-${process.pid}-${now}`;
    await server.stores.tenants.create({ id: uuidv7(now), slug, name: 'Strict', settings: { verification: { allowSignInUnverified: false } }, now });
    const prefix = `/t/${slug}`;
    // Someone registers an address that is not theirs and never types its code.
    const registration = await flow('registration', prefix);
    assert.equal((await post(`${prefix}/flows/registration/${registration.id}`, { traits: { email: 'V@x.io' }, password: PASSWORD })).statusCode, 200);
    const first = await server.mailbox.next('v@x.io', 'verify_email');

    const login = await flow('login', prefix);
    const wrong = await post(`${prefix}/flows/login/${login.id}`, { identifier: 'v@x.io', password: 'not the password' });
    assert.equal(wrong.statusCode, 401, 'only the right password reaches the code step');
    assert.equal(wrong.json().code, 'signin.invalid_credentials');
    const submitted = await post(`${prefix}/flows/login/${login.id}`, { identifier: 'v@x.io', password: PASSWORD });
    assert.equal(submitted.statusCode, 200, submitted.body);
    const step = submitted.json();
    assert.equal(step.session, undefined, 'no session before the code');
    assert.equal(step.id, login.id);
    assert.equal(step.type, 'login');
    assert.equal(step.state, 'active');
    assert.equal(step.sent_to, 'v@x.io');
    assert.equal(step.ui.action, `http://localhost:3000${prefix}/flows/login/${login.id}/code`);
    assert.equal(step.ui.resend, `http://localhost:3000${prefix}/flows/login/${login.id}/resend`);
    assert.deepEqual(step.ui.fields.map((f: { name: string }) => f.name), ['code']);
    assert.deepEqual((await server.app.inject(`${prefix}/flows/${login.id}`)).json(), step, 'reading the flow shows the same step');

    const code = codeIn(await server.mailbox.next('v@x.io', 'verify_email', first.id));
    const guessed = await post(`${prefix}/flows/login/${login.id}/code`, { code: code === '000000' ? '111111' : '000000' });
    assert.equal(guessed.statusCode, 400);
    assert.equal(guessed.json().code, 'code.invalid');
    const signedIn = await post(`${prefix}/flows/login/${login.id}/code`, { code });
    assert.equal(signedIn.statusCode, 200, signedIn.body);
    const body = signedIn.json();
    assert.equal(body.flow.state, 'complete');
    assert.equal(typeof body.session.token, 'string');
    assert.deepEqual(body.identity.addresses, [{ kind: 'email', value: 'v@x.io', verified: true }]);
    assert.equal((await server.app.inject({ url: `${prefix}/sessions/whoami`, headers: { authorization: `Bearer ${body.session.token}` } })).statusCode, 200);
    assert.equal((await post(`${prefix}/flows/login/${login.id}/code`, { code })).statusCode, 409, 'the flow completed once');

    // Verified now: the password alone signs in.
    const again = await post(`${prefix}/flows/login/${(await flow('login', prefix)).id}`, { identifier: 'v@x.io', password: PASSWORD });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(typeof again.json().session.token, 'string');
    // A login flow that asked for no code has no code step.
    const noCode = await post(`${prefix}/flows/login/${(await flow('login', prefix)).id}/code`, { code });
    assert.equal(noCode.statusCode, 409);
    assert.equal(noCode.json().code, 'flow.wrong_step');
  });

  test('tenants are separate: a customer of one tenant is unknown in another', async () => {
    const now = Date.now();
    await server.stores.tenants.create({ id: uuidv7(now), slug: 'other-shop', name: 'Other', now });
    await signUp('sam@example.com');
    const elsewhere = await post(`/t/other-shop/flows/login/${(await flow('login', '/t/other-shop')).id}`, { identifier: 'sam@example.com', password: PASSWORD });
    assert.equal(elsewhere.statusCode, 401);
    const created = await flow('login', '/t/other-shop');
    assert.equal(created.ui.action, `http://localhost:3000/t/other-shop/flows/login/${created.id}`);
  });
});

test('with REDIS_URL, code and email throttles count in Redis, shared by every node', async () => {
  const server = await createTestServer('sqlite', { REDIS_URL: 'redis://127.0.0.1:6379' }).catch((error: Error) => error);
  if (server instanceof Error) {
    assert.ok(process.env['CI'] !== 'true', `Redis is required under CI=true: ${server.message}`);
    return;
  }
  const redis = new Redis('redis://127.0.0.1:6379');
  try {
    const post = (url: string, payload?: unknown) => server.app.inject({ method: 'POST', url, payload: payload as object });
    const created = (await post('/flows/recovery')).json() as { id: string };
    const email = `redis-${process.pid}-${Date.now()}@example.com`;
    assert.equal((await post(`/flows/recovery/${created.id}`, { email })).statusCode, 200);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await post(`/flows/recovery/${created.id}/code`, { code: '000000' })).statusCode);
    assert.deepEqual(statuses, [400, 400, 400, 400, 400, 429]);
    assert.equal(await redis.hget(`foyer:throttle:code:flow:${created.id}`, 'count'), '5');
    assert.equal(await redis.hget(`foyer:throttle:mail:to:${server.defaultTenant.id}:${email}`, 'count'), '1');
    const { rows } = await sql<{ n: number }>`select count(*) as n from throttle_counters`.execute(server.database.db);
    assert.equal(Number(rows[0]?.n), 0, 'nothing is counted in the database');
  } finally {
    redis.disconnect();
    await server.stop();
  }
});
