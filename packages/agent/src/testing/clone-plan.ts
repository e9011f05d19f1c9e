// A clone plan for agent tests: source and target specs, the work database and retained names the
// controller derives, preset `none`.
import { randomBytes, randomUUID } from 'node:crypto';
import { idSlug, resolveSanitization, type ClonePlan, type EnvironmentSpec } from '@oec/shared';

export function testClonePlan(source: EnvironmentSpec, target: EnvironmentSpec, mode: 'create_new' | 'replace'): ClonePlan {
  const operationId = randomUUID();
  const short = idSlug(operationId).slice(0, 8);
  return {
    operation_id: operationId,
    mode,
    source: { environment_id: source.environment_id, db_name: source.db_name, status: 'RUNNING' },
    target,
    work_db: mode === 'replace' ? `${target.db_name}_n${short}` : target.db_name,
    retained_db: mode === 'replace' ? `${target.db_name}_o${short}` : null,
    target_running: mode === 'replace',
    include_filestore: true,
    servers: null,
    donors: [],
    data_path: 'dump_restore',
    compress: false,
    sanitization: { preset: 'none', options: resolveSanitization('none'), base_url: `https://${target.domain}`, salt: randomBytes(16).toString('hex') },
  };
}
