import { describe, expect, it } from 'vitest';
import { ConfigError } from '@mesh/observability';
import { loadRuntimeConfig } from './config.js';

describe('runtime configuration: V8_HEAP_GROWING_PERCENT', () => {
  it('defaults to 100 (old generation may double before the next full collection)', () => {
    expect(loadRuntimeConfig({}).heapGrowingPercent).toBe(100);
  });

  it('takes 0 to leave V8 its own adaptive factor, and other values in range', () => {
    expect(loadRuntimeConfig({ V8_HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    expect(loadRuntimeConfig({ V8_HEAP_GROWING_PERCENT: '50' }).heapGrowingPercent).toBe(50);
  });

  it('refuses a value that is not an integer from 0 to 1000, naming the key', () => {
    for (const bad of ['-1', '1001', 'lots'])
      expect(() => loadRuntimeConfig({ V8_HEAP_GROWING_PERCENT: bad })).toThrow(
        expect.objectContaining({ message: expect.stringContaining('V8_HEAP_GROWING_PERCENT') }) as Error,
      );
    expect(() => loadRuntimeConfig({ V8_HEAP_GROWING_PERCENT: 'lots' })).toThrow(ConfigError);
  });
});
