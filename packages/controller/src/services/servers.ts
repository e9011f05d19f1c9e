// Servers: machines running an agent. Creation returns the one-time agent token (only its
// sha256 is stored); reads show status, facts and free/total disk as the agent last reported.
import { Permission } from '@oec/shared';
import type { CreateServer, CreateServerResponse, Server, ServerFacts, ServerStatus } from '@oec/shared';
import type { Actor, OrgAccess } from '../auth/permissions.js';
import { requirePermission } from '../auth/permissions.js';
import { generateAgentToken, hashAgentToken } from '../agents/tokens.js';
import type { Queryable } from '../db/pool.js';
import type { AppDeps } from '../deps.js';
import { loadOwned, organizationAccess, visibleOrganizationIds } from './access.js';

type Deps = Pick<AppDeps, 'db' | 'ids'>;

export interface ServerRow {
  id: string;
  organization_id: string;
  name: string;
  status: ServerStatus;
  clone_concurrency: number;
  facts: ServerFacts | null;
  disk_free_bytes: number | null;
  disk_total_bytes: number | null;
  last_seen_at: Date | null;
  created_at: Date;
}

const SERVER_SELECT = `SELECT id, organization_id, name, status, clone_concurrency, facts,
  disk_free_bytes::float8 AS disk_free_bytes, disk_total_bytes::float8 AS disk_total_bytes, last_seen_at, created_at
  FROM servers`;

function toServer(r: ServerRow): Server {
  return {
    id: r.id,
    organization_id: r.organization_id,
    name: r.name,
    status: r.status,
    clone_concurrency: r.clone_concurrency,
    facts: r.facts,
    disk:
      r.disk_free_bytes === null || r.disk_total_bytes === null
        ? null
        : { free_bytes: r.disk_free_bytes, total_bytes: r.disk_total_bytes },
    last_seen_at: r.last_seen_at ? r.last_seen_at.toISOString() : null,
    created_at: r.created_at.toISOString(),
  };
}

/** A server and the actor's access to its organization (SERVER_NOT_FOUND otherwise). */
export function serverAccess(q: Queryable, actor: Actor, id: string): Promise<{ row: ServerRow; access: OrgAccess }> {
  return loadOwned<ServerRow>(q, actor, `${SERVER_SELECT} WHERE id = $1`, id, 'SERVER_NOT_FOUND');
}

export async function loadServer(q: Queryable, id: string): Promise<ServerRow | null> {
  const { rows } = await q.query<ServerRow>(`${SERVER_SELECT} WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

export async function createServer(deps: Deps, actor: Actor, input: CreateServer): Promise<CreateServerResponse> {
  const access = await organizationAccess(deps.db, actor, input.organization_id);
  requirePermission(access, Permission.SERVERS_MANAGE);
  const id = deps.ids.uuid();
  const token = generateAgentToken(id);
  const { rows } = await deps.db.query<ServerRow>(
    `INSERT INTO servers (id, organization_id, name, agent_token_hash, clone_concurrency)
     VALUES ($1, $2, $3, $4, $5)
     RETURNING id, organization_id, name, status, clone_concurrency, facts, disk_free_bytes::float8 AS disk_free_bytes,
               disk_total_bytes::float8 AS disk_total_bytes, last_seen_at, created_at`,
    [id, input.organization_id, input.name, hashAgentToken(token), input.clone_concurrency ?? 2],
  );
  return { ...toServer(rows[0] as ServerRow), agent_token: token };
}

export async function listServers(deps: Deps, actor: Actor, organizationId?: string): Promise<Server[]> {
  if (organizationId !== undefined) await organizationAccess(deps.db, actor, organizationId);
  const orgIds = organizationId !== undefined ? [organizationId] : await visibleOrganizationIds(deps.db, actor);
  const { rows } = await deps.db.query<ServerRow>(
    `${SERVER_SELECT} WHERE $1::uuid[] IS NULL OR organization_id = ANY($1::uuid[]) ORDER BY created_at, id`,
    [orgIds],
  );
  return rows.map(toServer);
}

export async function getServer(deps: Deps, actor: Actor, id: string): Promise<Server> {
  const { row, access } = await serverAccess(deps.db, actor, id);
  requirePermission(access, Permission.ENVIRONMENTS_READ);
  return toServer(row);
}
