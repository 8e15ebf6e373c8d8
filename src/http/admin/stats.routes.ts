// /tenants/{tenant}/stats/…: statistics for dashboards (ADR 0022), read with `stats:read`. Each
// route parses the period (`from`, `to`: UTC days, at most 90), calls one query use case of
// domain/stats, and answers a dense daily series: every day of the period, zeros included.
// Figures come from aggregates that hold no personal data; they lag the traffic by one flush
// (about 10 s) and active customers are estimates within `relative_standard_error`.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { activeCustomers, failuresPerDay, MAX_PERIOD_DAYS, periodOf, signInsPerDay, signUpFunnel, signUpsPerDay } from '../../domain/stats/stats.service.ts';
import { RELATIVE_STANDARD_ERROR } from '../../domain/stats/hyperloglog.ts';
import { TENANT_PARAM } from './conventions.ts';
import { tenantOf } from './principal.ts';
import type { AdminRouteDeps } from './route-deps.ts';

const day = { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'A UTC day, YYYY-MM-DD.' } as const;
const PERIOD_QUERY = {
  from: { ...day, description: `The first day (UTC, YYYY-MM-DD); by default 29 days before \`to\`. At most ${MAX_PERIOD_DAYS} days in all.` },
  to: { ...day, description: 'The last day (UTC, YYYY-MM-DD), included; by default today.' },
} as const;
const count = { type: 'integer', minimum: 0 } as const;

/** A period's answer: its days, and the series. */
function seriesOf(description: string, point: { readonly required: readonly string[]; readonly properties: Record<string, unknown> }, extra: Record<string, unknown> = {}) {
  return {
    description,
    type: 'object',
    required: ['from', 'to', 'days', ...Object.keys(extra)],
    additionalProperties: false,
    properties: {
      from: day,
      to: day,
      ...extra,
      days: { type: 'array', items: { type: 'object', required: ['day', ...point.required], additionalProperties: false, properties: { day, ...point.properties } } },
    },
  } as const;
}

const params = { type: 'object', required: ['tenant'], additionalProperties: false, properties: TENANT_PARAM } as const;
const periodQuery = (more: Record<string, unknown> = {}) => ({ type: 'object', additionalProperties: false, properties: { ...PERIOD_QUERY, ...more } }) as const;
const config = { adminScope: 'stats:read' } as const;
const tags = ['stats'];

export async function statsRoutes(app: FastifyInstance, { stores }: AdminRouteDeps): Promise<void> {
  const deps = { stats: stores.stats };
  const period = (request: FastifyRequest) => periodOf(request.query as { from?: string; to?: string }, Date.now());

  app.get('/tenants/:tenant/stats/sign-ups', {
    config,
    schema: {
      operationId: 'getSignUpStats',
      tags,
      summary: 'New accounts per day',
      params,
      querystring: periodQuery(),
      response: { 200: seriesOf('New accounts per day (sign-ups whose form was accepted with a new address).', { required: ['count'], properties: { count } }) },
    },
  }, async (request) => {
    const asked = period(request);
    return { ...asked, days: await signUpsPerDay(deps, tenantOf(request).id, asked) };
  });

  app.get('/tenants/:tenant/stats/sign-ins', {
    config,
    schema: {
      operationId: 'getSignInStats',
      tags,
      summary: 'Completed sign-ins per day, by method or application',
      params,
      querystring: periodQuery({ by: { type: 'string', enum: ['method', 'application'], description: 'Split each day’s count by sign-in method or by application (client id; "" for the JSON flows API).' } }),
      response: {
        200: seriesOf('Completed sign-ins per day; with `by`, each day’s split.', { required: ['count'], properties: { count, by: { type: 'object', additionalProperties: count } } }),
      },
    },
  }, async (request) => {
    const asked = period(request);
    const { by } = request.query as { by?: 'method' | 'application' };
    return { ...asked, days: await signInsPerDay(deps, tenantOf(request).id, asked, by) };
  });

  app.get('/tenants/:tenant/stats/failures', {
    config,
    schema: {
      operationId: 'getSignInFailureStats',
      tags,
      summary: 'Refused sign-ins per day',
      params,
      querystring: periodQuery(),
      response: {
        200: seriesOf('Sign-ins refused per day: wrong credentials or a blocked account (`failed`), and attempts the throttle refused (`throttled`).', { required: ['failed', 'throttled'], properties: { failed: count, throttled: count } }),
      },
    },
  }, async (request) => {
    const asked = period(request);
    return { ...asked, days: await failuresPerDay(deps, tenantOf(request).id, asked) };
  });

  app.get('/tenants/:tenant/stats/active', {
    config,
    schema: {
      operationId: 'getActiveCustomerStats',
      tags,
      summary: 'Active customers: daily, weekly, monthly',
      params,
      querystring: periodQuery({ window: { type: 'string', enum: ['day', 'week', 'month'], default: 'day', description: 'Customers who signed in during the day, or the 7 or 30 days ending on it.' } }),
      response: {
        200: seriesOf(
          'Distinct customers who signed in during the window ending on each day: estimates (HyperLogLog), within `relative_standard_error`.',
          { required: ['customers'], properties: { customers: count } },
          { window: { type: 'string', enum: ['day', 'week', 'month'] }, relative_standard_error: { type: 'number', description: 'About 95 % of estimates are within twice this of the true count.' } },
        ),
      },
    },
  }, async (request) => {
    const asked = period(request);
    const { window } = request.query as { window: 'day' | 'week' | 'month' };
    return { ...asked, window, relative_standard_error: RELATIVE_STANDARD_ERROR, days: await activeCustomers(deps, tenantOf(request).id, asked, window) };
  });

  app.get('/tenants/:tenant/stats/funnel', {
    config,
    schema: {
      operationId: 'getSignUpFunnelStats',
      tags,
      summary: 'The sign-up funnel per day, of one application or all',
      params,
      querystring: periodQuery({ application: { type: 'string', maxLength: 200, description: 'An application’s client id ("" for the JSON flows API); all applications when absent.' } }),
      response: {
        200: seriesOf(
          'Per day: sign-up forms shown, submitted, addresses verified (each on the day it happened), and sign-ups whose customer signed in again within 30 days (on the day of the sign-up).',
          { required: ['viewed', 'submitted', 'verified', 'returned'], properties: { viewed: count, submitted: count, verified: count, returned: count } },
          { application: { type: ['string', 'null'] } },
        ),
      },
    },
  }, async (request) => {
    const asked = period(request);
    const { application } = request.query as { application?: string };
    return { ...asked, application: application ?? null, days: await signUpFunnel(deps, tenantOf(request).id, asked, application) };
  });
}
