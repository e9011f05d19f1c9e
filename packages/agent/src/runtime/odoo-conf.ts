// The odoo.conf an environment's app reads, like Odoo does: an INI `[options]` section.
// Values are ours (paths, ports, a hex password, a validated db name); newlines are refused so a
// value can never add a line.

export interface OdooConf {
  db_host: string;
  db_port: number;
  db_user: string;
  db_password: string;
  db_name: string;
  dbfilter: string;
  list_db: boolean;
  data_dir: string;
  addons_path: string;
  http_interface: string;
  http_port: number;
  /** Not an Odoo option: the series the stand-in app reports. */
  oec_odoo_version: string;
}

export function renderOdooConf(conf: OdooConf): string {
  const lines = ['[options]'];
  for (const [key, value] of Object.entries(conf)) {
    const text = typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value);
    if (/[\r\n\0]/.test(text)) throw new Error(`odoo.conf value of ${key} contains a line break`);
    lines.push(`${key} = ${text}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Options of the `[options]` section (Odoo's own parser semantics for `key = value` lines). */
export function parseOdooConf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let inOptions = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[')) {
      inOptions = line === '[options]';
      continue;
    }
    const eq = line.indexOf('=');
    if (inOptions && eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}
