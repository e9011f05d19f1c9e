// Customer contact data other than email: anonymize_phones, anonymize_addresses,
// anonymize_company_names. "Customer" = a partner that is neither an internal user's partner nor a
// company's own partner (see sql.ts). Values already in the pseudonym formats are left alone, so a
// second sanitization (cloning a staging) changes nothing and proves the same.
import {
  ANON_CITY_RE,
  ANON_COMPANY_RE,
  ANON_PHONE_RE,
  ANON_PHONE_SANITIZED_RE,
  ANON_STREET_RE,
  fakeLabelSql,
  fakePhoneSanitizedSql,
  fakePhoneSql,
} from '../pseudonyms.js';
import { captureInternalPartners, countViolations, internalPartnersRef, isCustomer, plural, Stmt } from '../sql.js';
import type { ApplyContext, PlanContext, SanitizeOption } from '../types.js';

// ---- phones ----

const PHONE_COLUMNS = ['phone', 'mobile'] as const;

function phoneColumns(ctx: PlanContext): string[] {
  return ctx.schema.present('res_partner', PHONE_COLUMNS);
}

function hasSanitized(ctx: PlanContext): boolean {
  return ctx.schema.has('res_partner', 'phone_sanitized');
}

function phoneNeeds(s: Stmt, col: string, sanitized = false): string {
  return `(btrim(p.${col}) <> '' AND p.${col} !~ ${s.v(sanitized ? ANON_PHONE_SANITIZED_RE : ANON_PHONE_RE)})`;
}

function phonesWhere(ctx: PlanContext, s: Stmt, internal: string): string {
  const needs = phoneColumns(ctx).map((c) => phoneNeeds(s, c));
  if (hasSanitized(ctx)) needs.push(phoneNeeds(s, 'phone_sanitized', true));
  return `${isCustomer('p', internal)} AND (${needs.join(' OR ')})`;
}

export const anonymizePhones: SanitizeOption = {
  key: 'anonymize_phones',
  async capture(ctx) {
    if (phoneColumns(ctx).length === 0) return;
    await captureInternalPartners(ctx);
    await ctx.query('CREATE TEMP TABLE oec_src_phone (value text PRIMARY KEY) ON COMMIT DROP');
    const s = new Stmt();
    const internal = internalPartnersRef(ctx, true);
    const cols: Array<[string, boolean]> = phoneColumns(ctx).map((c) => [c, false]);
    if (hasSanitized(ctx)) cols.push(['phone_sanitized', true]);
    const selects = cols.map(
      ([c, san]) => `SELECT p.${c} FROM res_partner p WHERE ${isCustomer('p', internal)} AND ${phoneNeeds(s, c, san)}`,
    );
    await ctx.query(`INSERT INTO pg_temp.oec_src_phone (value) ${selects.join(' UNION ')}`, s.values);
  },
  async apply(ctx) {
    if (phoneColumns(ctx).length === 0) {
      ctx.require('res_partner', ...PHONE_COLUMNS);
      return 0;
    }
    ctx.require('res_partner');
    const internal = internalPartnersRef(ctx, true);
    const s = new Stmt();
    const sets = phoneColumns(ctx).map((c) => `${c} = CASE WHEN ${phoneNeeds(s, c)} THEN ${fakePhoneSql(s, ctx.key, `p.${c}`)} ELSE p.${c} END`);
    if (hasSanitized(ctx)) {
      sets.push(
        `phone_sanitized = CASE WHEN ${phoneNeeds(s, 'phone_sanitized', true)} THEN ${fakePhoneSanitizedSql(s, ctx.key, 'p.phone_sanitized')} ELSE p.phone_sanitized END`,
      );
    }
    return ctx.exec(`UPDATE res_partner p SET ${sets.join(', ')} WHERE ${phonesWhere(ctx, s, internal)}`, s.values);
  },
  proof(ctx) {
    if (phoneColumns(ctx).length === 0) return [];
    const internal = internalPartnersRef(ctx, true);
    const cols = [...phoneColumns(ctx), ...(hasSanitized(ctx) ? ['phone_sanitized'] : [])];
    return [
      {
        check: 'no source customer phone number left',
        requires: [['res_partner']],
        rows: {
          table: 'res_partner',
          alias: 'p',
          where: () => `${isCustomer('p', internal)} AND EXISTS (SELECT 1 FROM pg_temp.oec_src_phone s WHERE s.value IN (${cols.map((c) => `p.${c}`).join(', ')}))`,
        },
      },
      {
        check: 'no customer phone number outside the fictional range',
        requires: [['res_partner']],
        rows: { table: 'res_partner', alias: 'p', where: (s) => phonesWhere(ctx, s, internal) },
      },
    ];
  },
  async estimate(ctx) {
    if (phoneColumns(ctx).length === 0) return { rows: 0, summary: 'no phone columns' };
    const internal = internalPartnersRef(ctx, false);
    const s = new Stmt();
    const n = await ctx.count('res_partner', `SELECT 1 FROM res_partner p WHERE ${phonesWhere(ctx, s, internal)}`, s.values);
    return { rows: n, summary: `${plural(n, 'customer')}' phone numbers will be anonymized` };
  },
};

// ---- addresses ----

/** street and city get pseudonyms; street2 and zip are cleared; geolocation dropped. */
const CLEARED_ADDRESS_COLUMNS = ['street2', 'zip', 'partner_latitude', 'partner_longitude'] as const;

function addressNeeds(ctx: PlanContext, s: Stmt): Record<string, string> {
  const needs: Record<string, string> = {};
  if (ctx.schema.has('res_partner', 'street')) needs.street = `(btrim(p.street) <> '' AND p.street !~ ${s.v(ANON_STREET_RE)})`;
  if (ctx.schema.has('res_partner', 'city')) needs.city = `(btrim(p.city) <> '' AND p.city !~ ${s.v(ANON_CITY_RE)})`;
  for (const c of ctx.schema.present('res_partner', CLEARED_ADDRESS_COLUMNS)) needs[c] = `p.${c} IS NOT NULL`;
  return needs;
}

function addressesWhere(ctx: PlanContext, s: Stmt, internal: string): string {
  const needs = Object.values(addressNeeds(ctx, s));
  return `${isCustomer('p', internal)} AND (${needs.length > 0 ? needs.join(' OR ') : 'false'})`;
}

const SOURCE_ADDRESS_COLUMNS = ['street', 'street2', 'zip', 'city'] as const;

export const anonymizeAddresses: SanitizeOption = {
  key: 'anonymize_addresses',
  async capture(ctx) {
    const cols = ctx.schema.present('res_partner', SOURCE_ADDRESS_COLUMNS);
    if (cols.length === 0) return;
    await captureInternalPartners(ctx);
    const s = new Stmt();
    const needs = addressNeeds(ctx, s);
    await ctx.query(
      `CREATE TEMP TABLE oec_src_address ON COMMIT DROP AS SELECT p.id, ` +
        cols.map((c) => `CASE WHEN ${needs[c] ?? 'false'} THEN p.${c}::text END AS ${c}`).join(', ') +
        ` FROM res_partner p WHERE ${addressesWhere(ctx, s, internalPartnersRef(ctx, true))}`,
      s.values,
    );
  },
  async apply(ctx) {
    if (ctx.schema.present('res_partner', SOURCE_ADDRESS_COLUMNS).length === 0) {
      ctx.require('res_partner', ...SOURCE_ADDRESS_COLUMNS);
      return 0;
    }
    ctx.require('res_partner');
    const s = new Stmt();
    const needs = addressNeeds(ctx, s);
    const sets: string[] = [];
    if (needs.street) sets.push(`street = CASE WHEN ${needs.street} THEN ${fakeLabelSql(s, ctx.key, 'Street', 'p.street')} ELSE p.street END`);
    if (needs.city) sets.push(`city = CASE WHEN ${needs.city} THEN ${fakeLabelSql(s, ctx.key, 'City', 'p.city')} ELSE p.city END`);
    for (const c of ctx.schema.present('res_partner', CLEARED_ADDRESS_COLUMNS)) sets.push(`${c} = NULL`);
    return ctx.exec(`UPDATE res_partner p SET ${sets.join(', ')} WHERE ${addressesWhere(ctx, s, internalPartnersRef(ctx, true))}`, s.values);
  },
  proof(ctx) {
    const cols = ctx.schema.present('res_partner', SOURCE_ADDRESS_COLUMNS);
    if (cols.length === 0) return [];
    return [
      {
        check: 'no source customer address left',
        requires: [['res_partner']],
        sql: countViolations(
          `res_partner p JOIN pg_temp.oec_src_address s ON s.id = p.id WHERE ${cols.map((c) => `p.${c}::text = s.${c}`).join(' OR ')}`,
        ),
      },
      {
        check: 'no customer address outside the pseudonyms',
        requires: [['res_partner']],
        rows: { table: 'res_partner', alias: 'p', where: (s) => addressesWhere(ctx, s, internalPartnersRef(ctx, true)) },
      },
    ];
  },
  async estimate(ctx) {
    if (ctx.schema.present('res_partner', SOURCE_ADDRESS_COLUMNS).length === 0) return { rows: 0, summary: 'no address columns' };
    const s = new Stmt();
    const n = await ctx.count('res_partner', `SELECT 1 FROM res_partner p WHERE ${addressesWhere(ctx, s, internalPartnersRef(ctx, false))}`, s.values);
    return { rows: n, summary: `${plural(n, 'customer address', 'customer addresses')} will be anonymized` };
  },
};

// ---- company names ----

/** Names derived from the company name (complete_name in 17, display_name in 16). */
const DERIVED_NAME_COLUMNS = ['complete_name', 'display_name'] as const;

interface CompanyNeeds {
  name: string;
  ccn: string | null;
  companyName: string | null;
}

function companyNeeds(ctx: PlanContext, s: Stmt, internal: string): CompanyNeeds {
  const re = s.v(ANON_COMPANY_RE);
  const name = `(p.is_company IS TRUE AND btrim(p.name) <> '' AND p.name !~ ${re})`;
  // commercial_company_name mirrors the commercial partner's name: only for customer companies.
  const ccn = ctx.schema.has('res_partner', 'commercial_company_name', 'commercial_partner_id')
    ? `(btrim(p.commercial_company_name) <> '' AND p.commercial_company_name !~ ${re} AND ` +
      `NOT EXISTS (SELECT 1 FROM ${internal} oec_c WHERE oec_c.id = p.commercial_partner_id))`
    : null;
  const companyName = ctx.schema.has('res_partner', 'company_name')
    ? `(btrim(p.company_name) <> '' AND p.company_name !~ ${re})`
    : null;
  return { name, ccn, companyName };
}

function companiesWhere(ctx: PlanContext, s: Stmt, internal: string): string {
  const n = companyNeeds(ctx, s, internal);
  const any = [n.name, n.ccn, n.companyName].filter((x): x is string => x !== null);
  return `${isCustomer('p', internal)} AND (${any.join(' OR ')})`;
}

function derivedColumns(ctx: PlanContext): string[] {
  return ctx.schema.present('res_partner', DERIVED_NAME_COLUMNS);
}

async function captureCompanies(ctx: ApplyContext): Promise<void> {
  await captureInternalPartners(ctx);
  const s = new Stmt();
  const internal = internalPartnersRef(ctx, true);
  const n = companyNeeds(ctx, s, internal);
  const cols = [
    `CASE WHEN ${n.name} THEN p.name::text END AS name`,
    n.ccn ? `CASE WHEN ${n.ccn} THEN p.commercial_company_name::text END AS ccn` : 'NULL::text AS ccn',
    n.companyName ? `CASE WHEN ${n.companyName} THEN p.company_name::text END AS company_name` : 'NULL::text AS company_name',
  ];
  await ctx.query(
    `CREATE TEMP TABLE oec_src_company ON COMMIT DROP AS SELECT p.id, ${cols.join(', ')} FROM res_partner p WHERE ${companiesWhere(ctx, s, internal)}`,
    s.values,
  );
}

export const anonymizeCompanyNames: SanitizeOption = {
  key: 'anonymize_company_names',
  async capture(ctx) {
    if (ctx.schema.has('res_partner', 'name', 'is_company')) await captureCompanies(ctx);
  },
  async apply(ctx) {
    if (!ctx.require('res_partner', 'name', 'is_company')) return 0;
    const s = new Stmt();
    const internal = internalPartnersRef(ctx, true);
    const n = companyNeeds(ctx, s, internal);
    const fake = (col: string): string => fakeLabelSql(s, ctx.key, 'Company', col);
    const sets = [`name = CASE WHEN ${n.name} THEN ${fake('p.name')} ELSE p.name END`];
    if (n.ccn) sets.push(`commercial_company_name = CASE WHEN ${n.ccn} THEN ${fake('p.commercial_company_name')} ELSE p.commercial_company_name END`);
    if (n.companyName) sets.push(`company_name = CASE WHEN ${n.companyName} THEN ${fake('p.company_name')} ELSE p.company_name END`);
    // "Acme, John" → "Company 1A2B3C, John"; a company's own complete name is its name.
    for (const d of derivedColumns(ctx)) {
      const prefixed = n.ccn
        ? ` WHEN ${n.ccn} AND starts_with(p.${d}, p.commercial_company_name || ', ') ` +
          `THEN ${fake('p.commercial_company_name')} || substr(p.${d}, length(p.commercial_company_name) + 1)`
        : '';
      sets.push(`${d} = CASE WHEN ${n.name} AND p.${d} = p.name THEN ${fake('p.name')}${prefixed} ELSE p.${d} END`);
    }
    return ctx.exec(`UPDATE res_partner p SET ${sets.join(', ')} WHERE ${companiesWhere(ctx, s, internal)}`, s.values);
  },
  proof(ctx) {
    if (!ctx.schema.has('res_partner', 'name', 'is_company')) return [];
    const same = ['p.name = s.name'];
    if (ctx.schema.has('res_partner', 'commercial_company_name')) same.push('p.commercial_company_name = s.ccn');
    if (ctx.schema.has('res_partner', 'company_name')) same.push('p.company_name = s.company_name');
    for (const d of derivedColumns(ctx)) same.push(`p.${d} = s.name`, `starts_with(p.${d}, s.ccn || ', ')`);
    return [
      {
        check: 'no customer company keeps its source name',
        requires: [['res_partner', 'name', 'is_company']],
        sql: countViolations(`res_partner p JOIN pg_temp.oec_src_company s ON s.id = p.id WHERE ${same.join(' OR ')}`),
      },
      {
        check: 'no customer company name outside the pseudonyms',
        requires: [['res_partner', 'name', 'is_company']],
        rows: { table: 'res_partner', alias: 'p', where: (s) => companiesWhere(ctx, s, internalPartnersRef(ctx, true)) },
      },
    ];
  },
  async estimate(ctx) {
    if (!ctx.require('res_partner', 'name', 'is_company')) return { rows: 0, summary: 'no contacts table' };
    const s = new Stmt();
    const n = await ctx.count('res_partner', `SELECT 1 FROM res_partner p WHERE ${companiesWhere(ctx, s, internalPartnersRef(ctx, false))}`, s.values);
    return { rows: n, summary: `${plural(n, 'customer contact')} will get pseudonymous company names` };
  },
};
