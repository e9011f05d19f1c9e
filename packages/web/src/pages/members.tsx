// An organization's members, and for its admins an invitation link per member who has no
// password yet (shown once, valid 24 h): the member opens it, is signed in, and sets a password
// under Account.
import { useState } from 'react';
import { Permission, ROLE_PERMISSIONS } from '@oec/shared';
import type { Organization } from '@oec/shared';
import { useMembers } from '../api/queries.js';
import { SignInError, currentSession, inviteMember } from '../api/session.js';
import { errorInfo } from '../api/trpc.js';
import { ErrorNote, Loading } from '../components/ui.js';

export function MembersSection({ org }: { org: Organization }) {
  const members = useMembers(org.id);
  const [links, setLinks] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const canInvite = !!currentSession()?.user.is_platform_admin || (!!org.role && ROLE_PERMISSIONS[org.role].includes(Permission.MEMBERS_MANAGE));
  const invite = (email: string) => {
    inviteMember(org.id, email).then(
      (link) => setLinks((l) => ({ ...l, [email]: `${location.origin}/sign-in#link=${link.token}` })),
      (err: unknown) => setErrors((e) => ({ ...e, [email]: err instanceof SignInError ? err.message : 'Could not create the link' })),
    );
  };
  return (
    <section className="members">
      <h2>Members</h2>
      {members.isPending && <Loading what="members" />}
      {members.error && <ErrorNote error={errorInfo(members.error)} />}
      {members.data && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Email</th>
                <th>Role</th>
                {canInvite && <th>Sign-in link</th>}
              </tr>
            </thead>
            <tbody>
              {members.data.items
                .filter((m) => m.active)
                .map((m) => (
                  <tr key={m.user_id}>
                    <td data-label="Email">{m.email}</td>
                    <td data-label="Role">{m.role}</td>
                    {canInvite && (
                      <td data-label="Sign-in link">
                        {links[m.email] ? (
                          <label className="field">
                            <span className="sr-only">Sign-in link for {m.email}</span>
                            <input readOnly value={links[m.email]} onFocus={(e) => e.target.select()} />
                            <span className="muted small">Shown once, valid 24 h, single use.</span>
                          </label>
                        ) : (
                          <button type="button" className="button small" onClick={() => invite(m.email)}>
                            Invite link for {m.email}
                          </button>
                        )}
                        {errors[m.email] && <div className="field-error">{errors[m.email]}</div>}
                      </td>
                    )}
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
