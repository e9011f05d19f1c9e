// The shell: signed out → the sign-in page; signed in → the header (navigation, user, sign-out)
// and the page of the current path, with the clone progress modal and toasts above everything.
import { useEffect, useSyncExternalStore } from 'react';
import { currentSession, onSessionChange, signOut } from './api/session.js';
import { ActiveOperationProvider } from './clone/progress-modal.js';
import { Link } from './components/ui.js';
import { AccountPage } from './pages/account.js';
import { OrganizationPage, OrganizationsPage, ServersPage } from './pages/lists.js';
import { OperationPage } from './pages/operation.js';
import { EnvironmentOperationsPage, ProjectPage } from './pages/project.js';
import { SignInPage } from './pages/sign-in.js';
import { navigate, parseRoute, usePath } from './router.js';
import type { Route } from './router.js';

function useSession() {
  return useSyncExternalStore(onSessionChange, () => sessionStorage.getItem('oec.session'));
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'organizations':
      return <OrganizationsPage />;
    case 'organization':
      return <OrganizationPage id={route.id} />;
    case 'project':
      return <ProjectPage id={route.id} tab={route.tab} />;
    case 'environment-operations':
      return <EnvironmentOperationsPage id={route.id} />;
    case 'operation':
      return <OperationPage id={route.id} />;
    case 'servers':
      return <ServersPage />;
    case 'account':
      return <AccountPage />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <Link to="/">Back to your organizations</Link>
        </section>
      );
  }
}

export function App() {
  useSession();
  const path = usePath();
  const route = parseRoute(path);
  const session = currentSession();
  useEffect(() => {
    // Signed-in users may still open /sign-in (another account, a new link): no redirect back.
    if (!session && route.page !== 'sign-in') navigate('/sign-in', true);
  }, [session, route.page]);
  if (!session || route.page === 'sign-in') return <SignInPage />;
  return (
    <ActiveOperationProvider>
      <header className="topbar">
        <Link to="/" className="brand">
          OEC
        </Link>
        <nav aria-label="Main">
          <Link to="/">Organizations</Link>
          <Link to="/servers">Servers</Link>
        </nav>
        <div className="topbar-user">
          <Link to="/account" className="muted">
            {session.user.email}
          </Link>
          <button type="button" className="button small" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main className="content">
        <Page route={route} />
      </main>
    </ActiveOperationProvider>
  );
}
