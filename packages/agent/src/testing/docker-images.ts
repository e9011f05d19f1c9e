// The images scripts/docker/build-images.sh builds for the Docker suites (a PostgreSQL 15 image and
// an Odoo stand-in), and why a suite must skip when the engine or they are missing. The agent
// itself only knows the images its configuration names.
import type Docker from 'dockerode';
import { DEFAULT_DOCKER_SOCKET, engineVersion } from '../docker/client.js';
import { odooImage, type DockerImages } from '../runtime/docker/objects.js';

export const TEST_IMAGES: DockerImages = { postgres: 'oec/postgres:15', odoo: 'oec/odoo-standin:{version}' };

/** The uid:gid of the stand-in's odoo user (the official image's). */
export const TEST_ODOO_USER = { uid: 101, gid: 101 };

/** Null when the engine answers and the test images (Odoo 17.0) exist; else why not. */
export async function dockerSkipReason(docker: Docker): Promise<string | null> {
  const version = await engineVersion(docker);
  if (version === null) return `no Docker engine answers on ${DEFAULT_DOCKER_SOCKET} (run scripts/docker/engine.sh)`;
  const missing: string[] = [];
  for (const image of [TEST_IMAGES.postgres, odooImage(TEST_IMAGES.odoo, '17.0')]) {
    try {
      await docker.getImage(image).inspect();
    } catch {
      missing.push(image);
    }
  }
  return missing.length > 0 ? `image(s) ${missing.join(', ')} missing (run scripts/docker/build-images.sh)` : null;
}
