// Pure argv builders for the client tools the agent runs (Kamal-style: commands are data).
export * from './validate.js';
export * from './pg-dump.js';
export * from './pg-restore.js';
export * from './psql.js';
export * from './tar.js';
export * from './pg-options.js';

/** The programs a runtime may execute for a step; anything else is refused. */
export const CLIENT_TOOLS = ['psql', 'pg_dump', 'pg_restore', 'tar'] as const;
export type ClientTool = (typeof CLIENT_TOOLS)[number];

export function isClientTool(name: string | undefined): name is ClientTool {
  return (CLIENT_TOOLS as readonly (string | undefined)[]).includes(name);
}
