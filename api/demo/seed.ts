// Seeding the demo school into a store: the import (calendar, roster, marks), the policy it runs, the
// staff contacts letters are signed with, staff availability for meetings, and a demo officer and
// manager (fresh random passwords each time, returned so they can be printed or shown once).
import { randomUUID } from 'node:crypto';
import type { Db } from '../../store/db';
import { runImport, rowsFromObjects, type ImportSummary, type ProgressCallback } from '../../store/imports';
import { setSchoolPolicy } from '../../store/schools';
import { seedDefaultAvailability, setSchoolContact } from '../../store/caseServices';
import { validatePolicy } from '../../domain/policy/validate';
import type { IsoDate } from '../../domain/types';
import { DEFAULT_POLICY } from '../../policies/schoolPolicy';
import { listPolicies } from '../../policies/index';
import { readFileSync } from 'node:fs';
import { generatePassword, hashPassword } from '../auth/passwords';
import { demoPassword } from './passwords';
import { addUserSchool, createUser, getUserByEmail, updateUser } from '../auth/users';
import { DEMO_PUPILS, DEMO_SCHOOL_ID, demoSchoolData } from './demoSchool';

export interface DemoAccount {
  role: 'officer' | 'manager';
  email: string;
  password: string;
  displayName: string;
}

export interface DemoSeedResult {
  schoolId: string;
  summary: ImportSummary;
  accounts: DemoAccount[];
  marksFrom: IsoDate | null;
  marksTo: IsoDate | null;
}

export const DEMO_ACCOUNTS = [
  { role: 'officer' as const, email: 'officer@oakwood-demo.example.org', displayName: 'Dee Officer (demo)' },
  {
    role: 'manager' as const,
    email: 'manager@oakwood-demo.example.org',
    displayName: 'Morgan Manager (demo)',
  },
];

export async function seedDemoSchool(
  db: Db,
  options: {
    today: IsoDate;
    pupils?: number;
    onProgress?: ProgressCallback;
    accounts?: boolean;
    /** Where the demo accounts' passwords are kept from one start to the next (new ones if absent). */
    dataDir?: string;
  },
): Promise<DemoSeedResult> {
  const data = demoSchoolData(options.today, options.pupils ?? DEMO_PUPILS);
  const summary = await runImport(
    db,
    {
      schoolId: DEMO_SCHOOL_ID,
      calendar: data.calendar,
      roster: rowsFromObjects(data.roster),
      marks: rowsFromObjects(data.marks),
    },
    options.onProgress ? { onProgress: options.onProgress } : {},
  );
  await publishDefaultPolicy(db);
  await setSchoolContact(db, DEMO_SCHOOL_ID, 'officer', {
    name: 'Dee Officer',
    email: 'attendance@oakwood-demo.example.org',
  });
  await setSchoolContact(db, DEMO_SCHOOL_ID, 'manager', {
    name: 'Morgan Manager',
    email: 'head@oakwood-demo.example.org',
  });
  await seedDefaultAvailability(db, DEMO_SCHOOL_ID);
  const accounts = options.accounts === false ? [] : await ensureDemoAccounts(db, options.dataDir);
  return { schoolId: DEMO_SCHOOL_ID, summary, accounts, marksFrom: data.from, marksTo: data.to };
}

/** The shipped default policy, published for the demo school once (visible on the Policies page). */
async function publishDefaultPolicy(db: Db): Promise<void> {
  const existing = await db.query('SELECT 1 FROM policy_versions WHERE school_id = $1 LIMIT 1', [
    DEMO_SCHOOL_ID,
  ]);
  if (existing.rows.length > 0) return;
  const file = listPolicies().find((p) => p.name === DEFAULT_POLICY) ?? listPolicies()[0];
  if (!file) return;
  const text = readFileSync(file.file, 'utf8');
  const result = validatePolicy(text, `${file.name}.yaml`);
  if (!result.ok) return; // a policy being edited: the school falls back to the file by name
  const p = result.policy;
  await db.query(
    `INSERT INTO policy_versions (id, school_id, policy_id, version, name, document, source_text, file_name, published_by, notes)
     VALUES ($1, $2, $3, $4, $5, $6::text::jsonb, $7, $8, NULL, 'Published for the demo school')`,
    [
      randomUUID(),
      DEMO_SCHOOL_ID,
      p.id,
      String(p.version),
      p.name,
      JSON.stringify(p),
      text,
      `${file.name}.yaml`,
    ],
  );
  await setSchoolPolicy(db, DEMO_SCHOOL_ID, p.id, String(p.version));
}

/**
 * The demo officer and manager, scoped to the demo school only. With a data folder their passwords
 * are the ones kept there (stable across starts, shown on the login page); without, new ones.
 */
export async function ensureDemoAccounts(db: Db, dataDir?: string): Promise<DemoAccount[]> {
  const out: DemoAccount[] = [];
  for (const a of DEMO_ACCOUNTS) {
    const password = dataDir ? await demoPassword(dataDir, a.role) : generatePassword();
    const passwordHash = await hashPassword(password);
    const existing = await getUserByEmail(db, a.email);
    if (existing) {
      await updateUser(db, existing.id, {
        passwordHash,
        disabled: false,
        schoolIds: [DEMO_SCHOOL_ID],
        allSchools: false,
        role: a.role,
      });
    } else {
      const user = await createUser(db, {
        email: a.email,
        displayName: a.displayName,
        role: a.role,
        schoolIds: [DEMO_SCHOOL_ID],
        passwordHash,
      });
      await addUserSchool(db, user.id, DEMO_SCHOOL_ID);
    }
    out.push({ ...a, password });
  }
  return out;
}
