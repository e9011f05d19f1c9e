// The ordered list of schema migrations. Append only: an applied migration is never edited.
import * as m0001 from './0001_init.js';

export interface Migration {
  id: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [m0001];
