// Lint: TypeScript rules plus the dependency direction of DESIGN.md:
//   api <- machinery <- storage <- apiserver;  client <- every other component.
import tseslint from 'typescript-eslint';

const components = ['scheduler', 'controllers', 'agent', 'proxy', 'dns', 'ingress', 'dashboard', 'cli'];
const forbid = (...layers) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: layers.map((l) => ({
        // Relative paths only: 'kubernetes-types/storage/v1' is not src/storage.
        group: ['../', '../../', '../../../', '../../../../'].flatMap((up) => [`${up}${l}`, `${up}${l}/*`]),
        message: `This layer may not import src/${l} (see DESIGN.md: dependency direction).`,
      })),
    },
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  { files: ['src/api/**'], rules: forbid('machinery', 'storage', 'apiserver', 'client', ...components) },
  { files: ['src/machinery/**'], rules: forbid('storage', 'apiserver', 'client', ...components) },
  { files: ['src/storage/**'], rules: forbid('apiserver', 'client', ...components) },
  { files: ['src/apiserver/**'], rules: forbid('client', ...components) },
  { files: ['src/client/**'], rules: forbid('storage', 'apiserver', ...components) },
  {
    // Components reach state only through the API client, never storage or the API server.
    files: components.filter((c) => c !== 'cli').map((c) => `src/${c}/**`),
    rules: forbid('storage', 'apiserver'),
  },
);
