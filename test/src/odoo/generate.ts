// generateOdooDatabase: create the Odoo 17 tables in an empty database and fill them with an
// invented but realistic company (partners, users and their credentials, chatter and mail queue,
// integrations with live-looking secrets, crons, attachments with a real filestore), entirely
// determined by the seed: the same seed gives identical rows and identical files.
import type pg from 'pg';
import { PROFILES, SIZES, type GenContext, type KnownPassword, type OdooSize } from './context.js';
import { withClient } from './db.js';
import { fixSequences } from './insert.js';
import { addPersonalData } from './personal-data.js';
import type { PersonalManifest } from './personal.js';
import { Rng } from './prng.js';
import { ODOO_TABLES, planOdooSchema, runStatements } from './schema.js';
import { writeAttachments } from './tables/attachments.js';
import { writeCrons, writeXmlids } from './tables/crons.js';
import { writeDeliveryAndWebsites, writeFetchmailServers, writeIapAndOauth, writeMailAliases, writeMailServers, writePaymentProviders } from './tables/integrations.js';
import { writeFollowersAndActivities, writeMessages, writeTemplatesAndPush } from './tables/mail.js';
import { installedModules, writeConfigParameters, writeModules } from './tables/modules.js';
import { writeBankAccounts, writeCompanies, writeCustomers } from './tables/partners.js';
import { writeInternalUsers, writePortalUsers, writeUserCredentials } from './tables/users.js';

export { SIZES, type OdooSize };

export interface GenerateOptions {
  size: OdooSize;
  seed: number | string;
  /** This database's filestore (Odoo's `<data_dir>/filestore/<dbname>`); created if missing. */
  filestoreDir: string;
  /** Tables to leave out, as when the module that owns them is not installed. */
  modules?: { omit?: readonly string[] };
  /**
   * Also plant personal data wherever a real Odoo 17 install keeps it (personal.ts): the catalogued
   * tables and columns the schema lacks are created, filled with invented people and quoted again in
   * free text, HTML and JSON; the summary's `personal` lists what was planted where.
   */
  personalData?: boolean;
}

export interface GeneratedSummary {
  size: OdooSize;
  seed: string;
  durationMs: number;
  tables: string[];
  omittedTables: string[];
  installedModules: string[];
  /** Rows per table (`FROM ONLY`, so ir_actions does not count its ir_act_server children). */
  rowCounts: Record<string, number>;
  /** Distinct files written to the filestore. */
  files: { count: number; bytes: number };
  attachments: { total: number; inFilestore: number; sharedFiles: number; assets: number; urls: number; dbDatas: number };
  /** Plain passwords that log in: admin/admin, an internal user/demo, a portal user/demo. */
  knownPasswords: KnownPassword[];
  /** Plain API keys (res_users_apikeys.index is their first 8 characters). */
  apiKeys: { userId: number; key: string }[];
  /** res_users with share = false (includes inactive __system__ = 1 and archived users). */
  internalUserIds: number[];
  /** res_users with share = true (public user 3 and portal users). */
  portalUserIds: number[];
  /** Partners of internal users: their e-mails are to be kept. */
  internalPartnerIds: number[];
  /** Partners of res_company rows (also in customerPartnerIds). */
  companyPartnerIds: number[];
  /** Every partner not linked to an internal user (companies', public and portal partners included). */
  customerPartnerIds: number[];
  /** How many customer partners have a non-NULL e-mail. */
  customerEmails: number;
  /** E-mails held by more than one customer partner. */
  duplicateEmails: string[];
  /** mail_mail rows with state 'outgoing', and those of them scheduled in the future (year 2035+). */
  mail: { outgoing: number; scheduled: number };
  /** ir_cron id of base.autovacuum_job, or null without ir_cron. */
  autovacuumCronId: number | null;
  /** What the personalData option planted (absent without it). */
  personal?: PersonalManifest;
}

const REQUIRED = ['res_company', 'res_partner', 'res_users'];

/** Generate into the (empty) database of `target`; see GenerateOptions. One transaction. */
export async function generateOdooDatabase(target: pg.ClientBase | string, opts: GenerateOptions): Promise<GeneratedSummary> {
  const started = Date.now();
  if (!SIZES.includes(opts.size)) throw new Error(`unknown size ${String(opts.size)}`);
  const profile = PROFILES[opts.size];
  const plan = planOdooSchema({ omit: opts.modules?.omit ?? [] });
  const missing = REQUIRED.filter((t) => plan.omitted.includes(t));
  if (missing.length > 0) throw new Error(`cannot omit core tables: ${missing.join(', ')}`);
  const tables = new Set(plan.tables);
  return withClient(target, async (client) => {
    const { rows } = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY($1)",
      [[...ODOO_TABLES]],
    );
    if ((rows[0]?.n ?? 0) > 0) throw new Error('target database already has Odoo tables; give an empty database');
    const ctx: GenContext = {
      client, seed: opts.seed, rng: new Rng(opts.seed), size: opts.size, profile, filestoreDir: opts.filestoreDir, tables,
      has: (t) => tables.has(t), moduleIds: new Map(), companyIds: [], companyPartnerIds: [],
      websiteIds: tables.has('website') ? [1, 2] : [], mailServerIds: [], fetchmailIds: [], partners: [], users: [],
      customerIds: [], knownPasswords: [], apiKeys: [], duplicateEmails: [], xmlids: [], autovacuumCronId: null,
      files: { count: 0, bytes: 0 },
    };
    await client.query('BEGIN');
    try {
      await client.query('SET LOCAL synchronous_commit = off');
      await runStatements(client, plan.preData);
      const facts = await fill(ctx);
      const personal = opts.personalData ? await addPersonalData(ctx, plan.omitted) : undefined;
      const allTables = personal ? [...plan.tables, ...personal.created] : plan.tables;
      await fixSequences(client, allTables);
      await runStatements(client, plan.postData);
      const rowCounts: Record<string, number> = {};
      for (const t of allTables) {
        const r = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ONLY public.${t}`);
        rowCounts[t] = r.rows[0]?.n ?? 0;
      }
      await client.query('COMMIT');
      const summary = summarize(ctx, opts, allTables, plan.omitted, rowCounts, facts, Date.now() - started);
      return personal ? { ...summary, personal: personal.manifest } : summary;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}

type Facts = Awaited<ReturnType<typeof fill>>;

async function fill(ctx: GenContext) {
  await writeModules(ctx);
  await writeCompanies(ctx);
  const usedEmails = new Set<string>();
  const firstInternalPartner = 4 + ctx.profile.companies;
  const { nextPartnerId, userRows } = await writeInternalUsers(ctx, firstInternalPartner, usedEmails);
  await writeCustomers(ctx, nextPartnerId, usedEmails);
  await writePortalUsers(ctx, userRows);
  await writeIapAndOauth(ctx);
  await writeUserCredentials(ctx);
  await writeBankAccounts(ctx);
  await writeMailServers(ctx);
  await writeFetchmailServers(ctx);
  await writePaymentProviders(ctx);
  await writeDeliveryAndWebsites(ctx);
  await writeMailAliases(ctx);
  const mail = await writeMessages(ctx);
  await writeFollowersAndActivities(ctx);
  await writeTemplatesAndPush(ctx);
  await writeCrons(ctx);
  await writeConfigParameters(ctx);
  const attachments = await writeAttachments(ctx);
  await writeXmlids(ctx);
  return { mail, attachments };
}

function summarize(
  ctx: GenContext, opts: GenerateOptions, tables: string[], omitted: string[], rowCounts: Record<string, number>, facts: Facts, durationMs: number,
): GeneratedSummary {
  const internalPartners = new Set(ctx.users.filter((u) => !u.share).map((u) => u.partnerId));
  const customers = ctx.partners.filter((p) => !internalPartners.has(p.id)).sort((a, b) => a.id - b.id);
  const attachmentRows = rowCounts.ir_attachment ?? 0;
  return {
    size: opts.size, seed: String(opts.seed), durationMs, tables, omittedTables: omitted, installedModules: installedModules(ctx),
    rowCounts, files: { ...ctx.files },
    attachments: { total: attachmentRows, inFilestore: attachmentRows - facts.attachments.urls - facts.attachments.dbDatas, ...facts.attachments },
    knownPasswords: ctx.knownPasswords, apiKeys: ctx.apiKeys,
    internalUserIds: ctx.users.filter((u) => !u.share).map((u) => u.id),
    portalUserIds: ctx.users.filter((u) => u.share).map((u) => u.id),
    internalPartnerIds: [...internalPartners].sort((a, b) => a - b), companyPartnerIds: ctx.companyPartnerIds,
    customerPartnerIds: customers.map((p) => p.id), customerEmails: customers.filter((p) => p.email !== null).length,
    duplicateEmails: ctx.duplicateEmails, mail: facts.mail,
    autovacuumCronId: ctx.has('ir_cron') ? ctx.autovacuumCronId : null,
  };
}
