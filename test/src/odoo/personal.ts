// The personal-data option of the generator: after the normal generation, give the database every
// table and column where a real Odoo 17 install (167 modules) keeps personal data, fill each of
// them with invented people (customers, leads, applicants, attendees, visitors, employees' private
// lives), quote the same values again inside HTML, free text, JSON and tracking values, add
// Studio-style custom fields (registered in ir_model_fields with state 'manual'), and return a
// manifest of what was planted where, with its audience: 'external' and 'employee_private' values
// are to be masked, 'internal' ones (staff work contact, logins) kept, 'anyone' ones (identity and
// bank numbers, VAT, plates) masked whoever they belong to.
import type { GenContext } from './context.js';
import { insertRows, type Row } from './insert.js';
import { ODOO17_PERSONAL_COLUMNS, ODOO17_PERSONAL_TABLES } from './personal-catalogue-facts.js';
import { fakeCompanies, fakePerson, type FakeCompany, type FakePerson, type Values } from './personal-fake.js';
import { personalTableSql } from './personal-schema-sql.js';
import type { Rng } from './prng.js';

export type PersonalKind = 'email' | 'phone' | 'name' | 'address' | 'vat' | 'bank' | 'identity' | 'birthdate' | 'ip';
export type Audience = 'external' | 'employee_private' | 'internal' | 'anyone';

export interface PlantedValue {
  table: string;
  column: string;
  kind: PersonalKind;
  audience: Audience;
  value: string;
  /** Inside free text, HTML or JSON (found by value, not by column). */
  embedded: boolean;
}

export interface PersonalManifest {
  planted: PlantedValue[];
  /** Columns no Odoo catalogue lists (Studio fields, a custom module's table). */
  customColumns: Array<{ table: string; column: string; kind: PersonalKind }>;
  /** Every table created or filled by the option, and the catalogued tables the base generator filled. */
  tables: string[];
}

/** Custom (state 'manual') fields: [table, model, column, type, kind]. */
export const CUSTOM_FIELDS: readonly (readonly [string, string, string, string, PersonalKind])[] = [
  ['res_partner', 'res.partner', 'x_studio_private_email', 'varchar', 'email'],
  ['crm_lead', 'crm.lead', 'x_studio_whatsapp', 'varchar', 'phone'],
  ['x_customer_feedback', 'x_customer_feedback', 'x_name', 'varchar', 'name'],
  ['x_customer_feedback', 'x_customer_feedback', 'x_email', 'varchar', 'email'],
  ['x_customer_feedback', 'x_customer_feedback', 'x_phone', 'varchar', 'phone'],
  ['x_customer_feedback', 'x_customer_feedback', 'x_notes', 'text', 'email'],
];

/** State of one run of the option: the people, the values handed out and the manifest so far. */
export class Planting {
  readonly planted: PlantedValue[] = [];
  readonly filled = new Set<string>();
  /** External people (customers, leads, attendees, …) shared by the tables, and their companies. */
  readonly people: FakePerson[] = [];
  readonly companies: FakeCompany[];
  /** Rows per table for this size (tiny: 10). */
  readonly n: number;
  /** Named ir_model_fields ids ("model.field" → id), filled by writeModelFields. */
  readonly fieldIds = new Map<string, number>();

  constructor(
    readonly ctx: GenContext,
    readonly rng: Rng,
    readonly values: Values,
    readonly present: ReadonlySet<string>,
  ) {
    this.n = { tiny: 10, small: 20, large: 40, xlarge: 40 }[ctx.size];
    this.companies = fakeCompanies(rng.fork('companies'), 5);
    const prng = rng.fork('people');
    for (let i = 0; i < this.n * 3; i++) this.people.push(fakePerson(prng, values, i % 3 === 0 ? (this.companies[i % this.companies.length] ?? null) : null));
  }

  has(table: string): boolean {
    return this.present.has(table);
  }

  /** The i-th external person (wraps around). */
  person(i: number): FakePerson {
    const p = this.people[i % this.people.length];
    if (!p) throw new Error('no people');
    return p;
  }

  mark(table: string, column: string, kind: PersonalKind, audience: Audience, value: string | null, embedded = false): void {
    if (value === null || value === '') return;
    this.planted.push({ table, column, kind, audience, value, embedded });
  }

  /** Mark an external person's value in a column (the column holds exactly the value). */
  ext(table: string, column: string, kind: PersonalKind, value: string | null): void {
    this.mark(table, column, kind, 'external', value);
  }

  /** Mark an external value quoted inside a free-text, HTML or JSON column. */
  quoted(table: string, column: string, kind: PersonalKind, value: string | null, audience: Audience = 'external'): void {
    this.mark(table, column, kind, audience, value, true);
  }

  /** Mark the address columns of a row. */
  address(table: string, p: { street: string; street2: string | null; zip: string; city: string }, cols = { street: 'street', street2: 'street2', zip: 'zip', city: 'city' }, audience: Audience = 'external'): void {
    this.mark(table, cols.street, 'address', audience, p.street);
    if (cols.street2) this.mark(table, cols.street2, 'address', audience, p.street2);
    this.mark(table, cols.zip, 'address', audience, p.zip);
    this.mark(table, cols.city, 'address', audience, p.city);
  }

  /** Insert rows into a present table (nothing when the table was left out). */
  async insert(table: string, rows: readonly Row[]): Promise<void> {
    if (!this.has(table) || rows.length === 0) return;
    // rows may leave out columns they do not need: give every row every column
    const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    await insertRows(this.ctx.client, table, rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null]))));
    this.filled.add(table);
  }

  /** First free id of a table. */
  async nextId(table: string): Promise<number> {
    const { rows } = await this.ctx.client.query<{ n: number }>(`SELECT COALESCE(max(id), 0)::int + 1 AS n FROM public.${table}`);
    return rows[0]?.n ?? 1;
  }
}

const IR_MODEL_FIELDS_SQL = `CREATE TABLE IF NOT EXISTS public.ir_model_fields (
  id serial PRIMARY KEY, name varchar NOT NULL, complete_name varchar, model varchar NOT NULL, relation varchar,
  relation_field varchar, model_id integer, field_description jsonb, help jsonb, ttype varchar NOT NULL,
  state varchar DEFAULT 'base', store boolean DEFAULT true, index boolean, copied boolean, translate boolean,
  create_uid integer, write_uid integer, create_date timestamp, write_date timestamp)`;
const CUSTOM_TABLE_SQL = `CREATE TABLE IF NOT EXISTS public.x_customer_feedback (
  id serial PRIMARY KEY, x_name varchar, x_email varchar, x_phone varchar, x_notes text, x_partner_id integer,
  x_rating integer, create_uid integer, write_uid integer, create_date timestamp, write_date timestamp)`;

export interface PersonalSchema {
  /** Tables created by the option (catalogued tables the schema lacked, ir_model_fields, x_customer_feedback). */
  created: string[];
  /** Every table the option may write to. */
  present: Set<string>;
}

/**
 * Create the catalogued tables the generated schema does not have (those left out on purpose stay
 * out), add the catalogued columns an existing table lacks, ir_model_fields, the custom table and
 * the Studio columns.
 */
export async function createPersonalSchema(ctx: GenContext, omitted: readonly string[]): Promise<PersonalSchema> {
  const created: string[] = [];
  const present = new Set<string>(ctx.tables);
  const statements: string[] = [];
  for (const table of ODOO17_PERSONAL_TABLES) {
    if (omitted.includes(table)) continue;
    present.add(table);
    if (!ctx.has(table)) {
      statements.push(personalTableSql(table));
      created.push(table);
    }
    // every catalogued column, also one the DDL facts or the generated schema lack
    for (const c of ODOO17_PERSONAL_COLUMNS.filter((col) => col.table === table)) {
      statements.push(`ALTER TABLE public.${table} ADD COLUMN IF NOT EXISTS "${c.column}" ${c.type}`);
    }
  }
  statements.push(IR_MODEL_FIELDS_SQL, CUSTOM_TABLE_SQL);
  created.push('ir_model_fields', 'x_customer_feedback');
  present.add('ir_model_fields').add('x_customer_feedback');
  for (const [table, , column, type] of CUSTOM_FIELDS) {
    if (table !== 'x_customer_feedback' && present.has(table)) statements.push(`ALTER TABLE public.${table} ADD COLUMN IF NOT EXISTS ${column} ${type}`);
  }
  await ctx.client.query(statements.map((s) => `${s};`).join('\n'));
  return { created, present };
}

/** Odoo's ttype of a catalogued column. */
function ttype(column: string, type: string): string {
  if (type === 'integer') return column.endsWith('_id') || column === 'country_of_birth' ? 'many2one' : 'integer';
  if (type === 'jsonb') return column.endsWith('_properties') ? 'properties' : 'html';
  if (type === 'text') return /description|note|body|content|comment/.test(column) ? 'html' : 'text';
  if (type === 'numeric') return 'float';
  if (type === 'date') return 'date';
  return 'char';
}

function label(column: string): string {
  const s = column.replace(/^x_(studio_)?/, '').replace(/_id$/, '').replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** ir_model_fields rows for every catalogued and custom column, with their ir_model_data xmlids. */
export async function writeModelFields(pl: Planting): Promise<void> {
  const models = new Map<string, number>();
  const modelId = (m: string): number => {
    if (!models.has(m)) models.set(m, 100 + models.size);
    return models.get(m) ?? 0;
  };
  const rows: Row[] = [];
  const xmlids: Row[] = [];
  let xmlid = pl.ctx.has('ir_model_data') ? await pl.nextId('ir_model_data') : 0;
  const add = (model: string, name: string, ttypeName: string, state: string, module: string | null, relation: string | null): void => {
    const id = rows.length + 1;
    pl.fieldIds.set(`${model}.${name}`, id);
    rows.push({
      id, name, complete_name: `${model}.${name}`, model, relation, relation_field: null, model_id: modelId(model),
      field_description: JSON.stringify({ en_US: label(name) }), help: null, ttype: ttypeName, state, store: true,
      index: false, copied: true, translate: false, create_uid: 1, write_uid: 1, create_date: '2024-01-10 10:00:00', write_date: '2024-01-10 10:00:00',
    });
    if (module && xmlid > 0) {
      xmlids.push({ id: xmlid++, module, model: 'ir.model.fields', name: `field_${model.replace(/\./g, '_')}__${name}`, res_id: id, noupdate: false, create_uid: 1, write_uid: 1, create_date: '2024-01-10 10:00:00', write_date: '2024-01-10 10:00:00' });
    }
  };
  const seen = new Set<string>();
  for (const c of ODOO17_PERSONAL_COLUMNS) {
    if (seen.has(`${c.model}.${c.column}`)) continue;
    seen.add(`${c.model}.${c.column}`);
    const t = ttype(c.column, c.type);
    add(c.model, c.column, t, 'base', c.module, t === 'many2one' ? (c.column.includes('state') ? 'res.country.state' : 'res.country') : null);
  }
  // fields the personal rows refer to (tracking values name the field they track)
  for (const [model, name, t] of [['crm.lead', 'email_from', 'char'], ['crm.lead', 'phone', 'char']] as const) {
    if (!pl.fieldIds.has(`${model}.${name}`)) add(model, name, t, 'base', 'crm', null);
  }
  for (const [table, model, column, type] of CUSTOM_FIELDS) {
    if (!pl.has(table)) continue;
    add(model, column, type === 'text' ? 'text' : 'char', 'manual', column.startsWith('x_studio_') ? 'studio_customization' : null, null);
  }
  await pl.insert('ir_model_fields', rows);
  if (pl.ctx.has('ir_model_data')) await pl.insert('ir_model_data', xmlids);
}

/** The custom module's table: feedback forms with the customer's name, e-mail, phone and notes. */
export async function writeCustomerFeedback(pl: Planting): Promise<void> {
  const rng = pl.rng.fork('feedback');
  const rows: Row[] = [];
  for (let i = 0; i < pl.n; i++) {
    const p = pl.person(i * 2 + 1);
    const other = pl.person(i * 2 + 2);
    const notes = `Prefers to be contacted at ${other.email} (her assistant) rather than by phone. ${rng.pick(['Very happy with the delivery.', 'Asked for a discount on the next order.', 'Complained about the invoice layout.'])}`;
    rows.push({ id: i + 1, x_name: p.name, x_email: p.email, x_phone: p.phone, x_notes: notes, x_partner_id: null, x_rating: rng.int(1, 5), create_uid: 2, write_uid: 2, create_date: '2024-03-01 10:00:00', write_date: '2024-03-01 10:00:00' });
    pl.ext('x_customer_feedback', 'x_name', 'name', p.name);
    pl.ext('x_customer_feedback', 'x_email', 'email', p.email);
    pl.ext('x_customer_feedback', 'x_phone', 'phone', p.phone);
    pl.quoted('x_customer_feedback', 'x_notes', 'email', other.email);
  }
  await pl.insert('x_customer_feedback', rows);
}
