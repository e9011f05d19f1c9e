import { describe, expect, it } from 'vitest';
import { createSealer } from './seal.js';

const secret = 'a-test-secret-of-at-least-32-characters!';

describe('sealer', () => {
  it('opens what it sealed, and the sealed text does not contain the plain text', () => {
    const s = createSealer(secret);
    const sealed = s.seal('{"ticket":"super-secret-ticket"}');
    expect(sealed).not.toContain('super-secret-ticket');
    expect(s.open(sealed)).toBe('{"ticket":"super-secret-ticket"}');
    expect(s.seal('x')).not.toBe(s.seal('x'));
  });

  it('refuses another key, an altered value and garbage', () => {
    const sealed = createSealer(secret).seal('hello');
    expect(createSealer(`${secret}-other`).open(sealed)).toBeNull();
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}A`;
    expect(createSealer(secret).open(tampered)).toBeNull();
    expect(createSealer(secret).open('v1.')).toBeNull();
    expect(createSealer(secret).open('nonsense')).toBeNull();
  });
});
