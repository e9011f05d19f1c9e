// A project: the Environments tab (name, type, status, server, domain, size, ⋮ Actions with
// Clone Environment for those allowed to clone; below it the project's custom sanitization rules,
// read-only) and the Operations tab (the project's clones).
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { CloneOperation, Environment } from '@oec/shared';
import { canClone, useEnvironments, useMembers, useOrganization, useProject, useServers } from '../api/queries.js';
import { errorInfo, trpc } from '../api/trpc.js';
import { CloneDialog } from '../clone/clone-dialog.js';
import { useActiveOperation } from '../clone/progress-modal.js';
import { ActionsMenu, Badge, ErrorNote, Link, Loading, StatusBadge, Tabs } from '../components/ui.js';
import { formatDuration, formatTime } from '../logic/format.js';
import { statusBadge } from '../logic/progress.js';
import { navigate } from '../router.js';
import { SanitizationRules } from './project-rules.js';

export function ProjectPage({ id, tab }: { id: string; tab: 'environments' | 'operations' }) {
  const project = useProject(id);
  const orgId = project.data?.organization_id;
  const org = useOrganization(orgId);
  const envs = useEnvironments(project.data?.id);
  const servers = useServers(orgId);
  const active = useActiveOperation();
  const [cloning, setCloning] = useState<Environment | null>(null);
  const allowed = canClone(org.data);
  const serverName = new Map(servers.data?.items.map((s) => [s.id, s.name]) ?? []);

  if (project.error) return <ErrorNote error={errorInfo(project.error)} />;
  return (
    <section>
      <nav className="crumbs">
        <Link to="/">Organizations</Link> / {orgId ? <Link to={`/organizations/${orgId}`}>{org.data?.name ?? '…'}</Link> : '…'} /{' '}
        <span>{project.data?.name ?? '…'}</span>
      </nav>
      <h1>{project.data?.name ?? 'Project'}</h1>
      <Tabs
        label="Project"
        active={tab}
        onChange={(t) => navigate(`/projects/${id}/${t}`)}
        tabs={[
          { key: 'environments', label: 'Environments' },
          { key: 'operations', label: 'Operations' },
        ]}
      />
      {tab === 'environments' ? (
        <>
          {envs.isPending && <Loading what="environments" />}
          {envs.error && <ErrorNote error={errorInfo(envs.error)} />}
          {envs.data && (
            <div className="table-wrap">
              <table className="env-table">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Type</th>
                    <th>Status</th>
                    <th>Server</th>
                    <th>Domain</th>
                    <th>Size</th>
                    <th>
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {envs.data.items.length === 0 && (
                    <tr>
                      <td colSpan={7} className="muted">
                        No environments yet.
                      </td>
                    </tr>
                  )}
                  {envs.data.items.map((e) => (
                    <tr key={e.id} data-environment={e.name}>
                      <td data-label="Name">
                        <strong>{e.name}</strong>
                      </td>
                      <td data-label="Type">{e.type}</td>
                      <td data-label="Status">
                        <StatusBadge status={e.status} />
                      </td>
                      <td data-label="Server">{serverName.get(e.server_id) ?? '—'}</td>
                      <td data-label="Domain">
                        <a href={e.url} target="_blank" rel="noreferrer">
                          {e.domain}
                        </a>
                      </td>
                      <td data-label="Size">
                        {e.resources.cpu} CPU · {e.resources.ram_gb} GB RAM · {e.resources.disk_gb} GB disk
                      </td>
                      <td className="actions">
                        <ActionsMenu
                          label={`Actions for ${e.name}`}
                          items={[
                            ...(allowed ? [{ label: 'Clone Environment', onSelect: () => setCloning(e) }] : []),
                            { label: 'Operations history', onSelect: () => navigate(`/environments/${e.id}/operations`) },
                          ]}
                        />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <SanitizationRules projectId={id} />
        </>
      ) : (
        project.data && <OperationsTable queryKey={['operations', 'project', id]} load={() => trpc.clones.listByProject.query({ project_id: id })} organizationId={orgId} />
      )}
      {cloning && envs.data && (
        <CloneDialog
          source={cloning}
          environments={envs.data.items}
          servers={servers.data?.items ?? []}
          onClose={() => setCloning(null)}
          onStarted={(opId) => {
            setCloning(null);
            void envs.refetch();
            active.open(opId);
          }}
        />
      )}
    </section>
  );
}

export function EnvironmentOperationsPage({ id }: { id: string }) {
  const env = useQuery({ queryKey: ['environment', id], queryFn: () => trpc.environments.get.query({ id }), retry: false });
  const project = useProject(env.data?.project_id ?? '');
  return (
    <section>
      <nav className="crumbs">
        <Link to="/">Organizations</Link> / {env.data ? <Link to={`/projects/${env.data.project_id}`}>{project.data?.name ?? 'project'}</Link> : '…'} /{' '}
        <span>{env.data?.name ?? '…'}</span>
      </nav>
      <h1>Operations of {env.data?.name ?? 'environment'}</h1>
      {env.error && <ErrorNote error={errorInfo(env.error)} />}
      <OperationsTable
        queryKey={['operations', 'environment', id]}
        load={() => trpc.clones.listByEnvironment.query({ environment_id: id })}
        organizationId={project.data?.organization_id}
        sourceName={env.data?.name}
      />
    </section>
  );
}

function OperationsTable({
  queryKey,
  load,
  organizationId,
}: {
  queryKey: unknown[];
  load: () => Promise<{ items: CloneOperation[] }>;
  organizationId: string | undefined;
  sourceName?: string | undefined;
}) {
  const ops = useQuery({ queryKey, queryFn: load, refetchInterval: 5000 });
  const members = useMembers(organizationId);
  const active = useActiveOperation();
  const who = new Map(members.data?.items.map((m) => [m.user_id, m.email]) ?? []);
  if (ops.isPending) return <Loading what="operations" />;
  if (ops.error) return <ErrorNote error={errorInfo(ops.error)} />;
  if (ops.data.items.length === 0) return <p className="muted">No clone operations yet.</p>;
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Operation</th>
            <th>Status</th>
            <th>Target</th>
            <th>Preset</th>
            <th>Who</th>
            <th>When</th>
            <th>Duration</th>
          </tr>
        </thead>
        <tbody>
          {ops.data.items.map((op) => {
            const badge = statusBadge(op);
            return (
              <tr key={op.id}>
                <td data-label="Operation">
                  <Link to={`/operations/${op.id}`}>{op.id.slice(0, 8)}</Link>{' '}
                  <button type="button" className="link-button small" onClick={() => active.open(op.id)}>
                    watch
                  </button>
                </td>
                <td data-label="Status">
                  <Badge tone={badge.tone} busy={badge.busy}>
                    {badge.label}
                  </Badge>
                </td>
                <td data-label="Target">
                  {op.target.name} {op.mode === 'replace' ? '(replace)' : ''}
                </td>
                <td data-label="Preset">{op.sanitization_preset}</td>
                <td data-label="Who">{who.get(op.requested_by) ?? op.requested_by.slice(0, 8)}</td>
                <td data-label="When">{formatTime(op.started_at)}</td>
                <td data-label="Duration">{formatDuration(op.duration_seconds ?? op.progress.elapsed_seconds)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
