// The images of the `docker` runtime's environments: fixed per environment at its creation in
// `<env>/images.json` (so changing the configuration never swaps an existing environment's
// images), and the PostgreSQL version of the configured image (what a new environment here runs).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { z } from 'zod';
import type { EnvironmentRef, EnvironmentSpec } from '@oec/shared';
import type { Logger } from '../../logger.js';
import { parseToolVersion } from '../facts.js';
import { isMissing } from '../fs-usage.js';
import { envLayout, writeAtomic } from '../layout.js';
import { runOnce } from './engine.js';
import { odooImage, type DockerImages } from './objects.js';

export interface EnvImagesOptions {
  docker: Docker;
  dataDir: string;
  server: string;
  /** The PostgreSQL image, and the Odoo image (`{version}` becomes the environment's series). */
  images: DockerImages;
  logger: Logger;
}

export class EnvImages {
  private pgImageVersion: Promise<string | null> | undefined;

  constructor(private readonly opts: EnvImagesOptions) {}

  /**
   * The images an environment runs, fixed at its creation: those of the environment it was made
   * like (a clone's source on this server), else this server's configured ones.
   */
  async ensure(spec: EnvironmentSpec, like: EnvironmentRef | undefined): Promise<DockerImages> {
    const own = await readImages(this.file(spec));
    if (own) return own;
    const inherited = like ? await readImages(this.file(like)) : null;
    const images = inherited ?? this.configured(spec.odoo_version);
    await writeAtomic(this.file(spec), `${JSON.stringify(images, null, 2)}\n`, 0o644);
    return images;
  }

  /** The recorded images, or the configured ones for an environment made before they were recorded. */
  async of(ref: EnvironmentRef, meta: EnvironmentSpec): Promise<DockerImages> {
    return (await readImages(this.file(ref))) ?? this.configured(meta.odoo_version);
  }

  /** `postgres --version` in a one-off container of the configured image, once per agent run. */
  postgresVersion(): Promise<string | null> {
    const image = this.opts.images.postgres;
    this.pgImageVersion ??= runOnce(this.opts.docker, this.opts.server, image, ['postgres', '--version'], AbortSignal.timeout(120_000)).then(
      (out) => parseToolVersion(out),
      (e: unknown) => {
        this.opts.logger.warn({ image, err: (e as Error).message }, 'cannot read the PostgreSQL image version');
        this.pgImageVersion = undefined;
        return null;
      },
    );
    return this.pgImageVersion;
  }

  /** This server's configured images for an environment of Odoo `odooVersion`. */
  private configured(odooVersion: string): DockerImages {
    return { postgres: this.opts.images.postgres, odoo: odooImage(this.opts.images.odoo, odooVersion) };
  }

  private file(ref: EnvironmentRef): string {
    return join(envLayout(this.opts.dataDir, ref).root, 'images.json');
  }
}

const imagesSchema = z.object({ postgres: z.string().min(1), odoo: z.string().min(1) });

async function readImages(path: string): Promise<DockerImages | null> {
  try {
    return imagesSchema.parse(JSON.parse(await readFile(path, 'utf8')));
  } catch (e) {
    if (isMissing(e)) return null;
    throw e;
  }
}
