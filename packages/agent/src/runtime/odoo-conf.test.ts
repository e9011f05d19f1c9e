import { describe, expect, it } from 'vitest';
import { parseOdooConf, renderOdooConf, type OdooConf } from './odoo-conf.js';

const conf: OdooConf = {
  db_host: '127.0.0.1',
  db_port: 5433,
  db_user: 'oec_x',
  db_password: 'ab12',
  db_name: 'oec_x',
  dbfilter: '^oec_x$',
  list_db: false,
  data_dir: '/data/environments/x',
  addons_path: '/a/one,/a/two',
  http_interface: '127.0.0.1',
  http_port: 8069,
  oec_odoo_version: '17.0',
};

describe('odoo.conf', () => {
  it('renders Odoo-style options and parses them back', () => {
    const text = renderOdooConf(conf);
    expect(text.split('\n').slice(0, 3)).toEqual(['[options]', 'db_host = 127.0.0.1', 'db_port = 5433']);
    expect(text).toContain('list_db = False');
    expect(parseOdooConf(text)).toMatchObject({ db_user: 'oec_x', dbfilter: '^oec_x$', http_port: '8069' });
  });

  it('refuses values that would add a line', () => {
    expect(() => renderOdooConf({ ...conf, db_password: 'x\nadmin_passwd = y' })).toThrow(/line break/);
  });

  it('ignores comments and other sections', () => {
    expect(parseOdooConf('[other]\na = 1\n[options]\n; c\nb = 2 = 3\n')).toEqual({ b: '2 = 3' });
  });
});
