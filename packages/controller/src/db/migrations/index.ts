// The ordered list of schema migrations. Append only: an applied migration is never edited.
import * as m0001 from './0001_init.js';
import * as m0002 from './0002_clones.js';
import * as m0003 from './0003_cross_server.js';
import * as m0004 from './0004_project_sanitization.js';
import * as m0005 from './0005_auth.js';
import * as m0006 from './0006_notifications.js';
import * as m0007 from './0007_sanitization_rules.js';
import * as m0008 from './0008_sensitive_models.js';
import * as m0009 from './0009_replicas.js';

export interface Migration {
  id: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0009];
