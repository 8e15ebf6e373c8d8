// `foyer users block|delete` end the customer's browser sessions from outside the server: the CLI
// tells the applications signed in through them itself (back-channel logout), with the tenant's
// own provider and keys, as a server node would. A delivery that fails is one line on stderr; the
// block or deletion stands.
import { pino } from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import type { CliContext } from './context.ts';
import type { CliIo } from './io.ts';
import type { LogoutNotifier } from '../domain/oauth/logout.ts';
import { createProviderRegistry } from '../http/oidc/provider-registry.ts';
import { createLogoutNotifier } from '../http/oidc/backchannel-logout.ts';
import { createSecretBox } from '../infra/crypto/secret-box.ts';

export function cliLogoutNotifier(context: CliContext, io: CliIo): LogoutNotifier {
  const { config, stores, transaction } = context;
  // The provider logs only failures; none of its other output belongs on a command's stderr.
  const logger = pino({ level: 'error' }, { write: (line: string) => io.stderr.write(line) }) as unknown as FastifyBaseLogger;
  const registry = createProviderRegistry({ stores, transaction, secretBox: createSecretBox(config.masterSecret), publicUrl: config.http.publicUrl, masterSecret: config.masterSecret, logger });
  const warn = {
    warn: (fields: { clientId?: string }, message: string) => void io.stderr.write(`foyer: ${message} (application ${fields.clientId ?? '?'})\n`),
  } as Pick<FastifyBaseLogger, 'warn'>;
  // A command is one short process: its tenants are read as they are, nothing is worth caching.
  const directory = { bySlug: (slug: string) => stores.tenants.findBySlug(slug) };
  return createLogoutNotifier(registry, stores.tenants, directory, warn);
}
