// update_base_url: the target answers on its own URL. web.base.url (frozen, so an admin login
// does not rewrite it from the request host) and report.url point at the target; the first
// website takes the target URL as its domain and the others none (production domains must not
// resolve to staging); CDN off; robots.txt disallows everything (Odoo's website neutralization).
import { plural, setParam, Stmt } from '../sql.js';
import type { ApplyContext, CheckSpec, PlanContext, SanitizeOption } from '../types.js';

export const ROBOTS_DISALLOW_ALL = 'User-agent: *\nDisallow: /';

/** The URL parameters and their target values. */
export function urlParams(baseUrl: string): Array<[string, string]> {
  return [
    ['web.base.url', baseUrl],
    ['web.base.url.freeze', 'True'],
    ['report.url', baseUrl],
  ];
}

const FIRST_WEBSITE = '(SELECT min(id) FROM website)';

function websiteSets(ctx: PlanContext, s: Stmt, domain: string | null): string[] {
  const sets: string[] = [];
  if (ctx.schema.has('website', 'domain')) sets.push(`domain = ${domain === null ? 'NULL' : s.v(domain)}`);
  if (ctx.schema.has('website', 'cdn_activated')) sets.push('cdn_activated = false');
  if (ctx.schema.has('website', 'robots_txt')) sets.push(`robots_txt = ${s.v(ROBOTS_DISALLOW_ALL)}`);
  return sets;
}

async function updateWebsites(ctx: ApplyContext): Promise<number> {
  if (!ctx.require('website')) return 0;
  // Others first: website.domain is UNIQUE and the target URL may sit on another row today.
  const a = new Stmt();
  const others = websiteSets(ctx, a, null);
  if (others.length === 0) return 0;
  let n = await ctx.exec(`UPDATE website SET ${others.join(', ')} WHERE id <> ${FIRST_WEBSITE}`, a.values);
  const b = new Stmt();
  n += await ctx.exec(`UPDATE website SET ${websiteSets(ctx, b, ctx.params.baseUrl).join(', ')} WHERE id = ${FIRST_WEBSITE}`, b.values);
  return n;
}

export const updateBaseUrl: SanitizeOption = {
  key: 'update_base_url',
  async apply(ctx) {
    let n = 0;
    if (ctx.require('ir_config_parameter', 'key', 'value')) {
      for (const [key, value] of urlParams(ctx.params.baseUrl)) n += await setParam(ctx, key, value);
    }
    return n + (await updateWebsites(ctx));
  },
  proof(ctx) {
    const checks: CheckSpec[] = [];
    const names: Record<string, string> = {
      'web.base.url': 'web.base.url points to the target',
      'web.base.url.freeze': 'web.base.url frozen',
      'report.url': 'report.url points to the target',
    };
    for (const [key, value] of urlParams(ctx.params.baseUrl)) {
      checks.push({
        check: names[key] ?? key,
        requires: [['ir_config_parameter', 'key', 'value']],
        rows: { table: 'ir_config_parameter', where: (s) => `key = ${s.v(key)} AND value = ${s.v(value)}`, mustExist: true },
      });
    }
    checks.push({
      check: 'no website answers on another domain',
      requires: [['website', 'domain']],
      rows: { table: 'website', where: (s) => `domain IS NOT NULL AND domain <> ${s.v(ctx.params.baseUrl)}` },
    });
    checks.push({ check: 'website CDN disabled', requires: [['website', 'cdn_activated']], rows: { table: 'website', where: () => 'cdn_activated IS TRUE' } });
    checks.push({
      check: 'robots.txt disallows crawling',
      requires: [['website', 'robots_txt']],
      rows: { table: 'website', where: (s) => `robots_txt IS DISTINCT FROM ${s.v(ROBOTS_DISALLOW_ALL)}` },
    });
    return checks;
  },
  async estimate(ctx) {
    const params = ctx.require('ir_config_parameter', 'key', 'value') ? urlParams('').length : 0;
    const s = new Stmt();
    const websites = ctx.require('website') && websiteSets(ctx, s, null).length > 0 ? await ctx.count('website', 'SELECT 1 FROM website') : 0;
    return {
      rows: params + websites,
      summary: `web.base.url, report.url set to the target URL${websites > 0 ? `; ${plural(websites, 'website')} re-pointed, CDN off, robots.txt disallow-all` : ''}`,
    };
  },
};
