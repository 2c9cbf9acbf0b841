// Whether a user may read, write or enter a file or directory, decided from its owner, group and mode bits
// as the kernel does for a process with exactly one group. That is the process pgbackops starts for a job
// user: libuv drops the supplementary groups when it switches uid, so the primary group is the only one.
// (ACLs are not looked at: a path they open is reported as denied, never the other way round.)

export type Access = 'read' | 'write' | 'search';

export interface PathOwnership {
  uid: number;
  gid: number;
  /** st_mode; only the permission bits are read. */
  mode: number;
}

export interface Identity {
  uid: number;
  gid: number;
}

const BIT: Record<Access, number> = { read: 4, write: 2, search: 1 };

export function mayAccess(who: Identity, path: PathOwnership, access: Access): boolean {
  if (who.uid === 0) return true;
  const shift = path.uid === who.uid ? 6 : path.gid === who.gid ? 3 : 0;
  return ((path.mode >> shift) & BIT[access]) !== 0;
}

/** "uid 0, gid 0, mode 0700": what an operator needs to see to fix a denial. */
export function describeOwnership(path: PathOwnership): string {
  return `uid ${path.uid}, gid ${path.gid}, mode 0${(path.mode & 0o777).toString(8)}`;
}
