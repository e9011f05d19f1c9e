// replace_sensitive_attachments (full preset): the attachments of the models the project marks
// sensitive (avatars and other binary fields, `res_field` set, and documents attached to their
// records) get a placeholder's content — the row, its id and its res_model/res_id stay, so every
// reference stays valid — and every attachment share token (`access_token`) is cleared. The
// files only those attachments referenced are removed from the clone's filestore after COMMIT
// (a rollback leaves the rows pointing at them). URL attachments hold no content and are kept.
import { IMAGE_PLACEHOLDER, PLACEHOLDERS, TEXT_PLACEHOLDER } from '../attachments/placeholders.js';
import { placeholderPresent, removeFiles, writePlaceholder } from '../attachments/files.js';
import { plural, Stmt, summarize } from '../sql.js';
import type { ApplyContext, PlanContext, SanitizeOption } from '../types.js';

const COLUMNS = ['res_model', 'type', 'store_fname', 'checksum', 'file_size', 'mimetype'] as const;
/** Content columns cleared when present (DB-stored bytes, the extracted text of the search index). */
const CLEARED = ['db_datas', 'index_content'] as const;

/** The attachment (alias-free, in ir_attachment) belongs to a sensitive model and holds content. */
function sensitiveSql(s: Stmt, models: readonly string[]): string {
  return `res_model = ANY(${s.list(models)}) AND type IS DISTINCT FROM ${s.v('url')}`;
}

/** The attachment already holds a placeholder (its file and nothing else). */
function isPlaceholderSql(ctx: PlanContext, s: Stmt): string {
  const tuples = PLACEHOLDERS.map((p) => `(${s.v(p.storeFname)}::text, ${s.v(p.checksum)}::text, ${s.v(p.size)}::int, ${s.v(p.mimetype)}::text)`);
  const cleared = ctx.schema.present('ir_attachment', CLEARED).map((c) => ` AND ${c} IS NULL`);
  return `coalesce((store_fname::text, checksum::text, file_size, mimetype::text) IN (${tuples.join(', ')}), false)${cleared.join('')}`;
}

/** The sensitive attachments still holding their content, a condition on ir_attachment. */
function pendingWhere(ctx: PlanContext, s: Stmt, models: readonly string[]): string {
  return `${sensitiveSql(s, models)} AND NOT (${isPlaceholderSql(ctx, s)})`;
}

function pendingSql(ctx: PlanContext, s: Stmt, models: readonly string[]): string {
  return `ir_attachment WHERE ${pendingWhere(ctx, s, models)}`;
}

function models(ctx: PlanContext): readonly string[] {
  return ctx.sensitiveModels ?? [];
}

/** Point the pending rows at their placeholder; returns the rows and the files they referenced. */
async function replaceContent(ctx: ApplyContext): Promise<{ rows: number; orphans: string[] }> {
  const f = new Stmt();
  const { rows: files } = await ctx.query<{ f: string }>(`SELECT DISTINCT store_fname AS f FROM ${pendingSql(ctx, f, models(ctx))} AND store_fname IS NOT NULL`, f.values);
  const s = new Stmt();
  // every SET expression reads the row as it was: the CASEs all see the original mimetype
  const image = `mimetype LIKE ${s.v('image/%')}`;
  const pick = (a: string, b: string): string => `CASE WHEN ${image} THEN ${a} ELSE ${b} END`;
  const [i, t] = [IMAGE_PLACEHOLDER, TEXT_PLACEHOLDER];
  const sets = [
    `store_fname = ${pick(s.v(i.storeFname), s.v(t.storeFname))}`,
    `checksum = ${pick(s.v(i.checksum), s.v(t.checksum))}`,
    `file_size = ${pick(`${s.v(i.size)}::int`, `${s.v(t.size)}::int`)}`,
    `mimetype = ${pick(s.v(i.mimetype), s.v(t.mimetype))}`,
    ...ctx.schema.present('ir_attachment', [...CLEARED, 'access_token']).map((c) => `${c} = NULL`),
  ];
  const rows = await ctx.exec(`UPDATE ir_attachment SET ${sets.join(', ')} WHERE id IN (SELECT id FROM ${pendingSql(ctx, s, models(ctx))})`, s.values);
  const { rows: left } = await ctx.query<{ f: string }>(
    'SELECT f FROM unnest($1::text[]) AS f WHERE NOT EXISTS (SELECT 1 FROM ir_attachment a WHERE a.store_fname = f)',
    [files.map((r) => r.f)],
  );
  return { rows, orphans: left.map((r) => r.f) };
}

/** The placeholders some row points at. */
async function referencedPlaceholders(ctx: ApplyContext): Promise<typeof PLACEHOLDERS> {
  const { rows } = await ctx.query<{ f: string }>('SELECT DISTINCT store_fname AS f FROM ir_attachment WHERE store_fname = ANY($1::text[])', [PLACEHOLDERS.map((p) => p.storeFname)]);
  const used = new Set(rows.map((r) => r.f));
  return PLACEHOLDERS.filter((p) => used.has(p.storeFname));
}

export const replaceSensitiveAttachments: SanitizeOption = {
  key: 'replace_sensitive_attachments',
  scans: ['ir_attachment'],
  async apply(ctx) {
    if (!ctx.require('ir_attachment', ...COLUMNS)) return 0;
    const fs = ctx.params.filestore ?? null;
    const root = fs?.dir ?? null;
    let n = 0;
    if (models(ctx).length === 0) ctx.warn('no sensitive models set for the project: only share tokens cleared');
    else {
      const { rows, orphans } = await replaceContent(ctx);
      n += rows;
      if (root && fs?.removeUnreferenced && orphans.length > 0) ctx.afterCommit(() => removeFiles(root, orphans));
    }
    if (ctx.schema.has('ir_attachment', 'access_token')) n += await ctx.exec('UPDATE ir_attachment SET access_token = NULL WHERE access_token IS NOT NULL');
    // on the COPY path the rows arrived with their placeholder: the files are written here too
    const used = await referencedPlaceholders(ctx);
    if (root) for (const p of used) await writePlaceholder(root, p);
    else if (used.length > 0) ctx.warn('no filestore given: placeholder files not written');
    return n;
  },
  proof(ctx) {
    return [
      {
        check: "no sensitive model's attachment left with its content",
        requires: [['ir_attachment', ...COLUMNS]],
        rows: { table: 'ir_attachment', where: (s) => pendingWhere(ctx, s, models(ctx)) },
      },
      { check: 'no attachment share token left', requires: [['ir_attachment', 'access_token']], rows: { table: 'ir_attachment', where: () => 'access_token IS NOT NULL' } },
    ];
  },
  async proveFiles(ctx) {
    if (!ctx.schema.has('ir_attachment', 'store_fname')) return [];
    const root = ctx.params.filestore?.dir ?? null;
    const missing: string[] = [];
    for (const p of await referencedPlaceholders(ctx)) if (!root || !(await placeholderPresent(root, p))) missing.push(p.storeFname);
    return [{ check: 'placeholder files present in the filestore', violations: missing.length, detail: missing.length > 0 ? `missing: ${missing.join(', ')}` : null }];
  },
  async estimate(ctx) {
    if (!ctx.require('ir_attachment', ...COLUMNS)) return { rows: 0, summary: 'no attachments table' };
    const s = new Stmt();
    const replaced = `${sensitiveSql(s, models(ctx))} AND NOT (${isPlaceholderSql(ctx, s)})`;
    const token = ctx.schema.has('ir_attachment', 'access_token') ? ' OR access_token IS NOT NULL' : '';
    const n = await ctx.count('ir_attachment', `SELECT 1 FROM ir_attachment WHERE (${replaced})${token}`, s.values);
    const r = new Stmt();
    const only = await ctx.count('ir_attachment', `SELECT 1 FROM ${pendingSql(ctx, r, models(ctx))}`, r.values);
    return {
      rows: n,
      summary: summarize([
        [only, `${plural(only, "sensitive model's attachment")} replaced by a placeholder`],
        [n - only, `${plural(n - only, 'share token')} cleared`],
      ], models(ctx).length === 0 ? 'no sensitive models set for the project' : 'nothing to replace'),
    };
  },
};
