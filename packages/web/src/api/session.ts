// The signed-in session: the API token and its user, kept in sessionStorage (gone with the tab,
// never in a URL or a cookie), the sign-in calls (password, one-time link), sign-out, and the
// "signed out because …" reason the sign-in page shows after a 401.
import { inviteLinkSchema, sessionSchema } from '@oec/shared';
import type { InviteLink, Session } from '@oec/shared';

const KEY = 'oec.session';
const REASON_KEY = 'oec.signout-reason';
type Listener = (s: Session | null) => void;
const listeners = new Set<Listener>();

export function currentSession(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    const parsed = sessionSchema.safeParse(JSON.parse(raw));
    if (parsed.success && Date.parse(parsed.data.expires_at) > Date.now()) return parsed.data;
  } catch {
    // corrupt: treated as signed out
  }
  sessionStorage.removeItem(KEY);
  return null;
}

export function onSessionChange(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function setSession(s: Session | null): void {
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
  for (const fn of listeners) fn(s);
}

export function authHeader(): Record<string, string> {
  const s = currentSession();
  return s ? { authorization: `Bearer ${s.token}` } : {};
}

export class SignInError extends Error {}

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await fetch(`/api/v1/auth/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const message =
      typeof json === 'object' && json !== null && 'error' in json && typeof json.error === 'object' && json.error !== null && 'message' in json.error
        ? String(json.error.message)
        : `Sign-in failed (${res.status})`;
    throw new SignInError(message);
  }
  return json;
}

export async function signIn(email: string, password: string): Promise<Session> {
  const session = sessionSchema.parse(await post('login', { email, password }));
  setSession(session);
  return session;
}

export async function signInWithLink(token: string): Promise<Session> {
  const session = sessionSchema.parse(await post('link', { token }));
  setSession(session);
  return session;
}

export async function setOwnPassword(password: string, currentPassword?: string): Promise<void> {
  await post('password', { password, ...(currentPassword ? { current_password: currentPassword } : {}) }, authHeader());
  const s = currentSession();
  if (s) setSession({ ...s, user: { ...s.user, has_password: true } });
}

/** An admin's one-time sign-in link for a member without a password (shown once). */
export async function inviteMember(organizationId: string, email: string): Promise<InviteLink> {
  return inviteLinkSchema.parse(await post('invite', { organization_id: organizationId, email }, authHeader()));
}

export function signOut(reason?: string): void {
  if (reason) sessionStorage.setItem(REASON_KEY, reason);
  void fetch('/api/v1/auth/logout', { method: 'POST' }).catch(() => undefined);
  setSession(null);
}

/** The reason of the last forced sign-out, read once. */
export function takeSignOutReason(): string | null {
  const r = sessionStorage.getItem(REASON_KEY);
  sessionStorage.removeItem(REASON_KEY);
  return r;
}
