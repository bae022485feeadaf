/**
 * The layer rules of docs/ARCHITECTURE.md live in eslint.config.js; this proves they fire.
 * Each case lints a snippet as if it were a file at the given path (type-aware rules are
 * switched off here: the layer rules are import rules and need no type information).
 */
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({
  cwd: new URL('..', import.meta.url).pathname,
  overrideConfig: [
    {
      ...tseslint.configs.disableTypeChecked,
      languageOptions: { parserOptions: { projectService: false, project: null } },
    },
  ],
});

async function layerErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax')
    .map((m) => m.message);
}

describe('layer rules', () => {
  it('pure libraries may not do I/O or use adapters', async () => {
    expect(
      await layerErrors(
        'libs/core/src/probe.ts',
        "import { readFileSync } from 'node:fs';\nvoid readFileSync;\n",
      ),
    ).toEqual([expect.stringContaining('pure library: no I/O')]);
    expect(await layerErrors('libs/xml/src/probe.ts', "import pg from 'pg';\nvoid pg;\n")).toHaveLength(1);
    expect(
      await layerErrors(
        'libs/xds/src/probe.ts',
        "import type { Bus } from '@mesh/bus';\nexport type B = Bus;\n",
      ),
    ).toEqual([expect.stringContaining('pure libraries only')]);
    expect(
      await layerErrors('libs/core/src/probe.ts', "import { NS } from '@mesh/xml';\nvoid NS;\n"),
    ).toEqual([]);
  });

  it('nobody deep-imports a workspace package', async () => {
    expect(
      await layerErrors(
        'services/registry/src/probe.ts',
        "import { x } from '@mesh/xml/src/parse.js';\nvoid x;\n",
      ),
    ).toEqual([expect.stringContaining('entry point only')]);
  });

  it('services never import each other, libraries never import services', async () => {
    expect(
      await layerErrors(
        'services/registry/src/probe.ts',
        "import { MODULES } from '@mesh/launcher';\nvoid MODULES;\n",
      ),
    ).toEqual([expect.stringContaining('Services never import each other')]);
    expect(
      await layerErrors('libs/soap/src/probe.ts', "import { x } from '@mesh/registry';\nvoid x;\n"),
    ).toEqual([expect.stringContaining('Libraries never import services')]);
  });

  it('the harness imports pure libraries only', async () => {
    expect(
      await layerErrors('test-harness/src/probe.ts', "import { openDb } from '@mesh/db';\nvoid openDb;\n"),
    ).toEqual([expect.stringContaining('black-box')]);
    expect(
      await layerErrors('test-harness/src/probe.ts', "import { NS } from '@mesh/xml';\nvoid NS;\n"),
    ).toEqual([]);
  });

  it('test support stays out of product code', async () => {
    const code = "import { createTestPki } from '@mesh/test-support';\nvoid createTestPki;\n";
    expect(await layerErrors('libs/mllp/src/probe.ts', code)).toEqual([
      expect.stringContaining('tests and benchmarks only'),
    ]);
    expect(await layerErrors('libs/mllp/src/probe.test.ts', code)).toEqual([]);
  });
});
