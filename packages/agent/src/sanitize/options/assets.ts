// clear_asset_bundles (always): compiled CSS/JS bundles cached as ir_attachment rows are deleted so
// that the target rebuilds them for its own URL and code. The files stay in the filestore (they
// may be hard links shared with the source); Odoo's filestore garbage collection removes them.
import { plural, Stmt } from '../sql.js';
import type { SanitizeOption } from '../types.js';

/** The cached bundles, a condition on ir_attachment. */
function bundlesWhere(s: Stmt): string {
  return `res_model = ${s.v('ir.ui.view')} AND url LIKE ${s.v('/web/assets/%')}`;
}

export const clearAssetBundles: SanitizeOption = {
  key: 'clear_asset_bundles',
  scans: ['ir_attachment'],
  async apply(ctx) {
    if (!ctx.require('ir_attachment', 'res_model', 'url')) return 0;
    const s = new Stmt();
    return ctx.exec(`DELETE FROM ir_attachment WHERE ${bundlesWhere(s)}`, s.values);
  },
  proof() {
    return [{ check: 'no cached asset bundle left', requires: [['ir_attachment', 'res_model', 'url']], rows: { table: 'ir_attachment', where: bundlesWhere } }];
  },
  async estimate(ctx) {
    if (!ctx.require('ir_attachment', 'res_model', 'url')) return { rows: 0, summary: 'no attachments table' };
    const s = new Stmt();
    const n = await ctx.count('ir_attachment', `SELECT 1 FROM ir_attachment WHERE ${bundlesWhere(s)}`, s.values);
    return { rows: n, summary: `${plural(n, 'asset bundle')} will be deleted (rebuilt on first request)` };
  },
};
