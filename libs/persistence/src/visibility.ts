import { canSeeSql, type Viewer } from '#contracts';

/** The one visibility rule (contracts `canSee`) over a runs or threads alias, with the viewer bound as named parameters. */
export function visibleTo(alias: string, viewer: Viewer, owner = 'user_id') {
  return {
    sql: canSeeSql(
      { owner: `${alias}.${owner}`, org: `${alias}.org`, project: `${alias}.project`, visibility: `${alias}.visibility` },
      { user: ':viewerUser', org: ':viewerOrg', project: ':viewerProject' },
    ),
    params: { viewerUser: viewer.userId, viewerOrg: viewer.org, viewerProject: viewer.project },
  };
}
