// A tiny history router: the path is the state, links push it, reloads land on the same page
// (the controller answers index.html for any path outside the API).
import { useSyncExternalStore } from 'react';

export type Route =
  | { page: 'sign-in' }
  | { page: 'organizations' }
  | { page: 'organization'; id: string }
  | { page: 'project'; id: string; tab: 'environments' | 'operations' }
  | { page: 'environment-operations'; id: string }
  | { page: 'operation'; id: string }
  | { page: 'servers' }
  | { page: 'account' }
  | { page: 'not-found' };

const UUID = '([0-9a-f-]{36})';

export function parseRoute(path: string): Route {
  const p = path.replace(/\/+$/, '') || '/';
  let m: RegExpExecArray | null;
  if (p === '/') return { page: 'organizations' };
  if (p === '/sign-in') return { page: 'sign-in' };
  if (p === '/servers') return { page: 'servers' };
  if (p === '/account') return { page: 'account' };
  if ((m = new RegExp(`^/organizations/${UUID}$`).exec(p))) return { page: 'organization', id: m[1] ?? '' };
  if ((m = new RegExp(`^/projects/${UUID}(?:/(environments|operations))?$`).exec(p))) {
    return { page: 'project', id: m[1] ?? '', tab: m[2] === 'operations' ? 'operations' : 'environments' };
  }
  if ((m = new RegExp(`^/environments/${UUID}/operations$`).exec(p))) return { page: 'environment-operations', id: m[1] ?? '' };
  if ((m = new RegExp(`^/operations/${UUID}$`).exec(p))) return { page: 'operation', id: m[1] ?? '' };
  return { page: 'not-found' };
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((fn) => fn()));

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.scrollTo(0, 0);
  listeners.forEach((fn) => fn());
}

export function usePath(): string {
  return useSyncExternalStore(
    (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    () => location.pathname,
  );
}
