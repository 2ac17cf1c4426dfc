// ESLint 9 flat config: typescript-eslint's type-aware recommended rules over the TypeScript
// sources, tests and benchmarks (`npm run lint`, part of `npm test`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Rules of the recommended set that the code base does not meet yet (remaining findings as of
// the last clean-up; the first figure is the count when lint was introduced). They warn, so every
// finding stays visible in `npm run lint`, without failing the build until they are cleared file
// by file. Everything else is an error; a rule whose findings are all cleared leaves this list.
const NOT_YET_CLEAN = [
  '@typescript-eslint/no-unsafe-member-access', // 102 -> 81; 114 of the 132 unsafe/any findings left stem from `json(): any` in test/emulator-api.test.ts
  '@typescript-eslint/require-await', // 23 -> 39, mostly async fakes of Promise-returning interfaces in tests
  '@typescript-eslint/no-unsafe-assignment', // 36 -> 32
  '@typescript-eslint/no-unsafe-call', // 22 -> 15
  '@typescript-eslint/no-unsafe-return', // 2 -> 2, test/emulator-api.test.ts
  '@typescript-eslint/no-explicit-any', // 2 -> 2, test/emulator-api.test.ts
];

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', '.cache/', 'bench/results/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A dropped promise is a lost error and, in a server, often a hang: always an error.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // `_name` marks a binding kept on purpose (destructuring a field away, a fixed signature).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // `import()` in a type position hides a dependency from the import list: import types by name.
      '@typescript-eslint/consistent-type-imports': 'error',
      ...Object.fromEntries(NOT_YET_CLEAN.map((rule) => [rule, 'warn'])),
    },
  },
  {
    // Terminal escape sequences are what these tests look for.
    files: ['**/*.test.ts'],
    rules: { 'no-control-regex': 'off' },
  },
);
