// The bench's scenarios against one running server: what each one sends, at what concurrency, and
// how it checks that every answer was a success. Each returns its figures together with the CPU the
// server and the load generator used meanwhile, which says who was the bottleneck.
import type { ServerProcess } from './server-process.ts';
import { startBareOidcServer, startBarePageServer } from './bare-page.ts';
import type { HttpClient } from './http-client.ts';
import { createHttpClient } from './http-client.ts';
import type { Seed } from './seed.ts';
import type { Tokens } from './hosted-sign-in.ts';
import { basicAuthorization, exchangeCode, openInteraction, refresh, signInThroughHostedPages, signInWithPasskey, signInWithTotp } from './hosted-sign-in.ts';
import { totpCodeAt } from './seed.ts';
import { runLoad } from './load-loop.ts';
import { machineCpuBetween, readMachineCpu } from './machine-cpu.ts';
import { runPaced } from './paced-load.ts';
import { replayFixedRequest } from './autocannon-run.ts';
import type { FixedRequestResult } from './autocannon-run.ts';
import type { ScenarioName, ScenarioResult } from './report.ts';

export type Timing = { readonly warmupSeconds: number; readonly durationSeconds: number };

export type ScenarioContext = {
  readonly server: ServerProcess;
  readonly http: HttpClient;
  readonly seed: Seed;
  readonly timing: Timing;
  /** Access and refresh tokens of signed-in customers, made once and shared by the token scenarios. */
  tokens(): Promise<Tokens[]>;
};

export const CONCURRENCY = {
  signIn: 64,
  refresh: 32,
  fixedRequests: 64,
  signInPage: 200,
} as const;

/** Complete password sign-ins through the hosted pages, each in a fresh browser, each ending with a code. */
export function signIns(context: ScenarioContext): Promise<ScenarioResult> {
  const { seed, http, timing } = context;
  return measured(context, 'sign-in', 'custom loop', CONCURRENCY.signIn, () =>
    runLoad({
      users: CONCURRENCY.signIn,
      warmupMs: timing.warmupSeconds * 1000,
      durationMs: timing.durationSeconds * 1000,
      // One account and one address per virtual customer: throttle rows do not contend between them.
      iteration: async (user) => void (await signInThroughHostedPages(http, seed.web, seed.accounts[user % seed.accounts.length]!, { scope: 'openid email', address: customerAddress(user) })),
    }),
  );
}

/**
 * Complete passkey sign-ins through the hosted pages (issue 17): the page's challenge signed by the
 * bench's software authenticator, the assertion verified by the server. One customer, passkey and
 * address per virtual customer, as for password sign-ins.
 */
export function passkeySignIns(context: ScenarioContext): Promise<ScenarioResult> {
  const { seed, http, timing, server } = context;
  const origin = new URL(server.publicUrl).origin;
  return measured(context, 'passkey-sign-in', 'custom loop', CONCURRENCY.signIn, () =>
    runLoad({
      users: CONCURRENCY.signIn,
      warmupMs: timing.warmupSeconds * 1000,
      durationMs: timing.durationSeconds * 1000,
      // A virtual customer signs in once at a time, so its passkey's counter only goes up.
      iteration: async (user) => void (await signInWithPasskey(http, seed.web, seed.passkeys[user % seed.passkeys.length]!, origin, { scope: 'openid email', address: customerAddress(user) })),
    }),
  );
}

/**
 * Password sign-ins with an authenticator app's code as the second factor (the application asks
 * for the MFA class). A code works once per account and 30-second step (the current one or the
 * next), so each virtual customer cycles through its own share of the seeded accounts and waits for
 * the next step when every one of them has used both: the rate is capped at 2 × accounts / 30 s.
 */
export function totpSignIns(context: ScenarioContext): Promise<ScenarioResult> {
  const { seed, http, timing } = context;
  const shares = Array.from({ length: CONCURRENCY.signIn }, (_, user) => seed.totpAccounts.filter((_, index) => index % CONCURRENCY.signIn === user));
  const nextAccount = async (user: number) => {
    for (;;) {
      const step = Math.floor(Date.now() / 30_000);
      const account = shares[user]!.find((candidate) => candidate.lastStep <= step);
      if (account) {
        account.lastStep = Math.max(step, account.lastStep + 1);
        return { account, step: account.lastStep };
      }
      await new Promise((resolve) => setTimeout(resolve, (step + 1) * 30_000 - Date.now() + 10));
    }
  };
  return measured(context, 'totp-sign-in', 'custom loop', CONCURRENCY.signIn, () =>
    runLoad({
      users: CONCURRENCY.signIn,
      warmupMs: timing.warmupSeconds * 1000,
      durationMs: timing.durationSeconds * 1000,
      iteration: async (user) => {
        const { account, step } = await nextAccount(user);
        await signInWithTotp(http, seed.web, account, () => totpCodeAt(account.secret, step), { scope: 'openid email', address: customerAddress(user) });
      },
    }),
  );
}

/**
 * Password sign-ins through the JSON flows API (what a native app does): a new login flow, then
 * its identifier and password; the answer is the signed-in session. One account and one address
 * per virtual customer, as for the hosted pages.
 */
export function flowsSignIns(context: ScenarioContext): Promise<ScenarioResult> {
  const { seed, http, timing } = context;
  return measured(context, 'flows-sign-in', 'custom loop', CONCURRENCY.signIn, () =>
    runLoad({
      users: CONCURRENCY.signIn,
      warmupMs: timing.warmupSeconds * 1000,
      durationMs: timing.durationSeconds * 1000,
      iteration: async (user) => {
        const account = seed.accounts[user % seed.accounts.length]!;
        const localAddress = customerAddress(user);
        const flow = await http.request('/flows/login', { method: 'POST', json: {}, localAddress });
        if (flow.status !== 201) throw new Error(`a new login flow answered ${flow.status}: ${flow.body.slice(0, 200)}`);
        const { id } = JSON.parse(flow.body) as { id: string };
        const signedIn = await http.request(`/flows/login/${id}`, { method: 'POST', json: { identifier: account.email, password: account.password }, localAddress });
        if (signedIn.status !== 200) throw new Error(`the flow's sign-in answered ${signedIn.status}: ${signedIn.body.slice(0, 200)}`);
      },
    }),
  );
}

/**
 * Bare oidc-provider (bare-oidc-server.ts), the library Foyer's protocol core is, answering the same
 * client-credentials request at the same concurrency right after Foyer: the reference for Foyer's.
 */
export async function bareClientCredentials(context: ScenarioContext): Promise<ScenarioResult> {
  const { timing } = context;
  const bare = await startBareOidcServer('bench-machine', 'bench-machine-secret');
  try {
    return await measured({ ...context, server: { ...context.server, ...bare.cpu } }, 'bare-client-credentials', 'autocannon', CONCURRENCY.fixedRequests, () =>
      replayFixedRequest({
        url: `${bare.url}/token`,
        method: 'POST',
        headers: { authorization: basicAuthorization('bench-machine', 'bench-machine-secret'), 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
        connections: CONCURRENCY.fixedRequests,
        ...timing,
      }),
    );
  } finally {
    await bare.stop();
  }
}

export function clientCredentials(context: ScenarioContext): Promise<ScenarioResult> {
  const { server, seed, timing } = context;
  return measured(context, 'client-credentials', 'autocannon', CONCURRENCY.fixedRequests, () =>
    replayFixedRequest({
      url: `${server.url}/token`,
      method: 'POST',
      headers: { authorization: basicAuthorization(seed.machine.clientId, seed.machine.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
      connections: CONCURRENCY.fixedRequests,
      ...timing,
    }),
  );
}

/** Each virtual user rotates its own refresh token: every token works once, so no fixed request can replay it. */
export async function refreshGrants(context: ScenarioContext): Promise<ScenarioResult> {
  const { seed, http, timing } = context;
  const held = (await context.tokens()).map((tokens) => tokens.refreshToken);
  return measured(context, 'refresh', 'custom loop', held.length, () =>
    runLoad({
      users: held.length,
      warmupMs: timing.warmupSeconds * 1000,
      durationMs: timing.durationSeconds * 1000,
      iteration: async (user) => {
        const current = held[user];
        if (!current) throw new Error('this virtual user holds no refresh token (an earlier refresh failed)');
        held[user] = undefined;
        const next = await refresh(http, seed.web, current);
        if (!next.refreshToken) throw new Error('the refresh grant returned no new refresh token');
        held[user] = next.refreshToken;
      },
    }),
  );
}

export async function userinfo(context: ScenarioContext): Promise<ScenarioResult> {
  const { server, timing } = context;
  const [tokens] = await context.tokens();
  return measured(context, 'userinfo', 'autocannon', CONCURRENCY.fixedRequests, () =>
    replayFixedRequest({ url: `${server.url}/me`, headers: { authorization: `Bearer ${tokens!.accessToken}` }, connections: CONCURRENCY.fixedRequests, ...timing }),
  );
}

export async function introspection(context: ScenarioContext): Promise<ScenarioResult> {
  const { server, seed, timing } = context;
  const [tokens] = await context.tokens();
  return measured(context, 'introspection', 'autocannon', CONCURRENCY.fixedRequests, () =>
    replayFixedRequest({
      url: `${server.url}/token/introspection`,
      method: 'POST',
      headers: { authorization: basicAuthorization(seed.web.clientId, seed.web.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens!.accessToken }).toString(),
      connections: CONCURRENCY.fixedRequests,
      ...timing,
    }),
  );
}

/**
 * The sign-in page of one pending interaction, requested with its interaction cookie by 200
 * connections: what every browser arriving at sign-in waits for. Flat out (closed loop, autocannon)
 * without `rate`; with it, requests start at that rate whatever the answers (open loop), which shows
 * the latency below saturation.
 */
export async function signInPage(context: ScenarioContext, rate?: number): Promise<ScenarioResult> {
  const { server, seed, http, timing } = context;
  const { path, jar } = await openInteraction(http, seed.web, { scope: 'openid email' });
  const first = await http.request(path, { jar });
  if (first.status !== 200) throw new Error(`the sign-in page answered ${first.status}`);
  const headers = { cookie: jar.header() };
  if (rate === undefined) {
    return measured(context, 'sign-in-page', 'autocannon', CONCURRENCY.signInPage, () =>
      replayFixedRequest({ url: `${server.url}${path}`, headers, connections: CONCURRENCY.signInPage, ...timing }),
    );
  }
  return measured(context, 'sign-in-page-paced', 'open loop', CONCURRENCY.signInPage, () =>
    runPaced({
      rate,
      warmupMs: timing.warmupSeconds * 1000,
      durationMs: timing.durationSeconds * 1000,
      request: async () => {
        const page = await http.request(path, { headers });
        if (page.status !== 200) throw new Error(`the sign-in page answered ${page.status}`);
      },
    }),
  );
}

/**
 * The sign-in page's floor: the same bytes and headers as the page, from a bare node:http server
 * (bare-page-server.ts) that does nothing else, at the same concurrency, measured right after it;
 * with `rate`, in an open loop at that rate, as the paced page is (the load generator's own tick
 * shows in both).
 */
export async function barePageFloor(context: ScenarioContext, rate?: number): Promise<ScenarioResult> {
  const { seed, http, timing } = context;
  const { path, jar } = await openInteraction(http, seed.web, { scope: 'openid email' });
  const page = await http.request(path, { jar });
  if (page.status !== 200) throw new Error(`the sign-in page answered ${page.status}`);
  const bare = await startBarePageServer(page.headers, page.bytes);
  const bareContext = { ...context, server: { ...context.server, ...bare.cpu } };
  try {
    if (rate === undefined) {
      return await measured(bareContext, 'bare-page', 'autocannon', CONCURRENCY.signInPage, () =>
        replayFixedRequest({ url: `${bare.url}${path}`, headers: { cookie: jar.header() }, connections: CONCURRENCY.signInPage, ...timing }),
      );
    }
    const bareHttp = createHttpClient(bare.url, CONCURRENCY.signInPage);
    try {
      const headers = { cookie: jar.header() };
      return await measured(bareContext, 'bare-page-paced', 'open loop', CONCURRENCY.signInPage, () =>
        runPaced({
          rate,
          warmupMs: timing.warmupSeconds * 1000,
          durationMs: timing.durationSeconds * 1000,
          request: async () => {
            const answer = await bareHttp.request(path, { headers });
            if (answer.status !== 200) throw new Error(`the bare page answered ${answer.status}`);
          },
        }),
      );
    } finally {
      bareHttp.close();
    }
  } finally {
    await bare.stop();
  }
}

/** Signs `count` customers in once, with offline_access (which needs the consent prompt), and exchanges their codes. */
export async function signedInCustomers(http: HttpClient, seed: Seed, count: number): Promise<Tokens[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const account = seed.accounts[index % seed.accounts.length]!;
      const code = await signInThroughHostedPages(http, seed.web, account, { scope: 'openid email offline_access', prompt: 'consent', address: customerAddress(index) });
      const tokens = await exchangeCode(http, seed.web, code);
      if (!tokens.refreshToken) throw new Error('the code exchange returned no refresh token');
      return tokens;
    }),
  );
}

/** Virtual customer `index` connects from 127.0.0.(10 + index): Linux routes all of 127.0.0.0/8 to loopback. */
export function customerAddress(index: number): string {
  return `127.0.0.${10 + (index % 240)}`;
}

async function measured(
  context: ScenarioContext,
  name: ScenarioName,
  tool: ScenarioResult['tool'],
  concurrency: number,
  run: () => Promise<FixedRequestResult>,
): Promise<ScenarioResult> {
  const serverBefore = context.server.cpuSeconds();
  const generatorBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const window = mainThreadDuringWindow(context);
  const result = await run();
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const generator = process.cpuUsage(generatorBefore);
  return {
    name,
    tool,
    concurrency,
    ...result,
    serverCpu: (context.server.cpuSeconds() - serverBefore) / wallSeconds,
    generatorCpu: (generator.user + generator.system) / 1e6 / wallSeconds,
    mainThreadMsPerAnswer: result.completed > 0 ? (window.cpuSeconds() * 1000) / result.completed : 0,
    // Steal: the share of the window's CPU the hypervisor gave other tenants (report.ts judges by it).
    stealShare: window.machine().stealShare,
  };
}

/**
 * The server's main-thread CPU time over the measured window alone, sampled by timers at the
 * window's start and end: the runners count answers in that window only, and a closed loop still
 * finishes the iterations in flight after it (up to one whole sign-in per virtual customer).
 */
function mainThreadDuringWindow(context: ScenarioContext): { cpuSeconds(): number; machine(): { busySeconds: number; stealShare: number } } {
  const { server, timing } = context;
  let atStart = server.mainThreadCpuSeconds();
  let machineAtStart = readMachineCpu();
  let atEnd: number | undefined;
  let machineAtEnd: ReturnType<typeof readMachineCpu> | undefined;
  const startTimer = setTimeout(() => {
    atStart = server.mainThreadCpuSeconds();
    machineAtStart = readMachineCpu();
  }, timing.warmupSeconds * 1000);
  const endTimer = setTimeout(() => {
    atEnd = server.mainThreadCpuSeconds();
    machineAtEnd = readMachineCpu();
  }, (timing.warmupSeconds + timing.durationSeconds) * 1000);
  const stop = () => {
    clearTimeout(startTimer);
    clearTimeout(endTimer);
  };
  return {
    cpuSeconds() {
      stop();
      return (atEnd ?? server.mainThreadCpuSeconds()) - atStart;
    },
    machine() {
      stop();
      return machineCpuBetween(machineAtStart, machineAtEnd ?? readMachineCpu());
    },
  };
}
