// ESLint flat config. Besides style and safety rules it enforces the layers of
// docs/ARCHITECTURE.md: pure libraries (package.json "mesh": { "layer": "pure" }) may
// not import I/O; nobody deep-imports a workspace package; services never import each
// other; the test harness imports no service code; no import cycles.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const root = import.meta.dirname;

function workspacePackages(dir) {
  const base = join(root, dir);
  if (!existsSync(base)) return [];
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(base, d.name, 'package.json')))
    .map((d) => {
      const pkg = JSON.parse(readFileSync(join(base, d.name, 'package.json'), 'utf8'));
      return { dir: `${dir}/${d.name}`, name: pkg.name, layer: pkg.mesh?.layer ?? 'adapter' };
    });
}

const libs = workspacePackages('libs');
const services = workspacePackages('services');
const pureLibs = libs.filter((l) => l.layer === 'pure');
const adapterLibs = libs.filter((l) => l.layer !== 'pure');
const actorServices = services.filter((s) => s.layer !== 'composition');

/** Modules that do I/O or bind a framework: forbidden in pure libraries. */
const nodeIo = [
  'net',
  'fs',
  'fs/promises',
  'http',
  'https',
  'http2',
  'tls',
  'dgram',
  'child_process',
  'cluster',
  'worker_threads',
  'dns',
  'os',
];
const ioModules = [
  'pg',
  '@electric-sql/pglite',
  'fastify',
  'pino',
  'prom-client',
  'soap',
  ...nodeIo,
  ...nodeIo.map((m) => `node:${m}`),
];

const noDeepImports = {
  group: ['@mesh/*/*'],
  message: 'Import workspace packages by their entry point only (@mesh/pkg), never a deep path.',
};

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', 'data/**', '.tools/**', '**/dist/**', 'coverage/**', '**/.scratch/**'],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.mjs', 'scripts/*.mjs', '.ci/*.mjs'] },
        tsconfigRootDir: root,
      },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'no-restricted-imports': ['error', { patterns: [noDeepImports] }],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // Plain JavaScript (this file, the bootstrap script): no type information to check against.
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.test.ts', '**/bench/**/*.ts', 'scripts/**', '*.config.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  ...pureLibs.map((lib) => ({
    files: [`${lib.dir}/src/**/*.ts`],
    ignores: [`${lib.dir}/src/**/*.test.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ioModules.map((name) => ({
            name,
            message: `${lib.name} is a pure library: no I/O (see docs/ARCHITECTURE.md).`,
          })),
          patterns: [
            noDeepImports,
            {
              group: ['@nats-io/*', '@opentelemetry/*', '@fastify/*'],
              message: `${lib.name} is a pure library: no I/O.`,
            },
            ...(adapterLibs.length + services.length > 0
              ? [
                  {
                    group: [...adapterLibs, ...services].map((p) => p.name),
                    message: `${lib.name} is pure: it may depend on pure libraries only.`,
                  },
                ]
              : []),
          ],
        },
      ],
    },
  })),
  ...adapterLibs.map((lib) => ({
    files: [`${lib.dir}/src/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noDeepImports,
            ...(services.length > 0
              ? [{ group: services.map((s) => s.name), message: 'Libraries never import services.' }]
              : []),
          ],
        },
      ],
    },
  })),
  ...actorServices.map((svc) => ({
    files: [`${svc.dir}/src/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noDeepImports,
            ...(services.length > 1
              ? [
                  {
                    group: services.filter((s) => s.name !== svc.name).map((s) => s.name),
                    message: 'Services never import each other: talk over SOAP/MLLP/HTTP or bus subjects.',
                  },
                ]
              : []),
          ],
        },
      ],
    },
  })),
  {
    files: ['test-harness/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noDeepImports,
            {
              group: [...services, ...adapterLibs].map((p) => p.name),
              message:
                'The test harness is black-box: it imports no service code and no adapter, only pure libraries.',
            },
          ],
        },
      ],
    },
  },
  {
    // Test helpers never reach product code.
    files: ['libs/*/src/**/*.ts', 'services/*/src/**/*.ts', 'test-harness/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.int.test.ts', 'libs/test-support/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='@mesh/test-support']",
          message: '@mesh/test-support is for tests and benchmarks only.',
        },
      ],
    },
  },
);
