import { canSee, canSeeSql, sharedAtLeastAs, type AccessScope, type Viewer } from './access';

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
  it("the owner's id with another org's token sees nothing", () =>
    expect(canSee(thing('private'), { userId: 'alice', org: 'globex', project: 'p1' })).toBe(false));
  it('shares nothing without an org, whatever the visibility', () =>
    expect(canSee(thing('org', null), { userId: 'bob', org: null, project: 'p1' })).toBe(false));
  it('as SQL names the same columns and placeholders (evaluated against Postgres in the e2e visibility suite)', () =>
    expect(canSeeSql({ owner: 'o', org: 'g', project: 'p', visibility: 'v' }, { user: '$1', org: '$2', project: '$3' })).toBe(
      "(g IS NOT DISTINCT FROM $2 AND (o = $1 OR (g IS NOT NULL AND (v = 'org' OR (v = 'project' AND p = $3)))))",
    ));
});

describe('sharing at least as widely', () => {
  const run = (visibility: AccessScope['visibility'], project = 'p1', ownerId = 'alice'): AccessScope => ({ ownerId, org: 'acme', project, visibility });
  it.each([
    ['a private run in its owner\'s private thread', run('private'), run('private'), true],
    ['a private run in an org thread', run('private'), run('org'), false],
    ['a project run in a project thread of the same project', run('project'), run('project'), true],
    ['a project run in a project thread of another project', run('project', 'p2'), run('project'), false],
    ['a project run in an org thread', run('project'), run('org'), false],
    ['an org run in an org thread', run('org', 'p2'), run('org'), true],
    ["an org run in another user's private thread of the org", run('org'), run('private', 'p1', 'bob'), true],
    ["a private run in another user's private thread", run('private'), run('private', 'p1', 'bob'), false],
  ] as const)('%s: %s', (_name, a, b, expected) => expect(sharedAtLeastAs(a, b)).toBe(expected));
});

describe('sharing at least as widely, at its edges', () => {
  const scope = (visibility: AccessScope['visibility'], project: string, org: string | null = 'acme', ownerId = 'alice'): AccessScope => ({ ownerId, org, project, visibility });
  it.each([
    // Only the owner sees a private thread, so any run its owner may see fits, whatever its project.
    ["a private run in its owner's private thread of another project", scope('private', 'p1'), scope('private', 'p2'), true],
    ["a project run in its owner's private thread of another project", scope('project', 'p1'), scope('private', 'p2'), true],
    // Without an org nothing is shared: an org-less thread shows nothing to anyone but its owner.
    ["an org-less private run in its owner's org-less 'org' thread", scope('private', 'p1', null), scope('org', 'p1', null), true],
    ["an org-less private run in its owner's org-less 'project' thread of another project", scope('private', 'p1', null), scope('project', 'p2', null), true],
    ["an org-less run in another user's org-less thread", scope('org', 'p1', null), scope('org', 'p1', null, 'bob'), false],
  ] as const)('%s: %s', (_name, a, b, expected) => expect(sharedAtLeastAs(a, b)).toBe(expected));
});
