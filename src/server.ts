// Assembles a Foyer node from its configuration: database (migrated), default tenant, optional
// Redis, and the HTTP application. `main.ts` listens and handles signals; tests call this directly.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from './config/schema.ts';
import { openDatabase } from './storage/database.ts';
import type { DatabaseHandle } from './storage/database.ts';
import { migrateToLatest } from './storage/migrate.ts';
import { createStores, createTransaction } from './storage/stores.ts';
import type { StoreHooks } from './storage/stores.ts';
import type { Stores, Transaction } from './domain/unit-of-work.ts';
import { ensureAdminTenant, ensureDefaultTenant } from './domain/tenants/tenants.service.ts';
import type { Tenant } from './domain/tenants/tenant.ts';
import { connectRedis } from './infra/redis/redis.ts';
import { buildApp } from './http/app.ts';
import { createMetricsRegistry } from './infra/metrics/metrics.ts';
import { buildMetricsApp } from './http/metrics.app.ts';
import type { RegisteredRoute } from './http/app.ts';
import { createSecretBox } from './infra/crypto/secret-box.ts';
import { tenancyPlugin } from './http/tenancy/tenancy.plugin.ts';
import { createTenantDirectory } from './http/tenancy/tenant-directory.ts';
import { createProviderRegistry } from './http/oidc/provider-registry.ts';
import type { ProviderRegistry } from './http/oidc/provider-registry.ts';
import { createBackchannelLogoutHandler } from './http/oidc/backchannel-logout.ts';
import { oidcPlugin } from './http/oidc/oidc.plugin.ts';
import { interactionPlugin } from './http/hosted/interaction.plugin.ts';
import { flowCsrfKeyOf } from './domain/flows/flow.ts';
import { flowsPlugin } from './http/flows/flows.plugin.ts';
import { createApiSignIn } from './http/flows/api-sign-in.ts';
import { portalPlugin } from './http/account/portal.plugin.ts';
import { accountApiPlugin } from './http/account/account-api.plugin.ts';
import { secondFactorPortalPlugin } from './http/account/second-factors.plugin.ts';
import { privacyPortalPlugin } from './http/account/privacy.plugin.ts';
import { unsubscribePlugin } from './http/hosted/unsubscribe.plugin.ts';
import { unsubscribeKeyOf } from './domain/privacy/unsubscribe.ts';
import { passkeyPortalPlugin } from './http/account/passkeys.plugin.ts';
import { emailChangePlugin } from './http/account/email-change.plugin.ts';
import { createSignInThrottle } from './domain/flows/throttle.ts';
import { createStrategies } from './domain/credentials/strategies.ts';
import { signInLinkPlugin } from './http/hosted/sign-in-link.plugin.ts';
import { smsFactorPortalPlugin } from './http/account/sms-factor.plugin.ts';
import { passkeyChallengeKeyOf } from './domain/credentials/passkey/passkey.ts';
import { passkeyAssetsPlugin } from './http/hosted/passkey-assets.plugin.ts';
import { rememberedDeviceKeyOf } from './domain/self-service/remembered-devices.ts';
import type { SelfServiceDeps } from './domain/self-service/code-steps.ts';
import { codeKeyOf } from './domain/self-service/one-time-code.ts';
import { deviceTokenKeyOf } from './domain/flows/device-token.ts';
import { selfServicePlugin } from './http/hosted/self-service.plugin.ts';
import { createSqlThrottleStore } from './storage/throttle.store.ts';
import { createPasskeyUseStore } from './storage/passkey-use.store.ts';
import { createRedisThrottleStore } from './infra/redis/throttle.redis.ts';
import { auditEntriesOf, finishedDeliveriesOf, publishedEventsOf, startExpiredRowsCleanup, sweepTogether } from './infra/jobs/expired-rows.job.ts';
import type { Lifecycle, ReadinessCheck } from './http/health.routes.ts';
import { startMailDispatcher } from './infra/mail/mail-dispatcher.job.ts';
import { startSmsDispatcher } from './infra/sms/sms-dispatcher.job.ts';
import { createHttpGatewayTransport, DEFAULT_GATEWAY_BODY } from './infra/sms/http-gateway.transport.ts';
import { createDevSmsOutbox, devSmsOutboxDir } from './infra/sms/dev-outbox.ts';
import type { MailDispatcher } from './infra/mail/mail-dispatcher.job.ts';
import { isHandled, startOutboxDispatcher } from './infra/jobs/outbox-dispatcher.job.ts';
import type { Dispatcher } from './infra/jobs/dispatcher.ts';
import type { EventHandlers } from './domain/events/event-handler.port.ts';
import { createSmtpTransport } from './infra/mail/smtp.transport.ts';
import { createDevOutboxTransport, devOutboxDir } from './infra/mail/dev-outbox.ts';
import { redactUrl } from './config/redact.ts';
import { openCountryDatabase } from './infra/geoip/country-database.ts';
import { devMailPlugin } from './http/dev/dev-mail.plugin.ts';
import { homePlugin } from './http/hosted/home.plugin.ts';
import { createBreachedPasswordCheck } from './domain/credentials/password/breached.ts';
import type { BreachedPasswordCheck } from './domain/credentials/password/breached.ts';
import { adminApiPlugin } from './http/admin/admin.plugin.ts';
import { setupPagePlugin } from './http/admin/setup.plugin.ts';
import { staffInvitationPagePlugin } from './http/admin/staff-invitation.page.ts';
import { consolePlugin } from './http/console/console.plugin.ts';
import { ValidationError } from './domain/errors.ts';
import { ensureConsoleApplication } from './domain/admin/console-app.ts';
import { scimPlugin } from './http/scim/scim.plugin.ts';
import { ADMIN_API_PATH } from './http/admin/admin-resource.ts';
import { issueSetupLink, setupLinkOf } from './domain/admin/setup.ts';
import { activeKeyOf, createStatsCollector } from './domain/stats/stats-collector.ts';
import type { StatsCollector } from './domain/stats/stats-collector.ts';
import { startStatsFlush } from './infra/jobs/stats-flush.job.ts';
import { createUpstreamClient } from './infra/federation/upstream-client.ts';
import { outboundFetch } from './infra/federation/guarded-fetch.ts';
import { createSamlSetup } from './infra/federation/saml-service-provider.ts';
import { createConnectionDirectory } from './http/federation/upstream-sign-in.ts';
import { federationPlugin } from './http/federation/federation.plugin.ts';
import { createSubscriptionDirectory } from './domain/subscriptions/directory.ts';
import { coalescedDeliveries, fanOut } from './domain/subscriptions/fan-out.ts';
import { startSubscriptionDispatcher } from './infra/jobs/subscription-dispatcher.job.ts';
import { createWebhookSender } from './infra/subscriptions/webhook-sender.ts';
import { createNatsPublisher } from './infra/subscriptions/nats-publisher.ts';
import { connectionsPortalPlugin } from './http/account/connections.plugin.ts';

export type Foyer = {
  readonly app: FastifyInstance;
  /** The operators' listener with /metrics (METRICS_HOST:METRICS_PORT); main.ts makes it listen. */
  readonly metricsApp: FastifyInstance | undefined;
  /** Every route the application registered, by method and pattern. */
  readonly routes: readonly RegisteredRoute[];
  readonly database: DatabaseHandle;
  readonly stores: Stores;
  readonly transaction: Transaction;
  readonly defaultTenant: Tenant;
  /** The internal tenant of Foyer's staff (docs/admin-api.md). */
  readonly adminTenant: Tenant;
  readonly lifecycle: Lifecycle;
  /** Each tenant's oidc-provider (e.g. to apply a key rotation made on this node at once). */
  readonly providers: ProviderRegistry;
  /** Sends queued email; woken when this node queues one (tests call runOnce to deliver now). */
  readonly mailDispatcher: MailDispatcher;
  /** Sends queued text messages (ADR 0031); woken when this node queues one. */
  readonly smsDispatcher: Dispatcher;
  /** Hands outbox events to this node's handlers (back-channel logout) and fans them out to subscriptions; woken when this node records one. */
  readonly outboxDispatcher: Dispatcher;
  /** Delivers to the subscriptions (webhooks, NATS); woken when this node fans out an event. */
  readonly subscriptionDispatcher: Dispatcher;
  /** This node's statistics, flushed every few seconds (tests call flush to write them now). */
  readonly stats: StatsCollector;
  /** Stops serving (in-flight requests finish), then closes the database and Redis. */
  close(): Promise<void>;
};

type FoyerOptions = {
  /** A database already opened (tests isolate themselves in a schema); otherwise the configured one. */
  database?: DatabaseHandle;
  /** Tests: every admin API answer is validated against its declared schema (http/admin/response-check.ts). */
  checkAdminResponses?: boolean;
};

export async function createFoyer(config: Config, logger: FastifyBaseLogger, options: FoyerOptions = {}): Promise<Foyer> {
  // Read before anything opens: an unreadable GEOIP_DATABASE stops the start naming the setting.
  const countryOf = config.geoipDatabase === undefined ? undefined : openCountryDatabase(config.geoipDatabase);
  const database = options.database ?? (await openDatabase(config.database));
  let redis: Redis | undefined;
  try {
    const migration = await migrateToLatest(database.db);
    if (migration.applied.length > 0) logger.info({ applied: migration.applied }, 'database migrated');
    // The dispatcher starts last; until then a message queued on this node waits for its first run.
    let mailDispatcher: MailDispatcher | undefined;
    let smsDispatcher: Dispatcher | undefined;
    let outboxDispatcher: Dispatcher | undefined;
    let subscriptionDispatcher: Dispatcher | undefined;
    let handlers: EventHandlers = {};
    const hooks: StoreHooks = {
      mailQueued: () => mailDispatcher?.notify(),
      smsQueued: () => smsDispatcher?.notify(),
      eventRecorded: (type) => {
        if (isHandled(handlers, type) || directory.wants(type)) outboxDispatcher?.notify();
      },
    };
    const stores = createStores(database.db, hooks);
    // The tenants' event subscriptions, kept in memory for the fan-out and the deliveries (ADR 0026).
    const directory = createSubscriptionDirectory({ subscriptions: stores.subscriptions, reloadEveryMs: 5_000, onError: (error) => logger.error({ err: error }, 'reading the event subscriptions failed') });
    await directory.reload();
    // Events only outside subscribers read (a sign-in, a sign-out) are recorded when a subscription takes them.
    const eventInterest = { wants: (tenantId: string, type: string) => directory.wantedBy(tenantId, type) };
    const transaction = createTransaction(database.db, hooks);
    const { tenant, created } = await ensureDefaultTenant({ transaction, tenants: stores.tenants });
    if (created) logger.info({ tenantId: tenant.id }, 'created the default tenant');
    const admin = await ensureAdminTenant({ transaction, tenants: stores.tenants });
    if (admin.created) logger.info({ tenantId: admin.tenant.id }, 'created the admin tenant');
    // The admin console signs staff in as this public client of the admin tenant (docs/console.md).
    // Its callback is under PUBLIC_URL, which a single-page client may only use over https or on
    // loopback; a development PUBLIC_URL such as http://foyer.lan serves everything but the console.
    try {
      await ensureConsoleApplication({ transaction }, admin.tenant.id, config.http.publicUrl);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      logger.warn({ publicUrl: config.http.publicUrl }, 'the admin console needs an https or loopback PUBLIC_URL; it cannot sign anyone in at this one');
    }
    if (config.redisUrl) redis = await connectRedis(config.redisUrl);

    const lifecycle: Lifecycle = { shuttingDown: false };
    const checks: ReadinessCheck[] = [{ name: 'database', check: database.ping }];
    const redisClient = redis;
    if (redisClient) checks.push({ name: 'redis', check: async () => void (await redisClient.ping()) });
    const secretBox = createSecretBox(config.masterSecret);
    // Which tenant a request is for (cached by slug), and each tenant's oidc-provider.
    const tenants = createTenantDirectory({ tenants: stores.tenants });
    const registry = createProviderRegistry({ stores, transaction, secretBox, publicUrl: config.http.publicUrl, masterSecret: config.masterSecret, logger, events: eventInterest, adminTokenTtlSeconds: config.adminApiTokenTtlSeconds });
    // Throttle counters live in Redis when there is one (shared by every node), else in the database.
    const sqlThrottle = redisClient ? undefined : createSqlThrottleStore(database.db);
    const throttleStore = sqlThrottle ?? createRedisThrottleStore(redisClient!);
    const throttle = createSignInThrottle(throttleStore);
    // Foyer's own consumers of its events: back-channel logout for every way Foyer ends browser sessions.
    handlers = { 'browser_sessions.ended': createBackchannelLogoutHandler(registry, stores.tenants, tenants) };
    const breachedCheck = breachedCheckOf(config, logger);
    // Dashboards' counters, gathered in memory by the use cases and written in batches (ADR 0022).
    const stats = createStatsCollector({ transaction, activeKey: activeKeyOf(config.masterSecret) });
    // The ways to sign in (ADR 0019), built once; each surface's routes call them through the use cases.
    const deviceKey = deviceTokenKeyOf(config.masterSecret);
    const passkeyChallengeKey = passkeyChallengeKeyOf(config.masterSecret);
    // Sign-in through connections (ADR 0032): outbound calls to tenant-configured upstreams are
    // guarded against internal addresses in production (SECURITY.md 31).
    const production = config.env === 'production';
    const upstream = createUpstreamClient({ fetch: outboundFetch(production), allowHttp: !production });
    const connectionDirectory = createConnectionDirectory(stores.connections);
    const federation = { flows: stores.flows, connections: stores.connections, secretBox, upstream, publicUrl: config.http.publicUrl, logger, directory: connectionDirectory };
    // `satisfies`, not a declared type: the email-change page reads more of these stores than the steps do.
    const selfService = { stores, transaction, throttle: throttleStore, codeKey: codeKeyOf(config.masterSecret), deviceKey, publicUrl: config.http.publicUrl, breachedCheck, stats, events: eventInterest } satisfies SelfServiceDeps;
    const strategies = createStrategies({
      password: { identities: stores.identities, audit: stores.audit, throttle, deviceKey },
      secondFactor: { identities: stores.identities, audit: stores.audit, throttle: throttleStore, secretBox },
      emailCode: selfService,
      federated: { identities: stores.identities, audit: stores.audit, transaction, stats, staffInvitations: stores.staffInvitations },
      sms: { identities: stores.identities, audit: stores.audit, throttle: throttleStore, secretBox, transaction, available: config.sms.gateway !== undefined || config.env !== 'production' },
      // A passkey sign-in's success in one write, the throttle's part with it when its counters are in the database (ADR 0037).
      passkey: { publicUrl: config.http.publicUrl, challengeKey: passkeyChallengeKey, passkeyUses: createPasskeyUseStore(database.db, { holdsThrottle: sqlThrottle !== undefined }) },
      emailOtp: { transaction },
    });
    // How every sign-in of an api flow ends (flows API and federation): second factor, consent step, session (ADR 0036).
    const apiSignIn = createApiSignIn({ stores, strategies, throttle: throttleStore, publicUrl: config.http.publicUrl, deviceKey, rememberKey: rememberedDeviceKeyOf(config.masterSecret), challengeKey: passkeyChallengeKey, countryOf });
    // Unauthenticated writes are counted per address in memory, or in Redis across nodes.
    const writeLimits = { redis: redisClient };
    // Every surface of a tenant is declared once, at the default tenant's paths; the tenancy plugin
    // mounts it under /t/{slug} too and sets each request's tenant (http/tenancy/tenancy.plugin.ts).
    const tenantSurfaces = [
      (app: FastifyInstance) => oidcPlugin(app, { tenants, publicUrl: config.http.publicUrl, writeLimits }),
      (app: FastifyInstance) => interactionPlugin(app, { stores, transaction, strategies, selfService, flowCsrfKey: flowCsrfKeyOf(config.masterSecret), rememberKey: rememberedDeviceKeyOf(config.masterSecret), federation, passkeyChallengeKey, countryOf }),
      passkeyAssetsPlugin,
      (app: FastifyInstance) => federationPlugin(app, { ...federation, stores, strategies, selfService, apiSignIn, writeLimits }),
      (app: FastifyInstance) => connectionsPortalPlugin(app, { stores, transaction, strategies, federation, publicUrl: config.http.publicUrl, masterSecret: config.masterSecret }),
      (app: FastifyInstance) => selfServicePlugin(app, { selfService }),
      (app: FastifyInstance) => signInLinkPlugin(app, { selfService, strategies }),
      (app: FastifyInstance) => flowsPlugin(app, { stores, transaction, strategies, publicUrl: config.http.publicUrl, selfService, writeLimits, passkeyChallengeKey, signIn: apiSignIn }),
      (app: FastifyInstance) => portalPlugin(app, { stores, transaction, throttle, publicUrl: config.http.publicUrl, masterSecret: config.masterSecret, breachedCheck, deviceKey: selfService.deviceKey, hasSecondFactor: strategies.hasSecondFactor }),
      (app: FastifyInstance) => accountApiPlugin(app, { tenants, stores, transaction, throttle, selfService, breachedCheck, strategies, federation }),
      (app: FastifyInstance) => privacyPortalPlugin(app, { stores, transaction, publicUrl: config.http.publicUrl, masterSecret: config.masterSecret }),
      (app: FastifyInstance) => unsubscribePlugin(app, { stores, transaction, key: unsubscribeKeyOf(config.masterSecret) }),
      (app: FastifyInstance) => secondFactorPortalPlugin(app, { stores, strategies, publicUrl: config.http.publicUrl, masterSecret: config.masterSecret }),
      (app: FastifyInstance) => smsFactorPortalPlugin(app, { stores, strategies, publicUrl: config.http.publicUrl, masterSecret: config.masterSecret }),
      (app: FastifyInstance) => passkeyPortalPlugin(app, { stores, strategies, publicUrl: config.http.publicUrl, masterSecret: config.masterSecret }),
      (app: FastifyInstance) => emailChangePlugin(app, { selfService, publicUrl: config.http.publicUrl, masterSecret: config.masterSecret }),
      // SCIM 2.0 for provisioning clients (docs/scim.md): admin API credentials with the `scim` scope.
      (app: FastifyInstance) => scimPlugin(app, { publicUrl: config.http.publicUrl, adminTenant: admin.tenant, stores, transaction, breachedCheck, rateLimitPerMinute: config.adminApiRateLimit, redis: redisClient }),
      (app: FastifyInstance) => homePlugin(app, { publicUrl: config.http.publicUrl, devMailPath: config.env === 'production' ? undefined : '/dev/mail' }),
    ];
    const surfaces = [
      (app: FastifyInstance) => tenancyPlugin(app, { tenants, providerOf: registry.providerOf, surfaces: tenantSurfaces }),
      // The admin API names its tenant in its own paths: it is outside the tenancy plugin.
      async (app: FastifyInstance) => {
        const subscriptions = { production: config.env === 'production', natsConfigured: config.subscribers.natsUrl !== undefined, changed: directory.reload };
        const adminDeps = { subscriptions, publicUrl: config.http.publicUrl, adminTenant: admin.tenant, tenants, providers: registry, stores, transaction, secretBox, redis: redisClient, rateLimitPerMinute: config.adminApiRateLimit, breachedCheck, checkResponses: options.checkAdminResponses, selfService, production, unsubscribeKey: unsubscribeKeyOf(config.masterSecret), onConnectionsChanged: connectionDirectory.forget, samlSetup: createSamlSetup(outboundFetch(production)) };
        await app.register((scope) => adminApiPlugin(scope, adminDeps), { prefix: ADMIN_API_PATH });
        // The first-run page that creates the first owner (a page, so outside the JSON API's handlers).
        const secureCookies = config.http.publicUrl.startsWith('https:');
        await app.register((scope) => setupPagePlugin(scope, { adminTenant: admin.tenant, stores, transaction, masterSecret: config.masterSecret, secureCookies, breachedCheck }));
        // Where an invited staff member chooses a password (the link of the invitation email).
        await app.register((scope) => staffInvitationPagePlugin(scope, { adminTenant: admin.tenant, stores, transaction, masterSecret: config.masterSecret, secureCookies, breachedCheck }));
        // The admin console: a single-page app, a client of the admin API like any other.
        await app.register((scope) => consolePlugin(scope, { publicUrl: config.http.publicUrl }));
      },
      // Developers read the mail a flow sent here (one page for the whole server, not per tenant);
      // production has no such page at all.
      ...(config.env === 'production' ? [] : [(app: FastifyInstance) => devMailPlugin(app, { mail: stores.mail, outboxDir: devOutboxDir(config.dataDir), smsOutboxDir: devSmsOutboxDir(config.dataDir), tenants: stores.tenants, tenantId: tenant.id })]),
    ];
    const routes: RegisteredRoute[] = [];
    const metrics = config.metricsEnabled ? createMetricsRegistry() : undefined;
    const app = await buildApp({ config, logger, readinessChecks: checks, lifecycle, surfaces, routeTable: routes, metrics });
    const metricsApp = metrics ? await buildMetricsApp(metrics, logger) : undefined;
    // First run: until someone owns the installation, each start offers a one-time link that creates
    // the first owner (docs/admin-api.md). It expires within the hour and dies once an owner exists.
    const setupToken = await issueSetupLink({ setupLinks: stores.setupLinks, identities: stores.identities }, admin.tenant.id);
    if (setupToken) logger.warn({ setupLink: setupLinkOf(config.http.publicUrl, setupToken) }, 'no owner yet: open the setup link within the hour to create the first owner (`foyer admin setup` prints a new one)');
    const expiring = sweepTogether([stores.oidcArtifacts, stores.flows, stores.sessions, stores.latestCodes, stores.stats, publishedEventsOf(stores.outbox, config.eventRetentionMs), finishedDeliveriesOf(stores.deliveries, config.eventRetentionMs), auditEntriesOf(stores.audit, config.auditRetentionMs), stores.idempotencyKeys, stores.setupLinks, stores.staffInvitations, stores.rememberedDevices, stores.sms, ...(sqlThrottle ? [sqlThrottle] : [])]);
    const cleanup = startExpiredRowsCleanup({ store: expiring, intervalMs: 60_000, batchSize: 500, logger: jobLogger(logger) });
    const { smtpUrl } = config.mail;
    const mailTransport = smtpUrl ? createSmtpTransport(smtpUrl) : createDevOutboxTransport(devOutboxDir(config.dataDir));
    logger.info(smtpUrl ? { smtp: redactUrl(smtpUrl) } : { outbox: devOutboxDir(config.dataDir) }, smtpUrl ? 'mail goes out over SMTP' : 'mail goes to the development outbox');
    const dispatcher = startMailDispatcher({
      store: stores.mail,
      transport: mailTransport,
      defaultFrom: config.mail.from,
      logger: jobLogger(logger),
      pollIntervalMs: 5_000,
      batchSize: 10,
      leaseMs: 120_000,
    });
    mailDispatcher = dispatcher;
    const webhooks = createWebhookSender({ production: config.env === 'production', timeoutMs: config.subscribers.webhookTimeoutMs });
    const nats = config.subscribers.natsUrl ? createNatsPublisher({ url: config.subscribers.natsUrl, timeoutMs: config.subscribers.webhookTimeoutMs }) : undefined;
    const deliveries = startSubscriptionDispatcher({
      store: stores.deliveries,
      directory,
      secretBox,
      webhooks,
      nats,
      logger: jobLogger(logger),
      pollIntervalMs: 1_000,
      batchSize: 100,
      maxInFlight: 256,
      perSubscriptionInFlight: 64,
      // Longer than a receiver may take to answer, with room to mark the outcome.
      leaseMs: 2 * config.subscribers.webhookTimeoutMs + 5_000,
    });
    subscriptionDispatcher = deliveries;
    // Text messages (ADR 0031): the HTTP gateway, or the development outbox outside production.
    const { gateway } = config.sms;
    const smsTransport = gateway ? createHttpGatewayTransport({ ...gateway, body: gateway.body ?? DEFAULT_GATEWAY_BODY, from: config.sms.from }) : createDevSmsOutbox(devSmsOutboxDir(config.dataDir));
    logger.info(gateway ? { smsGateway: redactUrl(gateway.url) } : { smsOutbox: devSmsOutboxDir(config.dataDir) }, gateway ? 'text messages go to the SMS gateway' : 'text messages go to the development outbox');
    const texts = startSmsDispatcher({ store: stores.sms, transport: smsTransport, logger: jobLogger(logger), pollIntervalMs: 5_000, batchSize: 10, leaseMs: 60_000 });
    smsDispatcher = texts;
    const fanOutStores = { deliveries: coalescedDeliveries(stores.deliveries), consentLedger: stores.consentLedger };
    const events = startOutboxDispatcher({
      store: stores.outbox,
      handlers,
      fanOut: async (event) => {
        const added = await fanOut(fanOutStores, event, directory.of(event.tenantId), { origin: 'live', now: Date.now() });
        if (added > 0) subscriptionDispatcher?.notify();
      },
      logger: jobLogger(logger),
      pollIntervalMs: 5_000,
      // A claim, one INSERT of the batch's deliveries and one UPDATE per batch (ADR 38): with 50,
      // the fan-out, one batch after the other, was what held webhook throughput back on PostgreSQL.
      batchSize: 250,
      // Longer than a batch of logout posts can take (oidc-provider gives each 2.5 s by default).
      leaseMs: 60_000,
    });
    outboxDispatcher = events;
    const statsFlush = startStatsFlush({ collector: stats, intervalMs: STATS_FLUSH_INTERVAL_MS, logger: jobLogger(logger) });

    return {
      app,
      metricsApp,
      routes,
      database,
      stores,
      transaction,
      defaultTenant: tenant,
      adminTenant: admin.tenant,
      lifecycle,
      providers: registry,
      mailDispatcher: dispatcher,
      smsDispatcher: texts,
      outboxDispatcher: events,
      subscriptionDispatcher: deliveries,
      stats,
      async close() {
        lifecycle.shuttingDown = true;
        await app.close();
        // Every request has been answered: nothing records any more, and the last counts are written.
        await statsFlush.stop();
        await metricsApp?.close();
        await cleanup.stop();
        await dispatcher.stop();
        await texts.stop();
        await events.stop();
        await deliveries.stop();
        directory.stop();
        webhooks.close();
        await nats?.close();
        mailTransport.close();
        redisClient?.disconnect();
        await database.close();
      },
    };
  } catch (error) {
    redis?.disconnect();
    await database.close().catch(() => {});
    throw error;
  }
}

/** How often a node writes its statistics: the dashboards lag by about this much. */
const STATS_FLUSH_INTERVAL_MS = 10_000;

/**
 * New passwords (sign-up, recovery, a change in the account) are checked against the configured
 * range service; when it cannot answer, the password goes through and the outage is logged.
 */
function breachedCheckOf(config: Config, logger: FastifyBaseLogger): BreachedPasswordCheck | undefined {
  const { breachedRangeUrl, breachedTimeoutMs } = config.passwords;
  if (!breachedRangeUrl) return undefined;
  return createBreachedPasswordCheck({
    rangeUrl: breachedRangeUrl,
    timeoutMs: breachedTimeoutMs,
    onUnavailable: (reason) => logger.warn({ service: breachedRangeUrl, reason }, 'breached-password check unavailable: the password was accepted unchecked'),
  });
}

/** The jobs log with (fields, message), as pino does. */
function jobLogger(logger: FastifyBaseLogger) {
  return {
    info: (fields: object, message: string) => logger.info(fields, message),
    warn: (fields: object, message: string) => logger.warn(fields, message),
    error: (fields: object, message: string) => logger.error(fields, message),
  };
}
