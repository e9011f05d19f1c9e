// Initial schema: users, organizations and memberships, projects, servers, environments, agent
// tasks and their logs. Clone operations arrive in a later migration; tasks.operation_id is the
// fencing token's operation and gets its foreign key then.
export const id = '0001_init';

export const sql = `
CREATE TABLE users (
  id uuid PRIMARY KEY,
  email text NOT NULL,
  name text NOT NULL,
  is_platform_admin boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE organizations (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  quota_cpu numeric NOT NULL CHECK (quota_cpu > 0),
  quota_ram_gb numeric NOT NULL CHECK (quota_ram_gb > 0),
  quota_disk_gb numeric NOT NULL CHECK (quota_disk_gb > 0),
  quota_environments integer NOT NULL CHECK (quota_environments > 0),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'developer', 'viewer')),
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

CREATE TABLE projects (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  name text NOT NULL,
  repository_url text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_organization_idx ON projects (organization_id);

CREATE TABLE servers (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  name text NOT NULL,
  status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'RUNNING', 'UNREACHABLE')),
  -- sha256 (hex) of the agent token; the token itself is shown once at creation.
  agent_token_hash text NOT NULL UNIQUE,
  facts jsonb,
  disk_free_bytes bigint,
  disk_total_bytes bigint,
  last_seen_at timestamptz,
  clone_concurrency integer NOT NULL DEFAULT 2 CHECK (clone_concurrency >= 1),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX servers_organization_idx ON servers (organization_id);

CREATE TABLE environments (
  id uuid PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id),
  name text NOT NULL,
  type text NOT NULL CHECK (type IN ('development', 'staging', 'production')),
  status text NOT NULL
    CHECK (status IN ('CREATING', 'RUNNING', 'STOPPED', 'DEPLOYING', 'CLONING', 'DESTROYING', 'FAILED')),
  domain text NOT NULL,
  server_id uuid NOT NULL REFERENCES servers (id),
  odoo_version text NOT NULL,
  -- Derived from the id (environmentDbName), never from the name.
  database_name text NOT NULL,
  filestore_path text,
  addons jsonb NOT NULL DEFAULT '[]',
  cpu numeric NOT NULL CHECK (cpu > 0),
  ram_gb numeric NOT NULL CHECK (ram_gb > 0),
  disk_gb numeric NOT NULL CHECK (disk_gb > 0),
  connection jsonb,
  -- The lifecycle action in flight (one at a time per environment), NULL when idle.
  action text CHECK (action IN ('create', 'start', 'stop', 'destroy')),
  last_error jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT environments_project_name_key UNIQUE (project_id, name),
  CONSTRAINT environments_domain_key UNIQUE (domain),
  CONSTRAINT environments_database_name_key UNIQUE (database_name)
);
CREATE INDEX environments_server_idx ON environments (server_id);

CREATE TABLE tasks (
  id uuid PRIMARY KEY,
  server_id uuid NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
  environment_id uuid REFERENCES environments (id) ON DELETE SET NULL,
  kind text NOT NULL,
  input jsonb NOT NULL,
  status text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  operation_id uuid,
  attempt integer NOT NULL DEFAULT 0,
  progress real NOT NULL DEFAULT 0,
  progress_detail jsonb,
  output jsonb,
  error jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_in_flight_idx ON tasks (server_id) WHERE status IN ('queued', 'running');
CREATE INDEX tasks_environment_idx ON tasks (environment_id);
CREATE INDEX tasks_operation_idx ON tasks (operation_id, attempt);

CREATE TABLE task_logs (
  id bigserial PRIMARY KEY,
  task_id uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  ts timestamptz NOT NULL,
  step text,
  level text NOT NULL,
  message text NOT NULL
);
CREATE INDEX task_logs_task_idx ON task_logs (task_id, id);
`;
