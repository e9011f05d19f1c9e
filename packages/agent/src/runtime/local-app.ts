#!/usr/bin/env node
// The `local` runtime's stand-in for an Odoo server: reads odoo.conf the way Odoo does, answers
// the health URL (200 only while it can query its database, which it can only while its role
// has CONNECT), the version-info route, and `--version` like `odoo-bin --version`.
//
//   node local-app.js -c <odoo.conf>             serve
//   node local-app.js [-c <odoo.conf>] --version print `Odoo Server <series>`
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import { parseOdooConf } from './odoo-conf.js';

function confPathFrom(argv: string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '-c' || arg === '--config') return argv[i + 1] ?? null;
    if (arg.startsWith('--config=')) return arg.slice('--config='.length);
  }
  return null;
}

function html(dbName: string): string {
  const safe = dbName.replace(/[^a-z0-9_]/g, '');
  return `<!DOCTYPE html><html><head><title>Odoo</title></head><body><ul class="list-group"><li><a href="/web?db=${safe}">${safe}</a></li></ul></body></html>`;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

function main(): void {
  const argv = process.argv.slice(2);
  const confPath = confPathFrom(argv);
  const conf = confPath ? parseOdooConf(readFileSync(confPath, 'utf8')) : {};
  const series = conf.oec_odoo_version ?? '17.0';
  if (argv.includes('--version')) {
    process.stdout.write(`Odoo Server ${series}\n`);
    return;
  }
  if (!confPath) {
    process.stderr.write('usage: local-app -c <odoo.conf> [--version]\n');
    process.exit(2);
  }
  const dbName = conf.db_name ?? '';
  const pool = new pg.Pool({
    host: conf.db_host,
    port: Number(conf.db_port),
    user: conf.db_user,
    password: conf.db_password,
    database: dbName,
    max: 2,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 10_000,
  });
  // A terminated backend (the agent stopping the environment) must not crash the app.
  pool.on('error', () => undefined);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/web/database/selector' || path === '/web/health') {
      try {
        await pool.query('SELECT 1');
        if (path === '/web/health') send(res, 200, 'application/json', JSON.stringify({ status: 'pass' }));
        else send(res, 200, 'text/html; charset=utf-8', html(dbName));
      } catch (e) {
        send(res, 503, 'text/plain', `database unavailable: ${(e as Error).message}\n`);
      }
      return;
    }
    if (path === '/web/webclient/version_info') {
      const [major, minor] = series.split('.').map(Number);
      const result = {
        server_version: series,
        server_version_info: [major ?? 17, minor ?? 0, 0, 'final', 0, ''],
        server_serie: series,
        protocol_version: 1,
      };
      send(res, 200, 'application/json', JSON.stringify({ jsonrpc: '2.0', id: null, result }));
      return;
    }
    send(res, 404, 'text/plain', 'not found\n');
  };

  const server = createServer((req, res) => void handle(req, res));
  server.on('error', (e) => {
    process.stderr.write(`local-app: ${e.message}\n`);
    process.exit(1);
  });
  server.listen(Number(conf.http_port), conf.http_interface ?? '127.0.0.1', () => {
    process.stdout.write(`local-app: serving ${dbName} on ${conf.http_interface}:${conf.http_port}\n`);
  });
  const shutdown = (): void => {
    server.close();
    server.closeAllConnections();
    void pool.end().finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main();
