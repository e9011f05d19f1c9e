// The clone dialog's form as data: its defaults, its validation (what the user must still do
// before Start), and the request it sends — kept apart from React so it is unit tested.
import {
  PRESET_OPTIONS,
  SANITIZATION_OPTIONS,
  domainSchema,
  environmentNameSchema,
  needsRiskAcknowledgement,
  resolveSanitization,
} from '@oec/shared';
import type {
  CloneRequest,
  Environment,
  EnvironmentType,
  SanitizationOptionKey,
  SanitizationOptions,
  SanitizationOverrides,
  SanitizationPreset,
} from '@oec/shared';

export interface CloneForm {
  mode: 'create_new' | 'replace';
  name: string;
  environmentType: EnvironmentType;
  crossServer: boolean;
  serverId: string;
  domain: string;
  replaceId: string;
  confirmName: string;
  understood: boolean;
  preset: SanitizationPreset;
  overrides: SanitizationOverrides;
  acknowledgeRisks: boolean;
  includeFilestore: boolean;
  compress: boolean;
  parallelTransfer: boolean;
}

export type FormErrors = Partial<Record<'name' | 'serverId' | 'domain' | 'replaceId' | 'confirmName' | 'understood' | 'acknowledgeRisks', string>>;

/** `{source}-clone-{YYYYMMDD}`, cut to the 40 characters a name may have. */
export function suggestName(sourceName: string, now: Date): string {
  const ymd = `${now.getFullYear()}${String(now.getMonth() + 1).padStart(2, '0')}${String(now.getDate()).padStart(2, '0')}`;
  const suffix = `-clone-${ymd}`;
  return `${sourceName.slice(0, 40 - suffix.length).replace(/-+$/, '')}${suffix}`;
}

export function defaultForm(source: Pick<Environment, 'name'>, now = new Date()): CloneForm {
  return {
    mode: 'create_new',
    name: suggestName(source.name, now),
    environmentType: 'staging',
    crossServer: false,
    serverId: '',
    domain: '',
    replaceId: '',
    confirmName: '',
    understood: false,
    preset: 'recommended',
    overrides: {},
    acknowledgeRisks: false,
    includeFilestore: true,
    compress: false,
    parallelTransfer: true,
  };
}

export function effectiveOptions(form: Pick<CloneForm, 'preset' | 'overrides'>): SanitizationOptions {
  return resolveSanitization(form.preset, form.overrides);
}

export function enabledCount(preset: SanitizationPreset): number {
  return PRESET_OPTIONS[preset].length;
}

/** Choosing a preset starts from its options again (custom changes are per preset). */
export function withPreset(form: CloneForm, preset: SanitizationPreset): CloneForm {
  return { ...form, preset, overrides: {}, acknowledgeRisks: false };
}

export function withOption(form: CloneForm, key: SanitizationOptionKey, on: boolean): CloneForm {
  const base = resolveSanitization(form.preset)[key];
  const overrides: SanitizationOverrides = { ...form.overrides };
  if (on === base) delete overrides[key];
  else overrides[key] = on;
  return { ...form, overrides };
}

export function needsAcknowledgement(form: CloneForm): boolean {
  return needsRiskAcknowledgement(form.preset, effectiveOptions(form));
}

export interface ValidationContext {
  /** Names of the project's environments (the new name must be unique among them). */
  existingNames: readonly string[];
  /** The project's other environments a replace may target. */
  replaceable: readonly Pick<Environment, 'id' | 'name'>[];
}

export function validate(form: CloneForm, ctx: ValidationContext): FormErrors {
  const errors: FormErrors = {};
  if (form.mode === 'create_new') {
    const name = form.name.trim();
    if (!environmentNameSchema.safeParse(name).success) {
      errors.name = '2-40 characters of a-z, 0-9 and "-", starting with a letter';
    } else if (ctx.existingNames.includes(name)) {
      errors.name = `An environment named ${name} exists already in this project`;
    }
    if (form.crossServer && !form.serverId) errors.serverId = 'Choose the target server';
    if (form.domain.trim() && !domainSchema.safeParse(form.domain.trim()).success) errors.domain = 'Not a valid domain name';
  } else {
    const target = ctx.replaceable.find((e) => e.id === form.replaceId);
    if (!target) errors.replaceId = 'Choose the environment to replace';
    else if (form.confirmName !== target.name) errors.confirmName = `Type ${target.name} to confirm`;
    if (!form.understood) errors.understood = 'Confirm that you understand this is destructive';
  }
  if (needsAcknowledgement(form) && !form.acknowledgeRisks) {
    errors.acknowledgeRisks =
      form.preset === 'none'
        ? 'Preset None copies all production data: confirm the risks on the Sanitization tab'
        : 'Mail servers stay enabled: confirm the risks on the Sanitization tab';
  }
  return errors;
}

export function canStart(form: CloneForm, ctx: ValidationContext): boolean {
  return Object.keys(validate(form, ctx)).length === 0;
}

/** The request body (POST /environments/{id}/clone, tRPC clones.clone without environment_id). */
export function toRequest(form: CloneForm): CloneRequest {
  const target: CloneRequest['target'] =
    form.mode === 'create_new'
      ? {
          create_new: true,
          name: form.name.trim(),
          environment_type: form.environmentType,
          ...(form.crossServer && form.serverId ? { vm_id: form.serverId } : {}),
          ...(form.domain.trim() ? { domain: form.domain.trim() } : {}),
        }
      : { create_new: false, environment_id: form.replaceId, confirm_name: form.confirmName };
  return {
    target,
    sanitization_preset: form.preset,
    ...(Object.keys(form.overrides).length ? { sanitization_options: form.overrides } : {}),
    include_filestore: form.includeFilestore,
    acknowledge_risks: needsAcknowledgement(form) ? form.acknowledgeRisks : false,
    options: { compress: form.compress, parallel_transfer: form.parallelTransfer },
  };
}

/**
 * What the estimate depends on: the request without the name, domain and typed confirmation (so
 * typing does not ask the agent again). Null until a replace target is chosen.
 */
export function estimateRequest(form: CloneForm): CloneRequest | null {
  const req = toRequest(form);
  if (req.target.create_new) {
    const { name: _n, domain: _d, ...target } = req.target;
    return { ...req, target };
  }
  if (!form.replaceId) return null;
  return { ...req, target: { ...req.target, confirm_name: '' } };
}

export const CATEGORIES = [
  { key: 'email', label: 'Email & Communications' },
  { key: 'customer_data', label: 'Customer Data' },
  { key: 'security', label: 'Security' },
  { key: 'automation', label: 'Automation' },
  { key: 'required', label: 'Required (always applied)' },
] as const;

export function optionsIn(category: (typeof CATEGORIES)[number]['key']) {
  return SANITIZATION_OPTIONS.filter((o) => o.category === category);
}

export const PRESET_CARDS: readonly { preset: SanitizationPreset; title: string; badge: string; tone: 'green' | 'blue' | 'orange' | 'red'; blurb: string }[] = [
  { preset: 'recommended', title: 'Recommended', badge: 'Best for staging', tone: 'green', blurb: 'Realistic data without emails, phones, API keys or live mail.' },
  { preset: 'minimal', title: 'Minimal', badge: 'Fastest', tone: 'blue', blurb: 'Only stops email. Real customer data stays: secure networks only.' },
  { preset: 'full', title: 'Full', badge: 'Maximum protection', tone: 'orange', blurb: 'Every option: for contractors and public demos. Slowest.' },
  { preset: 'none', title: 'None', badge: 'Use with caution', tone: 'red', blurb: 'Exact copy of production data. Isolated networks only.' },
];
