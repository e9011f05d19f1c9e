import { describe, expect, it } from 'vitest';
import { resolveSanitization } from '@oec/shared';
import { buildPlan, clonePath, cowFor } from './plan.js';

const base = {
  operationId: 'a1b2c3d4-0000-4000-8000-000000000001',
  source: { id: '11111111-1111-4111-8111-111111111111', db_name: 'oec_src', status: 'RUNNING' as const, addons: [] },
  target: { id: '22222222-2222-4222-8222-222222222222', db_name: 'oec_dst', name: 'staging', domain: 'staging.example.com', odoo_version: '17.0', running: true },
  includeFilestore: true,
  compress: false,
  preset: 'recommended' as const,
  options: resolveSanitization('recommended'),
  salt: 's'.repeat(32),
  servers: null,
  donors: [],
};

describe('clone plans', () => {
  it('restores a create_new into the target database itself', () => {
    const plan = buildPlan({ ...base, mode: 'create_new' });
    expect(plan).toMatchObject({ work_db: 'oec_dst', retained_db: null, target_running: false });
    expect(plan.sanitization.base_url).toBe('https://staging.example.com');
  });

  it('restores a replace beside the target, names derived from the operation id', () => {
    const plan = buildPlan({ ...base, mode: 'replace' });
    expect(plan).toMatchObject({ work_db: 'oec_dst_na1b2c3d4', retained_db: 'oec_dst_oa1b2c3d4', target_running: true });
  });

  it('takes the COPY data path as OEC_CLONE_DATA_PATH says (auto, the default: when an option masks or clears values in stream, or rules exist)', () => {
    expect(buildPlan({ ...base, mode: 'create_new' }).data_path).toBe('copy');
    expect(buildPlan({ ...base, mode: 'create_new', dataPath: 'dump_restore' }).data_path).toBe('dump_restore');
    expect(buildPlan({ ...base, mode: 'create_new', dataPath: 'copy', options: resolveSanitization('none') }).data_path).toBe('copy');
    expect(buildPlan({ ...base, mode: 'create_new', dataPath: 'auto' }).data_path).toBe('copy');
    // minimal disables mail servers: their logins and passwords are cleared in stream
    expect(buildPlan({ ...base, mode: 'create_new', dataPath: 'auto', options: resolveSanitization('minimal') }).data_path).toBe('copy');
    // none: the parallel COPY path for a running source or across servers, the template copy of a
    // stopped source on one server
    const none = { ...base, mode: 'create_new' as const, dataPath: 'auto' as const, options: resolveSanitization('none') };
    expect(buildPlan(none).data_path).toBe('copy');
    expect(buildPlan({ ...none, source: { ...base.source, status: 'STOPPED' } }).data_path).toBe('dump_restore');
    expect(buildPlan({ ...none, source: { ...base.source, status: 'STOPPED' }, servers: { source: 'a', target: 'b' } }).data_path).toBe('copy');
    const rules = [{ table: 'x_customer_note', column: 'x_text', function: 'null' as const }];
    expect(buildPlan({ ...base, mode: 'create_new', options: resolveSanitization('none'), rules }).data_path).toBe('copy');
  });

  it('takes the copy-on-write path on one server whose data root clones files; a replace only where the server swaps clusters', () => {
    const cow = { available: true, filesystem: 'xfs', reason: 'xfs clones files (FICLONE)' };
    const swaps = { ...cow, replace: true };
    expect(buildPlan({ ...base, mode: 'create_new', cow }).data_path).toBe('cow');
    expect(buildPlan({ ...base, mode: 'replace', cow: swaps }).data_path).toBe('cow');
    expect(buildPlan({ ...base, mode: 'replace', cow }).data_path).toBe('copy');
    expect(buildPlan({ ...base, mode: 'replace', cow: swaps, servers: { source: 'a', target: 'b' } }).data_path).toBe('copy');
    expect(buildPlan({ ...base, mode: 'replace', cow: { ...swaps, available: false, reason: 'ext4 cannot clone files' } }).data_path).toBe('copy');
    const where = { sourceStatus: 'RUNNING' as const, crossServer: false, mode: 'replace' as const };
    const options = resolveSanitization('recommended');
    const instant = clonePath('auto', options, [], { ...where, cow: swaps }).path;
    expect(instant.kind).toBe('copy_on_write');
    expect(instant.reason).toMatch(/second cluster beside the target's.*swapped in/);
    expect(clonePath('auto', options, [], { ...where, cow }).path.reason).toMatch(/not an instant clone: the target's server cannot swap clusters/);
    expect(clonePath('dump_restore', options, [], { ...where, cow: swaps }).path.reason).toMatch(/OEC_CLONE_DATA_PATH=dump_restore/);
  });

  it("streams where the source's or a replace target's data cannot take part, and says why", () => {
    const swaps = { available: true, filesystem: 'xfs', reason: 'xfs clones files (FICLONE)', replace: true };
    const volume = 'PostgreSQL data is in the Docker volume oec-x-pgdata, not on the data root';
    expect(cowFor(swaps, { source: null, target: null })).toEqual(swaps);
    expect(cowFor(null, { source: volume })).toBeNull();
    const fromVolume = cowFor(swaps, { source: volume, target: null });
    expect(fromVolume).toMatchObject({ available: false, reason: `the source's ${volume}` });
    expect(buildPlan({ ...base, mode: 'create_new', cow: fromVolume }).data_path).toBe('copy');
    const intoVolume = cowFor(swaps, { source: null, target: volume });
    expect(buildPlan({ ...base, mode: 'replace', cow: intoVolume }).data_path).toBe('copy');
    const where = { sourceStatus: 'RUNNING' as const, crossServer: false, mode: 'replace' as const };
    expect(clonePath('auto', resolveSanitization('recommended'), [], { ...where, cow: intoVolume }).path.reason).toMatch(/not an instant clone: the target's PostgreSQL data is in the Docker volume/);
    // an unavailable server's own reason stays
    const ext4 = { available: false, filesystem: 'ext4', reason: 'ext4 cannot clone files' };
    expect(cowFor(ext4, { source: volume })).toEqual(ext4);
  });
});
