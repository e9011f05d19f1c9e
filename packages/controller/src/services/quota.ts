// Quota arithmetic (pure): what an organization uses against its limits, and whether a demand
// fits. CPU and RAM count for environments that are not STOPPED; disk and the environment count
// for every environment. Amounts are rounded to 1e-6 so 0.1 + 0.2 fits a limit of 0.3.
import { AppError, ErrorCode } from '@oec/shared';
import type { Quota, Usage } from '@oec/shared';

export type QuotaResource = keyof Quota;
export type Amounts = Record<QuotaResource, number>;

const ORDER: readonly QuotaResource[] = ['cpu', 'ram_gb', 'disk_gb', 'environments'];

const round = (n: number): number => Math.round(n * 1e6) / 1e6;

/** `2 GB RAM`, `1.5 CPU`, `10 GB disk`, `1 environment`. */
export function formatAmount(resource: QuotaResource, n: number): string {
  const v = round(n);
  switch (resource) {
    case 'cpu':
      return `${v} CPU`;
    case 'ram_gb':
      return `${v} GB RAM`;
    case 'disk_gb':
      return `${v} GB disk`;
    case 'environments':
      return `${v} environment${v === 1 ? '' : 's'}`;
  }
}

export interface Shortfall {
  resource: QuotaResource;
  requested: number;
  available: number;
  missing: number;
  used: number;
  limit: number;
}

/** The first resource (CPU, RAM, disk, environments) whose demand does not fit, or null. */
export function findShortfall(limits: Quota, used: Amounts, demand: Partial<Amounts>): Shortfall | null {
  for (const resource of ORDER) {
    const requested = demand[resource] ?? 0;
    if (requested <= 0) continue;
    const available = Math.max(0, round(limits[resource] - used[resource]));
    if (round(requested) > available) {
      return {
        resource,
        requested: round(requested),
        available,
        missing: round(requested - available),
        used: round(used[resource]),
        limit: limits[resource],
      };
    }
  }
  return null;
}

export function quotaExceededError(s: Shortfall): AppError {
  return new AppError(
    ErrorCode.QUOTA_EXCEEDED,
    `Insufficient quota - need ${formatAmount(s.resource, s.missing)} more ` +
      `(requested ${formatAmount(s.resource, s.requested)}, ${formatAmount(s.resource, s.available)} available ` +
      `of ${formatAmount(s.resource, s.limit)})`,
    { resource: s.resource, requested: s.requested, available: s.available, missing: s.missing, used: s.used, limit: s.limit },
  );
}

/** Throws QUOTA_EXCEEDED when the demand does not fit. */
export function assertQuota(limits: Quota, used: Amounts, demand: Partial<Amounts>): void {
  const s = findShortfall(limits, used, demand);
  if (s) throw quotaExceededError(s);
}

export function usageReport(organizationId: string, limits: Quota, used: Amounts): Usage {
  const line = (r: QuotaResource) => ({
    used: round(used[r]),
    limit: limits[r],
    percent: limits[r] > 0 ? Math.round((used[r] / limits[r]) * 1000) / 10 : 0,
  });
  return {
    organization_id: organizationId,
    cpu: line('cpu'),
    ram_gb: line('ram_gb'),
    disk_gb: line('disk_gb'),
    environments: line('environments'),
  };
}
