import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Floors point one way: cli/ and loadtest/ -> gateway/ -> subgraphs/ -> lib/ (docs/architecture.md),
 * with the end-to-end suites of test/ above them all. A file may import its own floor and the ones
 * below, never one above, and tests beside the code are held to the same floor. The floors are folders
 * at the repository root, so a relative import reaches one only through a path segment of that name;
 * package names (`@apollo/gateway`) are not relative and pass. test/architecture/import-floors.test.ts
 * plants violations and checks that they are refused.
 */
const ABOVE = {
  subgraphs: 'subgraphs/ (the domains)',
  gateway: 'gateway/ (transports, auth, the federated gateway)',
  cli: 'cli/ (the command line)',
  loadtest: 'loadtest/ (benches and load tests)',
  test: 'test/ (end-to-end suites, which import every floor)',
};

/** A relative module path that passes through the folder `floor` (`except`: sub-folders still allowed). */
const throughFloor = (floor, except = []) =>
  `^\\.{1,2}/(?:.*/)?${floor}/${except.map((e) => `(?!${e}/)`).join('')}|^\\.{1,2}/(?:.*/)?${floor}$`;

/**
 * `no-restricted-imports` (static imports and re-exports, type-only ones included) plus
 * `no-restricted-syntax` for `import()` and `import('…').T` types, refusing every floor in `above`.
 */
function floorRules(floor, above, why, except = {}) {
  const patterns = above.map((name) => ({
    regex: throughFloor(name, except[name]),
    message: `${floor}/ must not import ${ABOVE[name]}: ${why}`,
  }));
  const syntax = patterns.flatMap(({ regex, message }) => [
    { selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\/')}/]`, message },
    { selector: `TSImportType[argument.literal.value=/${regex.replaceAll('/', '\\/')}/]`, message },
  ]);
  return {
    files: [`${floor}/**/*.ts`, `${floor}/**/*.js`],
    rules: {
      'no-restricted-imports': ['error', { patterns }],
      'no-restricted-syntax': ['error', ...syntax],
    },
  };
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'data/**',
      '.scratch/**',
      '.cache/**',
      'schema/**/*.generated.*',
      '**/__generated__/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  floorRules(
    'lib',
    ['subgraphs', 'gateway', 'cli', 'loadtest', 'test'],
    'lib/ is domain-neutral code every floor shares; move what needs a higher floor up to it, or pass it in.',
  ),
  floorRules(
    'subgraphs',
    ['gateway', 'cli', 'loadtest', 'test'],
    'a subgraph is served by the gateway and knows nothing of it; move the code up, or pass it in.',
    // The TAMS spec locator and its suite helper (test/tams-spec/) import no floor.
    { test: ['tams-spec'] },
  ),
  {
    // The browser dashboard: DOM globals instead of Node's.
    files: ['dashboard/src/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  floorRules(
    'dashboard',
    ['subgraphs', 'gateway', 'cli', 'loadtest', 'test'],
    'the dashboard runs in the browser and reaches the store through its API only; lib/ code without Node imports (lib/tams) is what it may share.',
  ),
  floorRules(
    'gateway',
    ['cli', 'loadtest'],
    'the command line and the benches drive the gateway, not the other way round; move the code down.',
  ),
  prettier,
);
