import { describe, expect, it } from 'vitest';
import { baseUrlFor } from './runner.js';

describe('baseUrlFor', () => {
  const target = {
    baseUrl: 'http://default',
    routes: { '/xds': 'http://xds', '/xds/registry': 'http://registry', '/pix/': 'http://pix' },
  };

  it('picks the longest matching prefix', () => {
    expect(baseUrlFor(target, '/xds/registry')).toBe('http://registry');
    expect(baseUrlFor(target, '/xds/repository')).toBe('http://xds');
    expect(baseUrlFor(target, '/pix')).toBe('http://pix');
  });

  it('matches whole segments only, and falls back to baseUrl', () => {
    expect(baseUrlFor(target, '/xdsx')).toBe('http://default');
    expect(baseUrlFor(target, '/healthz')).toBe('http://default');
    expect(baseUrlFor({ baseUrl: 'http://only' }, '/xds/registry')).toBe('http://only');
  });
});
