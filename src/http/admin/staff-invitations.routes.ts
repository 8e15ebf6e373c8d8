// /staff-invitations: owners (`staff:write`) invite staff by email with a role, list the invitations
// not accepted yet, resend one (a new link), withdraw one. The use cases are
// domain/admin/staff-invitations.ts; the invitee accepts on the admin tenant's page
// (staff-invitation.page.ts). The link is never in an answer: it goes to the invited inbox only.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { STAFF_ROLES } from '../../domain/admin/scopes.ts';
import type { StaffRole } from '../../domain/admin/scopes.ts';
import type { StaffInvitation } from '../../domain/admin/staff-invitation.port.ts';
import { getInvitation, invitationState, inviteStaff, listInvitations, resendInvitation, revokeInvitation } from '../../domain/admin/staff-invitations.ts';
import { LOCALES } from '../../i18n/locales.ts';
import type { Locale } from '../../i18n/locales.ts';
import type { AdminRouteDeps } from './route-deps.ts';
import { actorOf } from './principal.ts';
import { CONFLICT, IDEMPOTENCY_HEADERS, IDEMPOTENCY_PROBLEMS, NO_CONTENT, PAGE_QUERY, decodeCursor, etagOf, iso, listOf, pageOf, withEtag } from './conventions.ts';

const TAGS = ['staff'];

const INVITATION = {
  $id: 'StaffInvitation',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'email', 'role', 'state', 'invited_by', 'created_at', 'sent_at', 'expires_at'],
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    role: { type: 'string', enum: STAFF_ROLES },
    state: { type: 'string', enum: ['pending', 'expired'], description: 'pending: the link works until expires_at; expired: resend it for a new link.' },
    invited_by: { type: ['string', 'null'], description: 'The staff member or admin client who invited.' },
    created_at: { type: 'string', format: 'date-time' },
    sent_at: { type: 'string', format: 'date-time', description: 'When the last email went out.' },
    expires_at: { type: 'string', format: 'date-time' },
  },
} as const;

const ID_PARAMS = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } } as const;
const LOCALE = { type: 'string', enum: LOCALES, description: 'The language of the email (default: English).' } as const;

function invitationView(invitation: StaffInvitation, now = Date.now()) {
  return {
    id: invitation.id,
    email: invitation.email,
    role: invitation.role,
    state: invitationState(invitation, now),
    invited_by: invitation.invitedBy,
    created_at: iso(invitation.createdAt),
    sent_at: iso(invitation.sentAt),
    expires_at: iso(invitation.expiresAt),
  };
}

export async function staffInvitationRoutes(app: FastifyInstance, deps: AdminRouteDeps): Promise<void> {
  app.addSchema(INVITATION);
  const invitation = { $ref: 'StaffInvitation#' } as const;
  const adminTenant = deps.adminTenant;
  const invitationDeps = { transaction: deps.transaction, publicUrl: deps.publicUrl };
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

  app.get('/staff-invitations', {
    schema: {
      operationId: 'listStaffInvitations',
      tags: TAGS,
      summary: 'List the invitations not accepted or withdrawn yet, newest first',
      querystring: { type: 'object', additionalProperties: false, properties: PAGE_QUERY },
      response: { 200: listOf(invitation, 'A page of invitations.') },
    },
    config: { adminScope: 'staff:write' },
  }, async (request) => {
    const { limit, cursor } = request.query as { limit: number; cursor?: string };
    const after = decodeCursor(cursor, ['string'])?.[0] as string | undefined;
    const rows = await listInvitations(deps.stores, adminTenant.id, { limit: limit + 1, after });
    const now = Date.now();
    return pageOf(rows, limit, (row) => [row.id], (row) => invitationView(row, now));
  });

  app.post('/staff-invitations', {
    schema: {
      operationId: 'createStaffInvitation',
      tags: TAGS,
      summary: 'Invite someone to the staff: an email with a link, valid a week, to choose a password',
      headers: IDEMPOTENCY_HEADERS,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['email', 'role'],
        properties: { email: { type: 'string', minLength: 3, maxLength: 254 }, role: { type: 'string', enum: STAFF_ROLES }, locale: LOCALE },
      },
      response: { 201: invitation, ...CONFLICT, ...IDEMPOTENCY_PROBLEMS },
    },
    config: { adminScope: 'staff:write', idempotent: true },
  }, async (request, reply) => {
    const body = request.body as { email: string; role: StaffRole; locale?: Locale };
    const created = invitationView(await inviteStaff(invitationDeps, adminTenant, { email: body.email, role: body.role, locale: body.locale ?? 'en' }, actorOf(request)));
    reply.code(201).header('location', `${deps.baseUrl}/staff-invitations/${created.id}`).header('etag', etagOf(created));
    return created;
  });

  app.get('/staff-invitations/:id', {
    schema: { operationId: 'getStaffInvitation', tags: TAGS, summary: 'Read an invitation not accepted or withdrawn yet', params: ID_PARAMS, response: { 200: invitation } },
    config: { adminScope: 'staff:write' },
  }, async (request, reply) => withEtag(reply, invitationView(await getInvitation(deps.stores, adminTenant.id, idOf(request)))));

  app.post('/staff-invitations/:id/resend', {
    schema: {
      operationId: 'resendStaffInvitation',
      tags: TAGS,
      summary: 'Send the invitation again with a new link, valid a week (the earlier link stops working)',
      params: ID_PARAMS,
      body: { type: ['object', 'null'], additionalProperties: false, properties: { locale: LOCALE } },
      response: { 200: invitation },
    },
    config: { adminScope: 'staff:write' },
  }, async (request, reply) => {
    const locale = (request.body as { locale?: Locale } | null | undefined)?.locale ?? 'en';
    return withEtag(reply, invitationView(await resendInvitation(invitationDeps, adminTenant, idOf(request), locale, actorOf(request))));
  });

  app.delete('/staff-invitations/:id', {
    schema: { operationId: 'deleteStaffInvitation', tags: TAGS, summary: 'Withdraw an invitation: its link stops working', params: ID_PARAMS, response: { ...NO_CONTENT } },
    config: { adminScope: 'staff:write' },
  }, async (request, reply) => {
    await revokeInvitation(invitationDeps, adminTenant.id, idOf(request), actorOf(request));
    return reply.code(204).send();
  });
}
