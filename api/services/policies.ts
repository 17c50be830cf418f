// Finding the policy a case or school runs, for display (thresholds on charts, the policy page).
// The worker resolves policies itself (policies/schoolPolicy.ts); this mirrors it read-only.
import { readFileSync } from 'node:fs';
import type { Db } from '../../store/db';
import type { Policy } from '../../domain/policy/schema';
import { validatePolicy, type PolicyIssue } from '../../domain/policy/validate';
import { listPolicies } from '../../policies/index';
import { policyForSchool } from '../../policies/schoolPolicy';

export interface ShippedPolicy {
  name: string;
  file: string;
  text: string;
  policy: Policy | null;
  issues: PolicyIssue[];
}

/** The policy files in policies/, read and validated (a broken file is listed with its issues). */
export function shippedPolicies(): ShippedPolicy[] {
  return listPolicies().map(({ name, file }) => {
    const text = readFileSync(file, 'utf8');
    const result = validatePolicy(text, `policies/${file.split(/[\\/]/).pop()}`);
    return {
      name,
      file,
      text,
      policy: result.ok ? result.policy : null,
      issues: result.ok ? [] : result.issues,
    };
  });
}

export async function policyOfCase(
  db: Db,
  schoolId: string,
  policyId: string,
  version: string,
): Promise<Policy | null> {
  const { rows } = await db.query<{ document: Policy }>(
    `SELECT document FROM policy_versions WHERE school_id = $1 AND policy_id = $2 AND version = $3 ORDER BY published_at DESC LIMIT 1`,
    [schoolId, policyId, version],
  );
  if (rows[0]) return rows[0].document;
  try {
    const shipped = shippedPolicies().find(
      (p) => p.policy && p.policy.id === policyId && String(p.policy.version) === version,
    );
    if (shipped?.policy) return shipped.policy;
    return await policyForSchool(db, schoolId);
  } catch {
    return null;
  }
}

export async function schoolPolicyOrNull(db: Db, schoolId: string): Promise<Policy | null> {
  try {
    return await policyForSchool(db, schoolId);
  } catch {
    return null;
  }
}
