// Assembles a Foyer node from its configuration: database (migrated), default tenant, optional
// Redis, and the HTTP application. `main.ts` listens and handles signals; tests call this directly.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from './config/schema.ts';
import { openDatabase } from './storage/database.ts';
import type { DatabaseHandle } from './storage/database.ts';
import { migrateToLatest } from './storage/migrate.ts';
import { createStores, createTransaction } from './storage/stores.ts';
import type { Stores, Transaction } from './storage/stores.ts';
import { ensureDefaultTenant } from './domain/tenants/tenants.service.ts';
import type { Tenant } from './domain/tenants/tenant.ts';
import { connectRedis } from './infra/redis/redis.ts';
import { buildApp } from './http/app.ts';
import { createSecretBox } from './infra/crypto/secret-box.ts';
import { createProviderRegistry } from './http/oidc/provider-registry.ts';
import { oidcPlugin } from './http/oidc/oidc.plugin.ts';
import type { Lifecycle, ReadinessCheck } from './http/health.routes.ts';

export type Foyer = {
  readonly app: FastifyInstance;
  readonly database: DatabaseHandle;
  readonly stores: Stores;
  readonly transaction: Transaction;
  readonly defaultTenant: Tenant;
  readonly lifecycle: Lifecycle;
  /** Stops serving (in-flight requests finish), then closes the database and Redis. */
  close(): Promise<void>;
};

export type FoyerOptions = {
  /** A database already opened (tests isolate themselves in a schema); otherwise the configured one. */
  database?: DatabaseHandle;
};

export async function createFoyer(config: Config, logger: FastifyBaseLogger, options: FoyerOptions = {}): Promise<Foyer> {
  const database = options.database ?? (await openDatabase(config.database));
  let redis: Redis | undefined;
  try {
    const migration = await migrateToLatest(database.db);
    if (migration.applied.length > 0) logger.info({ applied: migration.applied }, 'database migrated');
    const stores = createStores(database.db);
    const transaction = createTransaction(database.db);
    const { tenant, created } = await ensureDefaultTenant({ transaction, tenants: stores.tenants });
    if (created) logger.info({ tenantId: tenant.id }, 'created the default tenant');
    if (config.redisUrl) redis = await connectRedis(config.redisUrl);

    const lifecycle: Lifecycle = { shuttingDown: false };
    const checks: ReadinessCheck[] = [{ name: 'database', check: database.ping }];
    const redisClient = redis;
    if (redisClient) checks.push({ name: 'redis', check: async () => void (await redisClient.ping()) });
    const secretBox = createSecretBox(config.masterSecret);
    const registry = createProviderRegistry({ stores, transaction, secretBox, publicUrl: config.http.publicUrl, masterSecret: config.masterSecret });
    const surfaces = [(app: FastifyInstance) => oidcPlugin(app, { registry, publicUrl: config.http.publicUrl })];
    const app = await buildApp({ config, logger, readinessChecks: checks, lifecycle, surfaces });

    return {
      app,
      database,
      stores,
      transaction,
      defaultTenant: tenant,
      lifecycle,
      async close() {
        lifecycle.shuttingDown = true;
        await app.close();
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
