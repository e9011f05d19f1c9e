// An environment spec for runtime tests: a fresh id, its derived database name, Odoo 17.0 and one
// project addons source.
import { randomUUID } from 'node:crypto';
import { environmentDbName, type EnvironmentSpec } from '@oec/shared';

export function testEnvironmentSpec(name: string, addons = 'custom_addons'): EnvironmentSpec {
  const id = randomUUID();
  return {
    environment_id: id,
    db_name: environmentDbName(id),
    name,
    domain: `${name}-${id.slice(0, 8)}.example.com`,
    odoo_version: '17.0',
    addons: [{ kind: 'project', name: addons, repository_url: null, ref: null }],
  };
}
