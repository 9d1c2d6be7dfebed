import type { UserPatch } from '@gatehouse/core';

const USER_PATCH_COLUMNS = {
  passwordHash: 'password_hash',
  roles: 'roles',
  status: 'status',
  updatedAt: 'updated_at',
  passwordChangedAt: 'password_changed_at',
} as const satisfies Record<keyof UserPatch, string>;

export interface ColumnAssignment {
  column: string;
  value: unknown;
}

/**
 * The columns a patch changes, for building an UPDATE. Column names come from the table above,
 * never from the patch's keys, so a caller passing extra fields (say `email`) cannot reach SQL.
 * Absent and undefined fields are left alone.
 */
export function toUserPatchAssignments(
  patch: UserPatch,
  encodeRoles: (roles: string[]) => unknown,
): ColumnAssignment[] {
  const assignments: ColumnAssignment[] = [];
  for (const field of Object.keys(USER_PATCH_COLUMNS) as Array<keyof UserPatch>) {
    const value = patch[field];
    if (value === undefined) continue;
    assignments.push({
      column: USER_PATCH_COLUMNS[field],
      value: field === 'roles' ? encodeRoles(value as string[]) : value,
    });
  }
  return assignments;
}
