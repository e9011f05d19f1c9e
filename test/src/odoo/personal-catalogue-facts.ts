// The catalogue of where Odoo 17 keeps personal data, as the generator uses it: the tables,
// columns, kinds, audiences and modules come from the project's own catalogue in @oec/shared
// (ODOO17_PERSONAL_FIELDS, 183 columns of 47 tables), so the fixture cannot drift from what the
// sanitizer knows. Only the fixture's own facts are added here: the Odoo model of each table and
// each column's PostgreSQL type from the DDL facts (personal-schema-sql.ts).
import { ODOO17_PERSONAL_FIELDS, type Audience, type PersonalKind } from '@oec/shared';
import { ODOO17_PERSONAL_TABLE_COLUMNS } from './personal-schema-sql.js';

export interface Odoo17PersonalColumn {
  table: string;
  /** The Odoo model of the table. */
  model: string;
  column: string;
  /** PostgreSQL type as the DDL facts write it ('varchar', 'varchar(32)', 'text', 'jsonb', 'integer', 'date', 'numeric'). */
  type: string;
  kind: PersonalKind;
  audience: Audience;
  /** The Odoo module that adds the column. */
  module: string;
}

/** Tables whose model is not their name with dots for underscores. */
const MODEL_OF_TABLE: Readonly<Record<string, string>> = {
  auth_totp_device: 'auth_totp.device',
  survey_user_input: 'survey.user_input',
  survey_user_input_line: 'survey.user_input.line',
};

/** The Odoo model stored in `table`. */
export const odooModel = (table: string): string => MODEL_OF_TABLE[table] ?? table.replace(/_/g, '.');

/** The column's type in the DDL facts; varchar for a catalogued column the facts do not hold. */
export function ddlType(table: string, column: string): string {
  return ODOO17_PERSONAL_TABLE_COLUMNS[table]?.find(([name]) => name === column)?.[1] ?? 'varchar';
}

export const ODOO17_PERSONAL_COLUMNS: readonly Odoo17PersonalColumn[] = ODOO17_PERSONAL_FIELDS.map(([table, column, kind, audience, module]) => ({
  table,
  model: odooModel(table),
  column,
  type: ddlType(table, column),
  kind,
  audience,
  module,
}));

/** The catalogued tables, sorted. */
export const ODOO17_PERSONAL_TABLES: readonly string[] = [...new Set(ODOO17_PERSONAL_COLUMNS.map((c) => c.table))].sort();
