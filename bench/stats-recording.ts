// What statistics (ADR 0022) add to a sign-in's main-thread work: what recordSignIn does (without its event, an outbox INSERT) for each
// completed sign-in (a counter increment, an HMAC into the day's sketch, a possible return), timed
// in this process over many sign-ins. The sign-in figures of the run include it; to see that they
// do not move, compare their main-thread ms per answer with a run of a commit before ADR 22.
import { activeKeyOf, createStatsCollector } from '../src/domain/stats/stats-collector.ts';
import { recordSignIn } from '../src/domain/self-service/sign-in.ts';
import { authenticatedBy } from '../src/domain/credentials/authentication.ts';
import { PASSWORD } from '../src/domain/credentials/password/password-sign-in.ts';

const SIGN_INS = 200_000;
/** Distinct customers among them, signed up within the return window (the costlier path). */
const CUSTOMERS = 20_000;

export type StatsRecording = { readonly microsPerSignIn: number; readonly signIns: number };

export function measureStatsRecording(): StatsRecording {
  // Never flushed here: only the in-memory recording a request pays is measured.
  const stats = createStatsCollector({ transaction: () => Promise.reject(new Error('not flushed in the bench')), activeKey: activeKeyOf('bench-master-secret-not-used-for-anything-else') });
  const results = Array.from({ length: CUSTOMERS }, (_, i) => authenticatedBy(PASSWORD, `01890000-0000-7000-8000-${String(i).padStart(12, '0')}`));
  const context = { ip: '127.0.0.1', applicationId: 'bench-web-application' };
  const signedUpAt = Date.now();
  const signIn = (i: number) => recordSignIn({ stats }, 'bench-tenant', results[i % CUSTOMERS]!, context, { signedUpAt, completesSignUp: false });
  // Warmed up first, as a server is: the optimiser has seen this code before the timing starts.
  for (let i = 0; i < CUSTOMERS; i += 1) signIn(i);
  const started = performance.now();
  for (let i = 0; i < SIGN_INS; i += 1) signIn(i);
  return { microsPerSignIn: ((performance.now() - started) * 1000) / SIGN_INS, signIns: SIGN_INS };
}
