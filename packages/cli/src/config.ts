// Where the CLI finds its controller and token: OEC_URL / OEC_TOKEN (and OEC_PROJECT) override
// ~/.config/oec/config.json, which `oec login` writes with mode 0600 (it holds a bearer token).
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { CliError, Exit } from './exit-codes.js';

const fileSchema = z.object({
  url: z.string().url().optional(),
  token: z.string().min(1).optional(),
  project: z.string().min(1).optional(),
});
export type ConfigFile = z.infer<typeof fileSchema>;

export interface Settings {
  url: string;
  token: string;
  project: string | undefined;
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'oec', 'config.json');
}

export async function readConfigFile(path = configPath()): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return {};
  }
  const parsed = fileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new CliError(Exit.USAGE, 'CONFIG_INVALID', `${path} is not a valid oec config; run oec login again`);
  return parsed.data;
}

export async function writeConfigFile(config: ConfigFile, path = configPath()): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // writeFile's mode applies only when it creates the file: tighten an existing one too.
  await chmod(path, 0o600);
}

export async function loadSettings(env: NodeJS.ProcessEnv = process.env): Promise<Settings> {
  const file = await readConfigFile(configPath(env));
  const url = env.OEC_URL || file.url;
  const token = env.OEC_TOKEN || file.token;
  if (!url || !token) {
    throw new CliError(Exit.AUTH, 'NOT_LOGGED_IN', 'No controller URL or token: run `oec login --url URL --token T` or set OEC_URL and OEC_TOKEN');
  }
  return { url: url.replace(/\/+$/, ''), token, project: env.OEC_PROJECT || file.project };
}
