// Staff (owners only, `staff:write`): invite someone by email with a role (they choose their own
// password from the emailed link), see the invitations not accepted yet and resend or withdraw
// them; or add a staff member with a first password; change a role; remove someone. The API keeps
// the last owner an owner.
import { useState } from 'react';
import type { FormEvent } from 'react';
import type { Page } from '../api.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../session.tsx';
import { Loaded, useLoad } from '../load.tsx';
import { ApiProblem } from './customers.tsx';

type Role = 'owner' | 'admin' | 'support' | 'analyst';
type Member = { id: string; email: string; role: Role; status: string; created_at: string };
type Invitation = { id: string; email: string; role: Role; state: 'pending' | 'expired'; sent_at: string; expires_at: string };
const ROLES: Role[] = ['owner', 'admin', 'support', 'analyst'];

export default function StaffPage() {
  const { t, date, language } = useI18n();
  const { api, caller } = useSession();
  const staff = useLoad(() => api.get<Page<Member>>('/staff?limit=200'), []);
  const invitations = useLoad(() => api.get<Page<Invitation>>('/staff-invitations?limit=200'), []);
  const [inviteEmail, setInviteEmail] = useState('');
  const [inviteRole, setInviteRole] = useState<Role>('support');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('support');
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState('');
  const run = (promise: Promise<unknown>, message: string) => {
    setError(undefined);
    promise.then(() => { setNotice(message); staff.reload(); invitations.reload(); }, setError);
  };
  const invite = (event: FormEvent) => {
    event.preventDefault();
    // The email goes out in the language the owner is using the console in.
    run(api.send('POST', '/staff-invitations', { email: inviteEmail, role: inviteRole, locale: language }, { 'idempotency-key': crypto.randomUUID() }).then(() => setInviteEmail('')), t('staff.invited', { email: inviteEmail }));
  };
  const add = (event: FormEvent) => {
    event.preventDefault();
    run(api.send('POST', '/staff', { email, password, role }, { 'idempotency-key': crypto.randomUUID() }).then(() => { setEmail(''); setPassword(''); }), t('staff.added', { email }));
  };
  return (
    <section>
      <h1>{t('staff.heading')}</h1>
      <p className="notice-line" role="status">{notice}</p>
      {error !== undefined && <ApiProblem error={error} />}
      <Loaded load={staff}>
        {(page) => (
          <table>
            <thead><tr><th scope="col">{t('customers.email')}</th><th scope="col">{t('staff.role')}</th><th scope="col">{t('customers.created')}</th><th scope="col"><span className="visually-hidden">{t('customers.actions')}</span></th></tr></thead>
            <tbody>
              {page.items.map((member) => (
                <tr key={member.id}>
                  <td>{member.email}</td>
                  <td>
                    <label className="visually-hidden" htmlFor={`role-${member.id}`}>{t('staff.role_of', { email: member.email })}</label>
                    <select id={`role-${member.id}`} value={member.role} onChange={(event) => run(api.send('PATCH', `/staff/${encodeURIComponent(member.id)}`, { role: event.target.value }), t('staff.role_changed', { email: member.email }))}>
                      {ROLES.map((entry) => <option key={entry} value={entry}>{t(`role.${entry}`)}</option>)}
                    </select>
                  </td>
                  <td>{date(member.created_at)}</td>
                  <td>{member.id !== caller.id && <button type="button" className="danger" aria-label={t('staff.remove_named', { email: member.email })} onClick={() => { if (window.confirm(t('staff.remove_confirm', { email: member.email }))) run(api.send('DELETE', `/staff/${encodeURIComponent(member.id)}`), t('staff.removed', { email: member.email })); }}>{t('staff.remove')}</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
      <h2>{t('staff.invite_heading')}</h2>
      <p className="hint">{t('staff.invite_intro')}</p>
      <form onSubmit={invite}>
        <div className="field"><label htmlFor="invite-email">{t('staff.invite_email')}</label><input id="invite-email" type="email" value={inviteEmail} onChange={(event) => setInviteEmail(event.target.value)} required autoComplete="off" /></div>
        <div className="field">
          <label htmlFor="invite-role">{t('staff.invite_role')}</label>
          <select id="invite-role" value={inviteRole} onChange={(event) => setInviteRole(event.target.value as Role)}>{ROLES.map((entry) => <option key={entry} value={entry}>{t(`role.${entry}`)}</option>)}</select>
        </div>
        <button type="submit" className="primary">{t('staff.invite')}</button>
      </form>
      <h2>{t('staff.pending_heading')}</h2>
      <Loaded load={invitations} empty={(page) => page.items.length === 0} emptyText={t('staff.pending_none')}>
        {(page) => (
          <table data-invitations="">
            <thead><tr><th scope="col">{t('customers.email')}</th><th scope="col">{t('staff.role')}</th><th scope="col">{t('staff.pending_state')}</th><th scope="col"><span className="visually-hidden">{t('customers.actions')}</span></th></tr></thead>
            <tbody>
              {page.items.map((invitation) => (
                <tr key={invitation.id} data-invitation={invitation.email}>
                  <td>{invitation.email}</td>
                  <td>{t(`role.${invitation.role}`)}</td>
                  <td>{invitation.state === 'pending' ? t('staff.pending_until', { date: date(invitation.expires_at) }) : t('staff.pending_expired')}</td>
                  <td className="actions">
                    <button type="button" aria-label={t('staff.resend_named', { email: invitation.email })} onClick={() => run(api.send('POST', `/staff-invitations/${encodeURIComponent(invitation.id)}/resend`, { locale: language }), t('staff.resent', { email: invitation.email }))}>{t('staff.resend')}</button>
                    <button type="button" className="danger" aria-label={t('staff.withdraw_named', { email: invitation.email })} onClick={() => { if (window.confirm(t('staff.withdraw_confirm', { email: invitation.email }))) run(api.send('DELETE', `/staff-invitations/${encodeURIComponent(invitation.id)}`), t('staff.withdrawn', { email: invitation.email })); }}>{t('staff.withdraw')}</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
      <h2>{t('staff.add')}</h2>
      <form onSubmit={add}>
        <div className="field"><label htmlFor="staff-email">{t('customers.email')}</label><input id="staff-email" type="email" value={email} onChange={(event) => setEmail(event.target.value)} required autoComplete="off" /></div>
        <div className="field">
          <label htmlFor="staff-password">{t('staff.password')}</label>
          <input id="staff-password" type="password" value={password} onChange={(event) => setPassword(event.target.value)} required autoComplete="new-password" aria-describedby="staff-password-hint" />
          <span className="hint" id="staff-password-hint">{t('staff.password_hint')}</span>
        </div>
        <div className="field">
          <label htmlFor="staff-role">{t('staff.role')}</label>
          <select id="staff-role" value={role} onChange={(event) => setRole(event.target.value as Role)}>{ROLES.map((entry) => <option key={entry} value={entry}>{t(`role.${entry}`)}</option>)}</select>
        </div>
        <button type="submit" className="primary">{t('staff.add')}</button>
      </form>
    </section>
  );
}
