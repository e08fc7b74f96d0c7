/**
 * Who may see a run or a thread: one rule for every dialect and every service. Not visible is
 * answered exactly like missing (404).
 */
export const VISIBILITIES = ['private', 'project', 'org'] as const;
/**
 * `private`: the owner only (Travelmode's runs and trips). `project`: everyone in the owner's org
 * and project (Vertesia's default). `org`: everyone in the owner's org (seed 003's runs).
 */
export type Visibility = (typeof VISIBILITIES)[number];

/** A principal without a `project` claim works in this one. */
export const DEFAULT_PROJECT = 'default';

/** Scopes a principal may hold. Creating and controlling runs needs `workflow:run`; reading needs none. */
export const SCOPES = { runWorkflows: 'workflow:run' } as const;

/** What the rule looks at on the thing seen. */
export interface AccessScope {
  ownerId: string;
  org: string | null;
  project: string;
  visibility: Visibility;
}

/** What the rule looks at on the one looking. */
export interface Viewer {
  userId: string;
  org: string | null;
  project: string;
}

/**
 * The rule. The owner is a user of the thing's org: the same user id with another org's token
 * sees nothing. Without an org nothing is shared: only the owner sees it.
 */
export function canSee(thing: AccessScope, viewer: Viewer): boolean {
  if (thing.org !== viewer.org) return false;
  if (thing.ownerId === viewer.userId) return true;
  if (thing.org === null) return false;
  if (thing.visibility === 'org') return true;
  return thing.visibility === 'project' && thing.project === viewer.project;
}

/**
 * The same rule as a SQL condition, for lists and lookups in the read model: `columns` names the
 * table's owner, org, project and visibility columns, `placeholders` where the viewer's user id,
 * org and project are bound (`$2`, `:viewerUser` …). A spec checks both forms agree.
 */
export function canSeeSql(
  columns: { owner: string; org: string; project: string; visibility: string },
  placeholders: { user: string; org: string; project: string },
): string {
  const { owner, org, project, visibility } = columns;
  return (
    `(${org} IS NOT DISTINCT FROM ${placeholders.org} AND (${owner} = ${placeholders.user} OR (${org} IS NOT NULL ` +
    `AND (${visibility} = 'org' OR (${visibility} = 'project' AND ${project} = ${placeholders.project})))))`
  );
}

const RANK = { private: 0, project: 1, org: 2 } as const;

/**
 * Whether everyone who may see `b` may also see `a` (a run's answer may go into a thread only
 * if it does not show the run to anyone who could not see it).
 */
export function sharedAtLeastAs(a: AccessScope, b: AccessScope): boolean {
  if (!canSee(a, { userId: b.ownerId, org: b.org, project: b.project })) return false;
  if (b.visibility === 'private' || b.org === null) return true;
  if (a.org !== b.org || RANK[a.visibility] < RANK[b.visibility]) return false;
  return a.visibility === 'org' || a.project === b.project;
}

/** The actor of a command as the rule sees it (a user acting directly or through an API key). */
export const viewerOf = (actor: { id: string; org?: string; project?: string }): Viewer => ({
  userId: actor.id,
  org: actor.org ?? null,
  project: actor.project ?? DEFAULT_PROJECT,
});
