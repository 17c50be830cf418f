// Which policy a school runs: the latest version published for it in the database, otherwise the
// policy file named on the school (default: the Bradford model).
import type { Policy } from '../domain/policy/schema';
import type { Db } from '../store/db';
import { getSchool } from '../store/schools';
import { loadPolicyFile } from './index';

export const DEFAULT_POLICY = 'bradford-staged-intervention';

export async function policyForSchool(db: Db, schoolId: string): Promise<Policy> {
  // Published versions live in policy_versions (added with the web app's policy editor).
  const { rows: table } = await db.query<{ exists: boolean }>(
    `SELECT to_regclass('policy_versions') IS NOT NULL AS exists`,
  );
  if (table[0]?.exists) {
    const published = await db.query<{ document: Policy }>(
      `SELECT document FROM policy_versions WHERE school_id = $1 ORDER BY published_at DESC LIMIT 1`,
      [schoolId],
    );
    if (published.rows[0]) return published.rows[0].document;
  }
  const school = await getSchool(db, schoolId);
  return loadPolicyFile(school?.policyId ?? DEFAULT_POLICY);
}
