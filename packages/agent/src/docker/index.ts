// Public surface of the agent's Docker helpers, for the test harness, the demo and operator tools:
// the Engine client, the names and labels of an environment's objects, and the label sweep.
export { createDockerClient, DEFAULT_DOCKER_SOCKET, engineVersion } from './client.js';
export { cleanupAll, containerIp, inspectContainer, listLabelled, type CleanupCounts } from '../runtime/docker/engine.js';
export { envObjectNames, LABEL, odooImage, type DockerImages } from '../runtime/docker/objects.js';
export { readSecrets } from '../runtime/docker/secrets.js';
export { envLayout } from '../runtime/layout.js';
export { dockerSkipReason, TEST_IMAGES, TEST_ODOO_USER } from '../testing/docker-images.js';
