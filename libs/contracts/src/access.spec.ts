import { canSee, canSeeSql, type AccessScope, type Viewer } from './access';

const thing = (visibility: AccessScope['visibility'], org: string | null = 'acme'): AccessScope => ({ ownerId: 'alice', org, project: 'p1', visibility });
const viewers: Record<string, Viewer> = {
  owner: { userId: 'alice', org: 'acme', project: 'p1' },
  sameProject: { userId: 'bob', org: 'acme', project: 'p1' },
  otherProject: { userId: 'carol', org: 'acme', project: 'p2' },
  otherOrg: { userId: 'dave', org: 'globex', project: 'p1' },
};

describe('the visibility rule', () => {
  it.each([
    ['private', { owner: true, sameProject: false, otherProject: false, otherOrg: false }],
    ['project', { owner: true, sameProject: true, otherProject: false, otherOrg: false }],
    ['org', { owner: true, sameProject: true, otherProject: true, otherOrg: false }],
  ] as const)('%s', (visibility, expected) => {
    for (const [name, viewer] of Object.entries(viewers)) expect([name, canSee(thing(visibility), viewer)]).toEqual([name, expected[name as keyof typeof expected]]);
  });
  it('shares nothing without an org, whatever the visibility', () =>
    expect(canSee(thing('org', null), { userId: 'bob', org: null, project: 'p1' })).toBe(false));
  it('as SQL names the same columns and placeholders (evaluated against Postgres in the e2e visibility suite)', () =>
    expect(canSeeSql({ owner: 'o', org: 'g', project: 'p', visibility: 'v' }, { user: '$1', org: '$2', project: '$3' })).toBe(
      "(o = $1 OR (g IS NOT NULL AND g = $2 AND (v = 'org' OR (v = 'project' AND p = $3))))",
    ));
});
