// oec clone: builds the shared CloneRequest from flags (names resolved to ids), then either asks
// for the estimate or starts the clone and follows it to the end.
import { cloneOperationSchema, estimateSchema, presetSchema, projectSchema, sanitizationKeySchema } from '@oec/shared';
import type { CloneRequest, Estimate, SanitizationOptionKey } from '@oec/shared';
import type { GlobalOptions } from './commands.js';
import { connect, follow } from './commands.js';
import { CliError, Exit } from './exit-codes.js';
import { jsonOut, line } from './output.js';
import { clock } from './progress.js';
import { resolveEnvironment, resolveServer } from './resolve.js';

export interface CloneFlags extends GlobalOptions {
  name?: string;
  server?: string;
  type: string;
  replace?: string;
  confirm?: string;
  preset?: string;
  iUnderstandRisks?: boolean;
  option: string[];
  filestore: boolean;
  estimate?: boolean;
  wait: boolean;
  compress?: boolean;
}

const usage = (message: string) => new CliError(Exit.USAGE, 'VALIDATION_ERROR', message);

export function parseOptionFlags(values: string[]): Partial<Record<SanitizationOptionKey, boolean>> {
  const out: Partial<Record<SanitizationOptionKey, boolean>> = {};
  for (const v of values) {
    const m = /^([a-z0-9_]+)=(on|off)$/.exec(v);
    if (!m) throw usage(`--option ${v}: expected key=on|off`);
    const key = sanitizationKeySchema.safeParse(m[1]);
    if (!key.success) throw usage(`--option ${v}: unknown sanitization option ${m[1]}`);
    out[key.data] = m[2] === 'on';
  }
  return out;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function estimateLines(e: Estimate): string[] {
  return [
    `Database ${mb(e.database_bytes)}, filestore ${mb(e.filestore_bytes)} (${e.filestore_files} files); needs ${mb(e.required_bytes)} on the target`,
    `Estimated duration ${clock(e.estimated_duration_seconds)}; sanitization ${e.sanitization_preset}: ${e.total_records} records, ${e.api_keys_found} API keys found`,
    ...e.impact.map((i) => `  ${i.option_key.padEnd(26)} ${i.approximate ? '~' : ''}${i.rows} rows  ${i.summary}`),
    ...e.rule_impact.map((r) => `  rule ${r.rule_index} ${r.function} ${r.table}${r.column ? `.${r.column}` : ''}: ${r.skipped_reason ?? `${r.approximate ? '~' : ''}${r.rows} rows`}`),
    `Personal data: ${e.personal_data.summary}`,
    `Quota: ${e.quota.ok ? 'ok' : 'NO'} (${e.quota.message})`,
    `Disk: ${e.disk.ok ? 'ok' : 'NO'} (${e.disk.message})`,
  ];
}

/** The API speaks of request fields; say which flag fixes the refusal. */
function withFlagHint(err: unknown): never {
  const hints: Record<string, string> = {
    RISK_NOT_ACKNOWLEDGED: '--i-understand-risks',
    PRESET_REQUIRED: '--preset',
    CONFIRMATION_MISMATCH: "--confirm with the target's exact name",
    UNCOVERED_PERSONAL_DATA: '--option key=on for an option that masks them, or the project setting personal_data_kept',
  };
  const hint = err instanceof CliError && typeof err.details?.reason === 'string' ? hints[err.details.reason] : undefined;
  if (err instanceof CliError && hint) throw new CliError(err.exitCode, err.code, `${err.message} (use ${hint})`, err.details);
  throw err;
}

export async function clone(sourceRef: string, f: CloneFlags): Promise<Exit> {
  if (f.replace && f.confirm === undefined) throw usage('--replace needs --confirm NAME (the target environment\'s name)');
  if (f.replace && (f.name || f.server)) throw usage('--replace takes neither --name nor --server');
  if (f.preset !== undefined && !presetSchema.safeParse(f.preset).success) throw usage(`--preset must be one of ${presetSchema.options.join(', ')}`);
  const overrides = parseOptionFlags(f.option);
  const { api, project } = await connect();
  const source = await resolveEnvironment(api, sourceRef, f.project ?? project);
  let target: CloneRequest['target'];
  if (f.replace) {
    const replaced = await resolveEnvironment(api, f.replace, source.project_id);
    target = { create_new: false, environment_id: replaced.id, confirm_name: f.confirm ?? '' };
  } else {
    const type = f.type as 'staging';
    let vm: string | undefined;
    if (f.server) {
      const p = await api.get(`/projects/${source.project_id}`, projectSchema);
      vm = (await resolveServer(api, f.server, p.organization_id)).id;
    }
    target = { create_new: true, environment_type: type, ...(f.name ? { name: f.name } : {}), ...(vm ? { vm_id: vm } : {}) };
  }
  const body: CloneRequest = {
    target,
    ...(f.preset ? { sanitization_preset: f.preset as CloneRequest['sanitization_preset'] } : {}),
    ...(Object.keys(overrides).length ? { sanitization_options: overrides } : {}),
    include_filestore: f.filestore,
    acknowledge_risks: f.iUnderstandRisks === true,
    ...(f.compress ? { options: { compress: true } } : {}),
  };
  if (f.estimate) {
    const e = await api.post(`/environments/${source.id}/clone/estimate`, body, estimateSchema).catch(withFlagHint);
    if (f.json) jsonOut(e);
    else estimateLines(e).forEach((l) => line(l));
    return Exit.OK;
  }
  const op = await api.post(`/environments/${source.id}/clone`, body, cloneOperationSchema).catch(withFlagHint);
  if (!f.json) {
    line(`Clone requested: operation ${op.id}`);
    line(`${source.name} → ${op.target.name} (${op.mode}, preset ${op.sanitization_preset}${op.include_filestore ? '' : ', no filestore'})`);
  }
  if (!f.wait) {
    if (f.json) jsonOut(op);
    return Exit.OK;
  }
  return follow(api, op.id, f);
}
