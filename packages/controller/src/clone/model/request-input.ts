// The clone request as the API reads it, and the checks of it that need no I/O. Target names
// and domains are read as plain strings and validated here, so that a bad one answers
// INVALID_TARGET_CONFIG (INVALID_NAME, INVALID_DOMAIN) at its place in the order of checks
// instead of a VALIDATION_ERROR before the source is even looked up.
import { z } from 'zod';
import {
  AppError,
  ErrorCode,
  TargetConfigReason,
  cloneRequestSchema,
  cloneTargetNewSchema,
  cloneTargetReplaceSchema,
  domainSchema,
  environmentNameSchema,
  needsRiskAcknowledgement,
  resolveSanitization,
} from '@oec/shared';
import type { EnvironmentType, SanitizationOptions, SanitizationPreset } from '@oec/shared';

export const cloneRequestInput = cloneRequestSchema.extend({
  target: z.discriminatedUnion('create_new', [
    cloneTargetNewSchema.extend({ name: z.string().max(200).optional(), domain: z.string().max(300).optional() }),
    cloneTargetReplaceSchema,
  ]),
});
export type CloneRequestInput = z.output<typeof cloneRequestInput>;

export function targetConfigError(
  reason: TargetConfigReason,
  message: string,
  details: Record<string, unknown> = {},
): AppError {
  return new AppError(ErrorCode.INVALID_TARGET_CONFIG, message, { reason, ...details });
}

export function checkName(name: string): string {
  const parsed = environmentNameSchema.safeParse(name);
  if (!parsed.success) {
    throw targetConfigError(TargetConfigReason.INVALID_NAME, `Invalid environment name "${name.slice(0, 60)}": ${parsed.error.issues[0]?.message ?? 'invalid'}`, {
      field: 'target.name',
    });
  }
  return parsed.data;
}

export function checkDomain(domain: string): string {
  const parsed = domainSchema.safeParse(domain);
  if (!parsed.success) {
    throw targetConfigError(TargetConfigReason.INVALID_DOMAIN, `Invalid domain "${domain.slice(0, 80)}": ${parsed.error.issues[0]?.message ?? 'invalid'}`, {
      field: 'target.domain',
    });
  }
  return parsed.data;
}

export interface EffectiveSanitization {
  preset: SanitizationPreset;
  options: SanitizationOptions;
}

/**
 * The preset (required for a production-type target: production is never neutralized by
 * default), the 16 effective options (clear_asset_bundles cannot be turned off), and the risk
 * acknowledgement that preset `none` and mail servers left on require.
 */
export function effectiveSanitization(req: CloneRequestInput, targetType: EnvironmentType): EffectiveSanitization {
  const overrides = req.sanitization_options ?? {};
  if (!req.sanitization_preset && targetType === 'production') {
    throw targetConfigError(
      TargetConfigReason.PRESET_REQUIRED,
      'A production target needs an explicit sanitization_preset (recommended, minimal, full or none)',
      { field: 'sanitization_preset' },
    );
  }
  if (overrides.clear_asset_bundles === false) {
    throw targetConfigError(
      TargetConfigReason.REQUIRED_OPTION,
      'clear_asset_bundles is always applied (Odoo rebuilds the bundles) and cannot be turned off',
      { field: 'sanitization_options.clear_asset_bundles', option_key: 'clear_asset_bundles' },
    );
  }
  const preset = req.sanitization_preset ?? 'recommended';
  const options = resolveSanitization(preset, overrides);
  return { preset, options };
}

export function assertRisksAcknowledged(req: CloneRequestInput, s: EffectiveSanitization): void {
  if (needsRiskAcknowledgement(s.preset, s.options) && !req.acknowledge_risks) {
    const why =
      s.preset === 'none'
        ? 'preset "none" copies production data as is'
        : 'outgoing mail servers stay enabled (disable_mail_servers is off)';
    throw targetConfigError(
      TargetConfigReason.RISK_NOT_ACKNOWLEDGED,
      `This clone needs acknowledge_risks: true because ${why}`,
      { field: 'acknowledge_risks', preset: s.preset },
    );
  }
}

/** `17.0.1.3` and `17.0` → `17.0`. */
export function odooSeries(version: string | null): string | null {
  const m = version ? /^(\d+)\.(\d+)/.exec(version) : null;
  return m ? `${m[1]}.${m[2]}` : null;
}

/** `15.8 (Debian …)` → 15. */
export function pgMajor(version: string | null | undefined): number | null {
  const m = version ? /^(\d+)/.exec(version) : null;
  return m ? Number(m[1]) : null;
}
