import { describe, expect, it } from 'vitest';
import { generateAgentToken, hashAgentToken, tokenMatches, tokenServerId } from './tokens.js';

const ID = '9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

describe('agent tokens', () => {
  it('embed the server id and match only their own hash', () => {
    const token = generateAgentToken(ID);
    expect(tokenServerId(token)).toBe(ID);
    const hash = hashAgentToken(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenMatches(token, hash)).toBe(true);
    expect(tokenMatches(generateAgentToken(ID), hash)).toBe(false);
    expect(tokenMatches(token, 'not-hex')).toBe(false);
  });

  it('refuses tokens of another shape', () => {
    expect(tokenServerId('garbage')).toBeNull();
    expect(tokenServerId(`${ID}.short`)).toBeNull();
    expect(tokenServerId(`not-a-uuid.${'a'.repeat(43)}`)).toBeNull();
  });
});
