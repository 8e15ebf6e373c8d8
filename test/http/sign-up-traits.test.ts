// Sign-up honours the tenant's trait schema: the hosted page and the JSON flows API ask for every
// required trait (an enum as a choice, a boolean as a box, numbers and dates), labelled with the
// schema's titles in the customer's language, and refuse a missing or wrong one with a message in
// that language beside the field.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, findForm, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import type { BrowserSession, Page } from '../helpers/browser-session.ts';
import { codeIn } from '../helpers/mailbox.ts';
import { createTenant, PASSWORD, uniqueEmail } from '../helpers/oidc-clients.ts';
import { validateTenantSettings } from '../../src/domain/tenants/tenant-settings.ts';

const EMAIL_TRAIT = { type: 'string', maxLength: 254, 'x-foyer': { identifier: true, verifiable: 'email' } };
const LOCALE_TRAIT = { type: 'string', maxLength: 35 };

/** A shop whose customers choose a plan: `plan` is a required enum with titles in German. */
export const PLAN_SCHEMA = {
  type: 'object',
  properties: {
    email: EMAIL_TRAIT,
    plan: {
      type: 'string',
      enum: ['free', 'pro'],
      title: 'Plan',
      'x-foyer': { titles: { de: 'Tarif' }, enumTitles: { free: { en: 'Free', de: 'Kostenlos' }, pro: { en: 'Pro', de: 'Profi' } } },
    },
    locale: LOCALE_TRAIT,
  },
  required: ['email', 'plan'],
  additionalProperties: false,
};

/** A club asking for a number, a date and a box to tick. */
const CLUB_SCHEMA = {
  type: 'object',
  properties: {
    email: EMAIL_TRAIT,
    seats: { type: 'integer', minimum: 1, maximum: 10, title: 'Seats', 'x-foyer': { titles: { de: 'Plätze' } } },
    birthdate: { type: 'string', format: 'date', title: 'Date of birth', 'x-foyer': { titles: { de: 'Geburtsdatum' } } },
    terms: { type: 'boolean', const: true, title: 'I accept the terms', 'x-foyer': { titles: { de: 'Ich akzeptiere die Bedingungen' } } },
  },
  required: ['email', 'seats', 'birthdate', 'terms'],
  additionalProperties: false,
};

describeEachEngine('sign-up with the tenant’s required traits', (current) => {
  let node: ListeningServer;
  before(async () => {
    node = await startListeningServer(current().engine);
    await createTenant(node.server, 'plans', validateTenantSettings({ identitySchema: PLAN_SCHEMA }));
    await createTenant(node.server, 'club', validateTenantSettings({ identitySchema: CLUB_SCHEMA }));
  });
  after(async () => {
    await node?.stop();
  });

  async function signUpPage(slug: string, acceptLanguage: string): Promise<{ browser: BrowserSession; page: Page }> {
    const browser = createBrowserSession({ mailbox: node.server.mailbox, acceptLanguage });
    const signIn = await browser.open(`${node.url}/t/${slug}/account`);
    const page = await browser.open(`${signIn.url.origin}${signIn.url.pathname}?screen=signup`);
    assert.equal(page.status, 200);
    return { browser, page };
  }

  async function traitsOf(slug: string, email: string): Promise<Record<string, unknown> | undefined> {
    const tenant = await node.server.stores.tenants.findBySlug(slug);
    return (await node.server.stores.identities.findByAddress(tenant!.id, 'email', email))?.traits;
  }

  test('the hosted page asks for the plan in the customer’s language, refuses a sign-up without it, and keeps it', async () => {
    const { browser, page } = await signUpPage('plans', 'de');
    assert.match(page.html, /<label for="field-plan">Tarif<\/label>/);
    assert.match(page.html, /<select id="field-plan" name="plan" required>/);
    assert.match(page.html, /<option value="free">Kostenlos<\/option>/);
    assert.match(page.html, /<option value="pro">Profi<\/option>/);

    const email = uniqueEmail('plan');
    const refused = await browser.submit(requireForm(page, isAction('/signup')), { email, password: PASSWORD });
    assert.equal(refused.status, 400);
    assert.match(refused.html, /<select id="field-plan" name="plan" required aria-invalid="true" aria-describedby="field-plan-error">/);
    assert.match(refused.html, /<p class="field-error" id="field-plan-error" role="alert">Bitte füllen Sie dieses Feld aus.<\/p>/);
    assert.match(refused.html, new RegExp(`value="${email.replace('.', '\\.')}"`), 'what was typed is kept');
    assert.equal(await traitsOf('plans', email), undefined);

    const wrong = await browser.submit(requireForm(refused, isAction('/signup')), { email, password: PASSWORD, plan: 'gold' });
    assert.equal(wrong.status, 400);
    assert.match(textOf(wrong.html), /Wählen Sie eine der Optionen/);

    const codePage = await browser.submit(requireForm(wrong, isAction('/signup')), { email, password: PASSWORD, plan: 'pro' });
    assert.equal(codePage.status, 200, textOf(codePage.html).slice(0, 300));
    const done = await browser.submit(requireForm(codePage, isAction('/code')), { code: codeIn(await node.server.mailbox.next(email, 'verify_email')) });
    assert.equal(done.url.pathname, '/t/plans/account', 'signed in and back in the portal');
    assert.deepEqual(await traitsOf('plans', email), { email, plan: 'pro', locale: 'de' });
  });

  test('the JSON API lists the plan with its type, choices and title, and refuses a sign-up without it in the app’s language', async () => {
    const post = (url: string, payload?: unknown) => node.server.app.inject({ method: 'POST', url, payload: payload as object, headers: { 'accept-language': 'de' } });
    const created = await post('/t/plans/flows/registration');
    assert.equal(created.statusCode, 201);
    const fields = created.json().ui.fields as { name: string }[];
    assert.deepEqual(fields.map((field) => field.name), ['traits.email', 'traits.plan', 'password']);
    assert.deepEqual(fields[1], {
      name: 'traits.plan',
      type: 'enum',
      required: true,
      label: 'Tarif',
      options: [
        { value: 'free', label: 'Kostenlos' },
        { value: 'pro', label: 'Profi' },
      ],
    });
    const { id } = created.json() as { id: string };
    assert.deepEqual((await node.server.app.inject({ url: `/t/plans/flows/${id}`, headers: { 'accept-language': 'en' } })).json().ui.fields[1].options, [
      { value: 'free', label: 'Free' },
      { value: 'pro', label: 'Pro' },
    ]);

    const email = uniqueEmail('api-plan');
    const refused = await post(`/t/plans/flows/registration/${id}`, { traits: { email }, password: PASSWORD });
    assert.equal(refused.statusCode, 400);
    assert.deepEqual(refused.json().errors, [{ field: 'traits.plan', code: 'field.required', message: 'Bitte füllen Sie dieses Feld aus.' }]);
    const wrong = await post(`/t/plans/flows/registration/${id}`, { traits: { email, plan: 'gold' }, password: PASSWORD });
    assert.deepEqual(wrong.json().errors.map((error: { field: string; code: string; message: string }) => [error.field, error.code, error.message]), [['traits.plan', 'field.enum', 'Wählen Sie eine der Optionen.']]);

    const accepted = await post(`/t/plans/flows/registration/${id}`, { traits: { email, plan: 'free' }, password: PASSWORD });
    assert.equal(accepted.statusCode, 200, accepted.body);
    const code = codeIn(await node.server.mailbox.next(email, 'verify_email'));
    const done = await post(`/t/plans/flows/registration/${id}/code`, { code });
    assert.equal(done.statusCode, 200, done.body);
    // Signed up in German, as on the hosted page: the schema's locale trait says so (one sign-up use case).
    assert.deepEqual(done.json().identity.traits, { email, plan: 'free', locale: 'de' });
  });

  test('numbers, dates and boxes to tick: typed on the page, checked, stored as JSON of their type', async () => {
    const { browser, page } = await signUpPage('club', 'de');
    assert.match(page.html, /<label for="field-seats">Plätze<\/label>\n<input id="field-seats" name="seats" type="number" step="1" required>/);
    assert.match(page.html, /<input id="field-birthdate" name="birthdate" type="date" autocomplete="bday" required>/);
    assert.match(page.html, /<label class="check" for="field-terms"><input id="field-terms" name="terms" type="checkbox" value="true"> Ich akzeptiere die Bedingungen<\/label>/);
    // The boxes come after the password, next to the button.
    assert.ok(page.html.indexOf('name="terms"') > page.html.indexOf('name="password"'));

    const email = uniqueEmail('club');
    const refused = await browser.submit(requireForm(page, isAction('/signup')), { email, password: PASSWORD, seats: 'many', birthdate: '2001-02-30' });
    assert.equal(refused.status, 400);
    const errorOf = (name: string) => new RegExp(`id="field-${name}-error" role="alert">([^<]*)<`).exec(refused.html)?.[1];
    assert.equal(errorOf('seats'), 'Geben Sie eine ganze Zahl ein.');
    assert.equal(errorOf('birthdate'), 'Geben Sie ein Datum ein.');
    assert.equal(errorOf('terms'), 'Setzen Sie das Häkchen, um fortzufahren.');
    assert.match(refused.html, /name="seats" type="number" step="1" value="many"/);

    const tooMany = await browser.submit(requireForm(refused, isAction('/signup')), { email, password: PASSWORD, seats: '12', birthdate: '2001-02-28', terms: 'true' });
    assert.equal(tooMany.status, 400);
    assert.match(textOf(tooMany.html), /Geben Sie 10 oder weniger ein/);
    assert.match(tooMany.html, /name="terms" type="checkbox" value="true" checked/, 'the ticked box stays ticked');

    const accepted = await browser.submit(requireForm(tooMany, isAction('/signup')), { email, password: PASSWORD, seats: '3', birthdate: '2001-02-28', terms: 'true' });
    assert.ok(findForm(accepted, isAction('/code')), textOf(accepted.html).slice(0, 300));
    assert.deepEqual(await traitsOf('club', email), { email, seats: 3, birthdate: '2001-02-28', terms: true });
  });

  test('the JSON API describes numbers, dates and booleans with their bounds', async () => {
    const created = await node.server.app.inject({ method: 'POST', url: '/t/club/flows/registration' });
    assert.deepEqual(created.json().ui.fields, [
      { name: 'traits.email', type: 'email', required: true, label: 'Email', max_length: 254 },
      { name: 'traits.seats', type: 'integer', required: true, label: 'Seats', minimum: 1, maximum: 10 },
      { name: 'traits.birthdate', type: 'date', required: true, label: 'Date of birth' },
      { name: 'traits.terms', type: 'boolean', required: true, label: 'I accept the terms' },
      { name: 'password', type: 'password', required: true, label: 'field.password' },
    ]);
  });

  test('a schema the sign-up form cannot ask for is refused when it is configured', () => {
    const refusal = (schema: unknown) => {
      try {
        validateTenantSettings({ identitySchema: schema });
      } catch (error) {
        return (error as { problems: { field: string; message: string }[] }).problems.map((problem) => `${problem.field}: ${problem.message}`);
      }
      return [];
    };
    const address = { type: 'object', properties: { city: { type: 'string' } } };
    assert.deepEqual(refusal({ ...PLAN_SCHEMA, properties: { ...PLAN_SCHEMA.properties, address }, required: ['email', 'address'] }), [
      'identitySchema.properties.address: a required trait must be text, an enum, a boolean, a number or a date, which sign-up can ask for; make it optional',
    ]);
    assert.deepEqual(refusal({ ...PLAN_SCHEMA, properties: { ...PLAN_SCHEMA.properties, password: { type: 'string' } } }), [
      'identitySchema.properties.password: a trait may not be called "password": the sign-up form sends its own field of that name',
    ]);
    const [titles] = refusal({ ...PLAN_SCHEMA, properties: { ...PLAN_SCHEMA.properties, plan: { ...PLAN_SCHEMA.properties.plan, 'x-foyer': { titles: { de: 7 } } } } });
    assert.match(titles!, /^identitySchema: is not a valid JSON Schema: .*titles\/de must be string/);
  });
});
