// Sign-in: email and password, or a one-time link (`/sign-in#link=<token>`, exchanged once and
// wiped from the address bar at once). Shows why the user was signed out, if they were.
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { SignInError, signIn, signInWithLink, takeSignOutReason } from '../api/session.js';
import { navigate } from '../router.js';

export function SignInPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice] = useState(() => takeSignOutReason());
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    // On load, and when a link is pasted into the address bar of this page (only the hash changes).
    const consume = () => {
      const m = /(?:^#|&)link=([\w-]+)/.exec(location.hash);
      if (!m?.[1]) return;
      history.replaceState(null, '', '/sign-in');
      setBusy(true);
      setError(null);
      signInWithLink(m[1]).then(
        () => navigate('/', true),
        (err: unknown) => {
          setBusy(false);
          setError(err instanceof SignInError ? err.message : 'The sign-in link could not be used');
        },
      );
    };
    consume();
    window.addEventListener('hashchange', consume);
    return () => window.removeEventListener('hashchange', consume);
  }, []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    signIn(email, password).then(
      () => navigate('/', true),
      (err: unknown) => {
        setBusy(false);
        setError(err instanceof SignInError ? err.message : 'Sign-in failed');
      },
    );
  };

  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit}>
        <h1>Sign in to OEC</h1>
        <p className="muted">Odoo environments: clone, sanitize, promote.</p>
        {notice && <div className="banner banner-orange">{notice}</div>}
        {error && (
          <div className="banner banner-red" role="alert">
            {error}
          </div>
        )}
        <label className="field">
          <span className="field-label">Email</span>
          <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="username" required />
        </label>
        <label className="field">
          <span className="field-label">Password</span>
          <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" required />
        </label>
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">No password yet? Ask an administrator for a one-time sign-in link.</p>
      </form>
    </main>
  );
}
