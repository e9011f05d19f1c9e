// Read-only counts for the estimate: the rows of the mapped columns of an option that hold a value
// the engine would mask (structured columns only; free text is counted by the option modules).
import type { SanitizationOptionKey } from '@oec/shared';
import { internalPartnersSql, Stmt } from '../sql.js';
import type { EstimateContext } from '../types.js';
import { keyClass, keySql } from './engine.js';
import type { PersonalMap } from './map.js';

function q(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export async function countPersonalRows(ctx: EstimateContext, map: PersonalMap, option: SanitizationOptionKey): Promise<number> {
  const cols = map.columns.filter((c) => c.option === option);
  let total = 0;
  const tables = [...new Set(cols.map((c) => c.table))];
  for (const table of tables) {
    const s = new Stmt();
    const conds = cols
      .filter((c) => c.table === table)
      .map((c) => {
        const cls = keyClass(c);
        const col = `t.${q(c.column)}`;
        if (cls === null) return null;
        if (cls === 'clear' || c.audience === 'private' || c.audience === 'anyone') return `${col} IS NOT NULL`;
        if (cls === 'email') return `strpos(${col}, '@') > 0`;
        // a value of the staff's own is kept: on res_partner, the internal and company partners'
        const own = table === 'res_partner' ? ` AND t.id NOT IN (${internalPartnersSql(ctx)})` : '';
        return `(${col} IS NOT NULL AND length(${keySql(cls, col)}) >= 2${own})`;
      })
      .filter((x): x is string => x !== null);
    if (conds.length === 0) continue;
    total += await ctx.count(table, `SELECT 1 FROM ${q(table)} t WHERE ${conds.join(' OR ')}`, s.values);
  }
  return total;
}
