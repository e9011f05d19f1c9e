// The signed-in user's account: set (or change) the dashboard password — how a member invited
// by email, who signed in with a one-time link, gets a password.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { PASSWORD_MIN_LENGTH } from '@oec/shared';
import { SignInError, currentSession, setOwnPassword } from '../api/session.js';
import { useToasts } from '../components/toasts.js';

export function AccountPage() {
  const session = currentSession();
  const toasts = useToasts();
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<string | null>(null);
  const hasPassword = session?.user.has_password ?? false;
  const problem =
    password.length < PASSWORD_MIN_LENGTH ? `At least ${PASSWORD_MIN_LENGTH} characters` : password !== repeat ? 'The two passwords differ' : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setOwnPassword(password, hasPassword ? current : undefined).then(
      () => {
        setCurrent('');
        setPassword('');
        setRepeat('');
        toasts.show('green', 'Password saved');
      },
      (err: unknown) => setError(err instanceof SignInError ? err.message : 'Could not save the password'),
    );
  };
  return (
    <section>
      <h1>Account</h1>
      <p>
        Signed in as <strong>{session?.user.email}</strong>
      </p>
      <form className="card narrow stack" onSubmit={submit}>
        <h2>{hasPassword ? 'Change password' : 'Set a password'}</h2>
        {error && (
          <div className="banner banner-red" role="alert">
            {error}
          </div>
        )}
        {hasPassword && (
          <label className="field">
            <span className="field-label">Current password</span>
            <input type="password" value={current} onChange={(e) => setCurrent(e.target.value)} autoComplete="current-password" />
          </label>
        )}
        <label className="field">
          <span className="field-label">New password</span>
          <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" />
        </label>
        <label className="field">
          <span className="field-label">Repeat new password</span>
          <input type="password" value={repeat} onChange={(e) => setRepeat(e.target.value)} autoComplete="new-password" />
          {password && problem && <span className="field-error">{problem}</span>}
        </label>
        <button type="submit" className="button primary" disabled={!!problem}>
          Save password
        </button>
      </form>
    </section>
  );
}
