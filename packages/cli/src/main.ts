#!/usr/bin/env node
// oec: the platform's command line. Exit codes (exit-codes.ts): 0 success, 1 operation failed or
// cancelled, 2 usage/validation, 3 auth/permission, 4 not found, 5 rate limited or busy; the
// API's error code and message go to stderr.
import { Command, CommanderError, Option } from 'commander';
import { clone } from './clone.js';
import type { CloneFlags } from './clone.js';
import { cancel, envs, login, logs, retry, servers, status, wait } from './commands.js';
import type { GlobalOptions } from './commands.js';
import { CliError, Exit } from './exit-codes.js';
import { rulesGet, rulesSet } from './rules.js';

function program(): Command {
  const p = new Command('oec')
    .description('Command line of the OEC platform: environments, clones with live progress')
    .option('--json', 'print the API objects as JSON')
    .option('--project <project>', 'project name or id (default: OEC_PROJECT, the config, or your only project)')
    .showHelpAfterError()
    .exitOverride();
  const g = (cmd: Command) => cmd.optsWithGlobals<GlobalOptions>();

  p.command('login')
    .description('check and store the controller URL and token in ~/.config/oec/config.json (0600)')
    .requiredOption('--url <url>', 'controller URL, e.g. http://127.0.0.1:8080')
    .requiredOption('--token <token>', 'API token (JWT)')
    .action(async (_o, cmd: Command) => done(await login(cmd.optsWithGlobals())));
  p.command('servers').description('list servers').action(async (_o, cmd: Command) => done(await servers(g(cmd))));
  p.command('envs').description('list the environments of the project').action(async (_o, cmd: Command) => done(await envs(g(cmd))));
  p.command('clone')
    .description('clone SOURCE (name or id) into a new environment or over an existing one, and follow it')
    .argument('<source>', 'source environment name or id')
    .option('--name <name>', 'name of the new environment')
    .option('--server <server>', 'target server name or id (another server = cross-server clone)')
    .addOption(new Option('--type <type>', 'type of the new environment').choices(['development', 'staging', 'production']).default('staging'))
    .option('--replace <target>', 'replace this environment (name or id) instead of creating one')
    .option('--confirm <name>', "the replaced environment's name, typed again")
    .option('--preset <preset>', 'sanitization preset: recommended|minimal|full|none')
    .option('--i-understand-risks', 'acknowledge cloning without sanitization (preset none)')
    .option('--option <key=on|off>', 'override one sanitization option (repeatable)', (v: string, acc: string[]) => [...acc, v], [])
    .option('--no-filestore', 'leave the filestore out')
    .option('--compress', 'compress the data on the wire (cross-server)')
    .option('--estimate', 'only print the estimate (sizes, records, duration, quota and disk)')
    .option('--no-wait', 'print the operation id and return at once')
    .action(async (source: string, _o, cmd: Command) => done(await clone(source, cmd.optsWithGlobals<CloneFlags>())));
  p.command('status').argument('<op>', 'operation id').description('show an operation')
    .action(async (op: string, _o, cmd: Command) => done(await status(op, g(cmd))));
  p.command('logs').argument('<op>', 'operation id').description("print an operation's log")
    .option('-f, --follow', 'keep printing until the operation ends')
    .action(async (op: string, _o, cmd: Command) => done(await logs(op, cmd.optsWithGlobals())));
  p.command('cancel').argument('<op>', 'operation id').description('cancel an operation (before sanitizing starts)')
    .action(async (op: string, _o, cmd: Command) => done(await cancel(op, g(cmd))));
  p.command('retry').argument('<op>', 'operation id').description('start a failed or cancelled operation again')
    .option('--wait', 'follow the new operation to its end')
    .action(async (op: string, _o, cmd: Command) => done(await retry(op, cmd.optsWithGlobals())));
  p.command('wait').argument('<op>', 'operation id').description('follow an operation to its end (exit 0 completed, 1 otherwise)')
    .action(async (op: string, _o, cmd: Command) => done(await wait(op, g(cmd))));
  const rules = p.command('rules').description("a project's custom sanitization rules and sensitive models");
  rules.command('get').argument('<project>', 'project name or id').description('list the rules and the sensitive models')
    .action(async (project: string, _o, cmd: Command) => done(await rulesGet(project, g(cmd))));
  rules.command('set').argument('<project>', 'project name or id').description('replace the rules with those of a JSON file, and/or the sensitive models')
    .option('--file <file>', 'JSON: a list of rules, or { "rules": [...], "sensitive_models": [...] }')
    .option('--sensitive-models <models>', 'comma-separated Odoo models whose attachments the full preset replaces (e.g. hr.employee,res.partner; "" clears)')
    .action(async (project: string, _o, cmd: Command) => done(await rulesSet(project, cmd.optsWithGlobals())));
  return p;
}

let exitCode: Exit = Exit.OK;
function done(code: Exit): void {
  exitCode = code;
}

async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message; help and version are not errors.
      return err.exitCode === 0 ? Exit.OK : Exit.USAGE;
    }
    if (err instanceof CliError) {
      process.stderr.write(`oec: ${err.code}: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`oec: INTERNAL: ${err instanceof Error ? err.message : String(err)}\n`);
    return Exit.FAILED;
  }
}

process.exitCode = await main(process.argv);
