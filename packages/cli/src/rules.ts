// `oec rules get <project>` / `oec rules set <project> --file rules.json`: a project's custom
// sanitization rules. The file holds the list (or `{ "rules": [...] }`); the controller validates
// it and names the offending field (exit 2).
import { readFile } from 'node:fs/promises';
import { sanitizationRulesResponseSchema } from '@oec/shared';
import type { SanitizationRulesResponse } from '@oec/shared';
import { connect } from './commands.js';
import type { GlobalOptions } from './commands.js';
import { CliError, Exit } from './exit-codes.js';
import { jsonOut, line, table } from './output.js';
import { resolveProject } from './resolve.js';

function print(res: SanitizationRulesResponse, g: GlobalOptions): void {
  if (g.json) return jsonOut(res);
  if (res.rules.length === 0) return line('No custom sanitization rules');
  table([
    ['#', 'TABLE', 'COLUMN', 'FUNCTION', 'FILTER'],
    ...res.rules.map((r, i) => [
      String(i),
      r.table,
      r.column ?? '*',
      r.function === 'constant' ? `constant ${JSON.stringify(r.value)}` : r.function,
      (r.filter ?? []).map((c) => ('value' in c ? `${c.column} ${c.op} ${JSON.stringify(c.value)}` : `${c.column} ${c.op}`)).join(' AND ') || '-',
    ]),
  ]);
}

export async function rulesGet(projectRef: string, g: GlobalOptions): Promise<Exit> {
  const { api } = await connect();
  const project = await resolveProject(api, projectRef);
  print(await api.get(`/projects/${project.id}/sanitization-rules`, sanitizationRulesResponseSchema), g);
  return Exit.OK;
}

export async function rulesSet(projectRef: string, opts: { file: string } & GlobalOptions): Promise<Exit> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(opts.file, 'utf8'));
  } catch (err) {
    throw new CliError(Exit.USAGE, 'VALIDATION_ERROR', `Cannot read ${opts.file} as JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const rules = Array.isArray(json) ? json : (json as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(rules)) throw new CliError(Exit.USAGE, 'VALIDATION_ERROR', `${opts.file} must hold a list of rules or { "rules": [...] }`);
  const { api } = await connect();
  const project = await resolveProject(api, projectRef);
  const res = await api.put(`/projects/${project.id}/sanitization-rules`, { rules }, sanitizationRulesResponseSchema);
  if (!opts.json) line(`Saved ${res.rules.length} custom sanitization rule${res.rules.length === 1 ? '' : 's'} for ${project.name}`);
  print(res, opts);
  return Exit.OK;
}
