// The unit tier alone, for StrykerJS (`npm run test:mutation`): a mutant is killed when a
// given/when/then spec fails.
const base = require('./jest.config.js').projects[0];

module.exports = { ...base, displayName: undefined };
