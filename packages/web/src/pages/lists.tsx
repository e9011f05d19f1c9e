// Organizations → projects, and the servers list (status, free disk, agent).
import { Link, Loading, ErrorNote, StatusBadge } from '../components/ui.js';
import { useOrganization, useOrganizations, useProjects, useServers } from '../api/queries.js';
import { errorInfo } from '../api/trpc.js';
import { formatBytes, formatTime } from '../logic/format.js';
import { MembersSection } from './members.js';

export function OrganizationsPage() {
  const orgs = useOrganizations();
  if (orgs.isPending) return <Loading what="organizations" />;
  if (orgs.error) return <ErrorNote error={errorInfo(orgs.error)} />;
  return (
    <section>
      <h1>Organizations</h1>
      {orgs.data.items.length === 0 && <p className="muted">You are not a member of any organization yet.</p>}
      <ul className="cards">
        {orgs.data.items.map((o) => (
          <li key={o.id} className="card">
            <Link to={`/organizations/${o.id}`} className="card-title">
              {o.name}
            </Link>
            <div className="muted small">Your role: {o.role ?? 'platform admin'}</div>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function OrganizationPage({ id }: { id: string }) {
  const org = useOrganization(id);
  const projects = useProjects(id);
  return (
    <section>
      <nav className="crumbs">
        <Link to="/">Organizations</Link> / <span>{org.data?.name ?? '…'}</span>
      </nav>
      <h1>{org.data?.name ?? 'Organization'}: projects</h1>
      {projects.isPending && <Loading what="projects" />}
      {projects.error && <ErrorNote error={errorInfo(projects.error)} />}
      <ul className="cards">
        {projects.data?.items.map((p) => (
          <li key={p.id} className="card">
            <Link to={`/projects/${p.id}`} className="card-title">
              {p.name}
            </Link>
            <div className="muted small">{p.repository_url ?? 'no repository'}</div>
          </li>
        ))}
      </ul>
      <p>
        <Link to="/servers">Servers of your organizations →</Link>
      </p>
      {org.data && <MembersSection org={org.data} />}
    </section>
  );
}

export function ServersPage() {
  const servers = useServers();
  const orgs = useOrganizations();
  const orgName = new Map(orgs.data?.items.map((o) => [o.id, o.name]) ?? []);
  return (
    <section>
      <h1>Servers</h1>
      {servers.isPending && <Loading what="servers" />}
      {servers.error && <ErrorNote error={errorInfo(servers.error)} />}
      {servers.data && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Status</th>
                <th>Organization</th>
                <th>Free disk</th>
                <th>Runtime</th>
                <th>PostgreSQL</th>
                <th>Instant clones</th>
                <th>Last seen</th>
              </tr>
            </thead>
            <tbody>
              {servers.data.items.map((s) => (
                <tr key={s.id}>
                  <td data-label="Name">{s.name}</td>
                  <td data-label="Status">
                    <StatusBadge status={s.status} />
                  </td>
                  <td data-label="Organization">{orgName.get(s.organization_id) ?? '—'}</td>
                  <td data-label="Free disk">{s.disk ? `Available: ${formatBytes(s.disk.free_bytes)} / ${formatBytes(s.disk.total_bytes)}` : '—'}</td>
                  <td data-label="Runtime">{s.facts?.runtime ?? '—'}</td>
                  <td data-label="PostgreSQL">{s.facts?.pg_version ?? '—'}</td>
                  <td data-label="Instant clones" title={s.facts?.cow?.reason ?? 'not reported'}>
                    {s.facts?.cow ? (s.facts.cow.available ? `available (${s.facts.cow.filesystem ?? 'reflink'}${s.facts.cow.filestore_snapshots ? ', filestores snapshotted whole' : ''})` : 'not available') : '—'}
                  </td>
                  <td data-label="Last seen">{formatTime(s.last_seen_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
