// The read and operation-control commands: login, servers, envs, status, logs, cancel, retry, wait.
import { cancelResponseSchema, cloneOperationSchema, currentWorkLine, listOf, logsResponseSchema, projectSchema, STEPS } from '@oec/shared';
import type { CloneOperation, LogEntry } from '@oec/shared';
import { createApi } from './api.js';
import type { Api } from './api.js';
import { configPath, loadSettings, readConfigFile, writeConfigFile } from './config.js';
import { CliError, Exit } from './exit-codes.js';
import { jsonOut, line, progressOutput, table } from './output.js';
import { clock, isTerminal, summaryLines, watchOperation } from './progress.js';
import { listEnvironments, listServers, operationId, resolveProject } from './resolve.js';

export interface GlobalOptions {
  json?: boolean;
  project?: string;
}

export const pollMs = (): number => Number(process.env.OEC_POLL_MS) || 1000;

export async function connect(): Promise<{ api: Api; project: string | undefined }> {
  const s = await loadSettings();
  return { api: createApi(s.url, s.token), project: s.project };
}

/** 0 for a completed operation, 1 for a failed or cancelled one. */
export const exitFor = (op: CloneOperation): Exit => (op.status === 'completed' ? Exit.OK : Exit.FAILED);

export async function login(opts: { url: string; token: string; project?: string } & GlobalOptions): Promise<Exit> {
  const url = opts.url.replace(/\/+$/, '');
  if (!/^https?:\/\//.test(url)) throw new CliError(Exit.USAGE, 'VALIDATION_ERROR', '--url must be an http(s) URL');
  const api = createApi(url, opts.token);
  const { items } = await api.get('/projects', listOf(projectSchema));
  if (opts.project) await resolveProject(api, opts.project);
  const previous = await readConfigFile();
  const config = { ...previous, url, token: opts.token, ...(opts.project ? { project: opts.project } : {}) };
  await writeConfigFile(config);
  if (opts.json) jsonOut({ url, project: config.project ?? null, config_path: configPath() });
  else line(`Logged in to ${url} (${items.length} project${items.length === 1 ? '' : 's'}); saved to ${configPath()} (mode 0600)`);
  return Exit.OK;
}

export async function servers(g: GlobalOptions): Promise<Exit> {
  const { api } = await connect();
  const items = await listServers(api);
  if (g.json) return jsonOut({ items }), Exit.OK;
  table([['NAME', 'STATUS', 'CLONES', 'ID'], ...items.map((s) => [s.name, s.status, String(s.clone_concurrency), s.id])]);
  return Exit.OK;
}

export async function envs(g: GlobalOptions): Promise<Exit> {
  const { api, project } = await connect();
  const p = await resolveProject(api, g.project ?? project);
  const items = await listEnvironments(api, p);
  if (g.json) return jsonOut({ items }), Exit.OK;
  table([['NAME', 'TYPE', 'STATUS', 'URL', 'ID'], ...items.map((e) => [e.name, e.type, e.status, e.url, e.id])]);
  return Exit.OK;
}

export function statusLines(op: CloneOperation): string[] {
  const p = op.progress;
  const n = p.current_step ? STEPS.findIndex((s) => s.key === p.current_step) + 1 : 0;
  const lines = [
    `Operation ${op.id}: ${op.status}`,
    `  ${op.mode} → ${op.target.name} (${op.target.status})${op.cross_server ? ', cross-server' : ''}`,
  ];
  if (!isTerminal(op)) {
    lines.push(`  step ${n}/${STEPS.length} ${p.current_step ?? 'pending'} ${p.progress_percent.toFixed(1)}% elapsed ${clock(p.elapsed_seconds)} ETA ${clock(p.eta_seconds)}`);
    const detail = p.steps.find((s) => s.key === p.current_step)?.detail;
    const work = detail ? currentWorkLine(detail) : null;
    if (work) lines.push(`  ${work}`);
    return lines;
  }
  return [...lines, ...summaryLines(op).map((l) => `  ${l}`)];
}

export async function status(ref: string, g: GlobalOptions): Promise<Exit> {
  const id = operationId(ref);
  const { api } = await connect();
  const op = await api.get(`/clone-operations/${id}`, cloneOperationSchema);
  if (g.json) jsonOut(op);
  else statusLines(op).forEach((l) => line(l));
  return isTerminal(op) ? exitFor(op) : Exit.OK;
}

const logLine = (e: LogEntry) => `${e.ts} ${e.level.padEnd(7)} ${e.step ? `[${e.step}] ` : ''}${e.message}`;

export async function logs(ref: string, opts: { follow?: boolean } & GlobalOptions): Promise<Exit> {
  const id = operationId(ref);
  const { api } = await connect();
  let after = 0;
  const collected: LogEntry[] = [];
  for (;;) {
    // Read the status first: logs written before it ended are then all in the next page(s).
    const op = opts.follow ? await api.get(`/clone-operations/${id}`, cloneOperationSchema) : null;
    for (;;) {
      const page = await api.get(`/clone-operations/${id}/logs?after=${after}&limit=1000`, logsResponseSchema);
      for (const e of page.items) {
        if (opts.json) collected.push(e);
        else line(logLine(e));
      }
      after = page.next_cursor;
      if (page.items.length < 1000) break;
    }
    if (!opts.follow || (op && isTerminal(op))) break;
    await new Promise((r) => setTimeout(r, pollMs()));
  }
  if (opts.json) jsonOut({ items: collected, next_cursor: after });
  return Exit.OK;
}

export async function cancel(ref: string, g: GlobalOptions): Promise<Exit> {
  const id = operationId(ref);
  const { api } = await connect();
  const res = await api.post(`/clone-operations/${id}/cancel`, {}, cancelResponseSchema);
  if (g.json) jsonOut(res);
  else line(`${res.message}: ${res.clone_operation_id}`);
  return Exit.OK;
}

export async function retry(ref: string, opts: { wait?: boolean } & GlobalOptions): Promise<Exit> {
  const id = operationId(ref);
  const { api } = await connect();
  const op = await api.post(`/clone-operations/${id}/retry`, {}, cloneOperationSchema);
  if (!opts.wait) {
    if (opts.json) jsonOut(op);
    else line(`Retry requested: operation ${op.id} (retry of ${id})`);
    return Exit.OK;
  }
  if (!opts.json) line(`Retry requested: operation ${op.id} (retry of ${id})`);
  return follow(api, op.id, opts);
}

export async function follow(api: Api, id: string, g: GlobalOptions): Promise<Exit> {
  const op = await watchOperation(api, id, progressOutput(), { pollMs: pollMs(), show: !g.json });
  if (g.json) jsonOut(op);
  return exitFor(op);
}

export async function wait(ref: string, g: GlobalOptions): Promise<Exit> {
  const id = operationId(ref);
  const { api } = await connect();
  return follow(api, id, g);
}
