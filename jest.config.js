// Unit tests sit beside the code (*.spec.ts); end-to-end tests (test/*.e2e-spec.ts) start real
// processes against a private nats-server and a private Postgres database.
const moduleNameMapper = {
  '^#agent-sdk$': '<rootDir>/libs/agent-sdk/src',
  '^#contracts$': '<rootDir>/libs/contracts/src',
  '^#dialects$': '<rootDir>/libs/dialects/src',
  '^#domain$': '<rootDir>/libs/domain/src',
  '^#messaging$': '<rootDir>/libs/messaging/src',
  '^#persistence$': '<rootDir>/libs/persistence/src',
  '^#platform$': '<rootDir>/libs/platform/src',
};
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: __dirname,
      roots: ['<rootDir>/apps', '<rootDir>/libs'],
      testMatch: ['**/*.spec.ts'],
      moduleNameMapper,
      transform,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: __dirname,
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
      moduleNameMapper,
      transform,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/jest-setup.ts'],
    },
  ],
};
