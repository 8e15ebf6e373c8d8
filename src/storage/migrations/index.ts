// The ordered list of migrations. A new migration is a new file added at the end; shipped ones
// never change. Forward only: a rollback is a new migration, or a restore from backup.
import type { Kysely } from 'kysely';
import * as initialSchema from './0001-initial-schema.ts';
import * as throttleCounters from './0002-throttle-counters.ts';
import * as artifactAccount from './0003-artifact-account.ts';
import * as consents from './0004-consents.ts';
import * as mail from './0005-mail.ts';
import * as accountPortal from './0006-account-portal.ts';
import * as throttleReserveFunction from './0007-throttle-reserve-function.ts';
import * as latestCodes from './0008-latest-codes.ts';
import * as outboxRetention from './0009-outbox-retention.ts';
import * as adminApi from './0010-admin-api.ts';
import * as customerSearch from './0011-customer-search.ts';
import * as adminQueries from './0012-admin-queries.ts';
import * as statistics from './0013-statistics.ts';
import * as consentLedger from './0014-consent-ledger.ts';
import * as secondFactors from './0017-second-factors.ts';
import * as auditApplication from './0018-audit-application.ts';
import * as eventSubscriptions from './0019-event-subscriptions.ts';
import * as requiredPurposes from './0020-required-purposes.ts';
import * as externalId from './0021-external-id.ts';
import * as customerGroups from './0022-customer-groups.ts';
import * as sms from './0024-sms.ts';
import * as connections from './0025-connections.ts';
import * as staffInvitations from './0028-staff-invitations.ts';
import * as verifiedFilter from './0028-verified-filter.ts';
import * as saml from './0030-saml.ts';
import * as sessionAcr from './0032-session-acr.ts';
import * as signInCountries from './0034-sign-in-countries.ts';

type Migration = { up(db: Kysely<unknown>): Promise<void> };

export const migrations: Readonly<Record<string, Migration>> = {
  '0001-initial-schema': initialSchema,
  '0002-throttle-counters': throttleCounters,
  '0003-artifact-account': artifactAccount,
  '0004-consents': consents,
  '0005-mail': mail,
  '0006-account-portal': accountPortal,
  '0007-throttle-reserve-function': throttleReserveFunction,
  '0008-latest-codes': latestCodes,
  '0009-outbox-retention': outboxRetention,
  '0010-admin-api': adminApi,
  '0011-customer-search': customerSearch,
  '0012-admin-queries': adminQueries,
  '0013-statistics': statistics,
  '0014-consent-ledger': consentLedger,
  '0017-second-factors': secondFactors,
  '0018-audit-application': auditApplication,
  '0019-event-subscriptions': eventSubscriptions,
  '0020-required-purposes': requiredPurposes,
  '0021-external-id': externalId,
  '0022-customer-groups': customerGroups,
  '0024-sms': sms,
  '0025-connections': connections,
  '0028-staff-invitations': staffInvitations,
  '0028-verified-filter': verifiedFilter,
  '0030-saml': saml,
  '0032-session-acr': sessionAcr,
  '0034-sign-in-countries': signInCountries,
};
