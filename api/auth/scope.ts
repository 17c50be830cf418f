// A user's scope is a set of schools. Every read and write of pupil data passes through here, and an
// id outside the scope is answered exactly like an unknown id (404), so nobody can probe another
// school's pupils or cases.
import { forbidden, notFound } from '../errors';
import type { Role, User } from './users';

export function seesAllSchools(user: User): boolean {
  return user.allSchools;
}

export function inScope(user: User, schoolId: string | null | undefined): boolean {
  if (!schoolId) return false;
  return user.allSchools || user.schoolIds.includes(schoolId);
}

/** Throws 404 when the school is outside the user's scope. */
export function assertSchool(
  user: User,
  schoolId: string | null | undefined,
  what = 'Not found',
): asserts schoolId is string {
  if (!inScope(user, schoolId)) throw notFound(what);
}

/** For SQL filters: null = every school, otherwise the ids in scope. */
export function scopeIds(user: User): string[] | null {
  return user.allSchools ? null : user.schoolIds;
}

/** The schools a list should cover: the one asked for (checked), or every school in scope. */
export function schoolsFor(user: User, requested: string | undefined): string[] | null {
  if (requested) {
    assertSchool(user, requested, 'No such school');
    return [requested];
  }
  return scopeIds(user);
}

export function requireRole(user: User, roles: readonly Role[], action: string): void {
  if (!roles.includes(user.role)) {
    throw forbidden(`Your role (${user.role}) cannot ${action}; it needs ${roles.join(' or ')}.`);
  }
}
