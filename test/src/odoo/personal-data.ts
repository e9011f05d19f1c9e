// addPersonalData: the generator's personal-data option (GenerateOptions.personalData), run after
// the normal generation in the same transaction. See personal.ts for what it plants and the
// manifest it returns.
import type { GenContext } from './context.js';
import { ODOO17_PERSONAL_TABLES } from './personal-catalogue-facts.js';
import { Values } from './personal-fake.js';
import { createPersonalSchema, CUSTOM_FIELDS, Planting, writeCustomerFeedback, writeModelFields, type PersonalManifest } from './personal.js';
import { writeLeads, writeLiveChat, type Staff } from './tables/personal-crm.js';
import { writeApplicants, writeEmployees, writeLeavesCarsAndPos } from './tables/personal-hr.js';
import { writeEventsAndCalendar, writeMailingAndBlacklists, writeSurveysPaymentsAndSms, writeTasksRatingsSalesForum } from './tables/personal-misc.js';
import { writePersonalPartners } from './tables/personal-partners.js';

export interface PersonalResult {
  manifest: PersonalManifest;
  /** Tables the option created. */
  created: string[];
}

/** Internal users (but __system__) with their partner's name, e-mail and phones. */
async function loadStaff(ctx: GenContext): Promise<Staff[]> {
  const { rows } = await ctx.client.query<{ uid: number; pid: number; name: string; email: string | null; phone: string | null; mobile: string | null; login: string; active: boolean }>(
    `SELECT u.id AS uid, p.id AS pid, p.name, p.email, p.phone, p.mobile, u.login, u.active
       FROM public.res_users u JOIN public.res_partner p ON p.id = u.partner_id
      WHERE NOT u.share AND u.id <> 1 ORDER BY u.id`,
  );
  return rows.map((r) => ({ userId: r.uid, partnerId: r.pid, name: r.name, email: r.email ?? r.login, phone: r.phone, mobile: r.mobile, login: r.login, active: r.active }));
}

export async function addPersonalData(ctx: GenContext, omitted: readonly string[]): Promise<PersonalResult> {
  const schema = await createPersonalSchema(ctx, omitted);
  const values = new Values();
  const { rows } = await ctx.client.query<{ v: string | null }>(
    `SELECT unnest(ARRAY[name, email, phone, mobile]) AS v FROM public.res_partner UNION SELECT login FROM public.res_users`,
  );
  // an array, not spread arguments: a large database has more values than the call stack holds
  values.reserve(rows.map((r) => r.v));
  const staff = await loadStaff(ctx);
  const pl = new Planting(ctx, ctx.rng.fork('personal'), values, schema.present);
  await writeModelFields(pl);
  await writePersonalPartners(pl);
  const active = staff.filter((s) => s.active);
  await writeLeads(pl, active);
  await writeLiveChat(pl, active);
  const employeeIds = await writeEmployees(pl, staff);
  await writeLeavesCarsAndPos(pl, active, employeeIds);
  await writeApplicants(pl);
  await writeEventsAndCalendar(pl);
  await writeMailingAndBlacklists(pl);
  await writeSurveysPaymentsAndSms(pl);
  await writeTasksRatingsSalesForum(pl);
  await writeCustomerFeedback(pl);
  // what is to be kept: staff logins and their partners' work addresses
  for (const s of staff) {
    if (s.login.includes('@')) pl.mark('res_users', 'login', 'email', 'internal', s.login);
    pl.mark('res_partner', 'email', 'email', 'internal', s.email);
    pl.mark('res_partner', 'name', 'name', 'internal', s.name);
  }
  const tables = new Set([...pl.filled, ...schema.created, ...ODOO17_PERSONAL_TABLES.filter((t) => schema.present.has(t))]);
  return {
    created: schema.created,
    manifest: {
      planted: pl.planted,
      customColumns: CUSTOM_FIELDS.filter(([t]) => schema.present.has(t)).map(([table, , column, , kind]) => ({ table, column, kind })),
      tables: [...tables].sort(),
    },
  };
}
