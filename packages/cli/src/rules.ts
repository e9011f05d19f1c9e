// `oec rules get <project>` / `oec rules set <project> [--file rules.json] [--sensitive-models a,b]`:
// a project's custom sanitization rules and sensitive models. The file holds the list of rules (or
// `{ "rules": [...], "sensitive_models": [...] }`); without --file the stored rules are kept. The
// controller validates both and names the offending field (exit 2).
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
  if (res.rules.length === 0) line('No custom sanitization rules');
  else printRules(res.rules);
  line(`Sensitive models: ${res.sensitive_models.length > 0 ? res.sensitive_models.join(', ') : 'none'}`);
}

function printRules(rules: SanitizationRulesResponse['rules']): void {
  table([
    ['#', 'TABLE', 'COLUMN', 'FUNCTION', 'FILTER'],
    ...rules.map((r, i) => [
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

/** The rules (and sensitive models, when the file has them) of a rules file. */
async function readRulesFile(file: string): Promise<{ rules: unknown[]; sensitive_models?: unknown }> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new CliError(Exit.USAGE, 'VALIDATION_ERROR', `Cannot read ${file} as JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (Array.isArray(json)) return { rules: json };
  const body = (json ?? {}) as { rules?: unknown; sensitive_models?: unknown };
  if (!Array.isArray(body.rules)) throw new CliError(Exit.USAGE, 'VALIDATION_ERROR', `${file} must hold a list of rules or { "rules": [...] }`);
  return body.sensitive_models === undefined ? { rules: body.rules } : { rules: body.rules, sensitive_models: body.sensitive_models };
}

/** `--sensitive-models hr.employee,res.partner` (an empty value clears them). */
function parseModels(list: string): string[] {
  return list.split(',').map((m) => m.trim()).filter((m) => m.length > 0);
}

export async function rulesSet(projectRef: string, opts: { file?: string; sensitiveModels?: string } & GlobalOptions): Promise<Exit> {
  if (opts.file === undefined && opts.sensitiveModels === undefined) {
    throw new CliError(Exit.USAGE, 'VALIDATION_ERROR', 'Give --file, --sensitive-models, or both');
  }
  const fromFile = opts.file === undefined ? null : await readRulesFile(opts.file);
  const { api } = await connect();
  const project = await resolveProject(api, projectRef);
  const path = `/projects/${project.id}/sanitization-rules`;
  // without --file the stored rules are sent back unchanged
  const rules = fromFile?.rules ?? (await api.get(path, sanitizationRulesResponseSchema)).rules;
  const models = opts.sensitiveModels === undefined ? fromFile?.sensitive_models : parseModels(opts.sensitiveModels);
  const res = await api.put(path, models === undefined ? { rules } : { rules, sensitive_models: models }, sanitizationRulesResponseSchema);
  if (!opts.json) line(`Saved ${res.rules.length} custom sanitization rule${res.rules.length === 1 ? '' : 's'} for ${project.name}`);
  print(res, opts);
  return Exit.OK;
}
