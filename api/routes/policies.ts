// Policies are data: read the shipped files and the versions published for each school, validate a
// pasted or uploaded file (every issue with its rule and line:column), and publish a new version for
// one or more schools (administrators). Open cases keep the version they opened with.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { describePolicy } from '../../domain/policy/describe';
import type { Policy } from '../../domain/policy/schema';
import { validatePolicy } from '../../domain/policy/validate';
import { DEFAULT_POLICY } from '../../policies/schoolPolicy';
import { getSchool, setSchoolPolicy } from '../../store/schools';
import { writeAudit } from '../auth/audit';
import { currentUser } from '../auth/guard';
import { assertSchool, scopeIds } from '../auth/scope';
import type { AppContext, ZodApp } from '../context';
import { badRequest, notFound } from '../errors';
import { shippedPolicies } from '../services/policies';
import { schoolParams } from './schools';

const MAX_POLICY = 512 * 1024;

function summary(policy: Policy) {
  return {
    id: policy.id,
    name: policy.name,
    version: String(policy.version),
    description: policy.description,
    baselineWindow: policy.baselineWindow,
    stages: policy.stages.map((s) => ({ id: s.id, name: s.name, summary: s.summary, steps: s.steps.length })),
    text: describePolicy(policy),
  };
}

export async function registerPolicyRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const { db } = ctx;

  app.get(
    '/api/policies',
    {
      schema: {
        tags: ['policies'],
        summary: 'Shipped policy files and the versions published for your schools',
      },
    },
    async (req) => {
      const user = currentUser(req);
      const files = shippedPolicies().map((p) => ({
        name: p.name,
        id: p.policy?.id ?? null,
        title: p.policy?.name ?? p.name,
        version: p.policy ? String(p.policy.version) : null,
        valid: p.policy !== null,
        issues: p.issues.length,
      }));
      const ids = scopeIds(user);
      const { rows } = await db.query<{
        id: string;
        school_id: string;
        policy_id: string;
        version: string;
        name: string;
        published_at: string;
        published_by: string | null;
        by_name: string | null;
        notes: string | null;
      }>(
        `SELECT v.id::text AS id, v.school_id, v.policy_id, v.version, v.name, v.published_at::text AS published_at,
              v.published_by::text AS published_by, u.display_name AS by_name, v.notes
       FROM policy_versions v LEFT JOIN users u ON u.id = v.published_by
       WHERE ($1::text[] IS NULL OR v.school_id = ANY($1::text[])) ORDER BY v.published_at DESC LIMIT 200`,
        [ids],
      );
      return {
        defaultPolicy: DEFAULT_POLICY,
        files,
        published: rows.map((r) => ({
          id: r.id,
          schoolId: r.school_id,
          policyId: r.policy_id,
          version: r.version,
          name: r.name,
          publishedAt: r.published_at,
          publishedBy: r.by_name,
          notes: r.notes,
        })),
      };
    },
  );

  app.get(
    '/api/policies/files/:name',
    {
      schema: {
        tags: ['policies'],
        summary: 'A shipped policy file: its text and a plain-English reading',
        params: z.object({ name: z.string().min(1).max(100) }),
      },
    },
    async (req) => {
      const p = shippedPolicies().find((x) => x.name === req.params.name);
      if (!p) throw notFound('No such policy file');
      return {
        name: p.name,
        fileName: `${p.name}.yaml`,
        text: p.text,
        issues: p.issues,
        policy: p.policy ? summary(p.policy) : null,
      };
    },
  );

  app.get(
    '/api/policies/versions/:versionId',
    {
      schema: {
        tags: ['policies'],
        summary: 'A published version',
        params: z.object({ versionId: z.uuid('not a version id') }),
      },
    },
    async (req) => {
      const user = currentUser(req);
      const { rows } = await db.query<{
        school_id: string;
        source_text: string;
        file_name: string;
        document: Policy;
        published_at: string;
        notes: string | null;
      }>(
        `SELECT school_id, source_text, file_name, document, published_at::text AS published_at, notes FROM policy_versions WHERE id = $1::uuid`,
        [req.params.versionId],
      );
      const r = rows[0];
      if (!r) throw notFound('No such policy version');
      assertSchool(user, r.school_id, 'No such policy version');
      return {
        id: req.params.versionId,
        schoolId: r.school_id,
        fileName: r.file_name,
        text: r.source_text,
        publishedAt: r.published_at,
        notes: r.notes,
        policy: summary(r.document),
      };
    },
  );

  app.get(
    '/api/schools/:schoolId/policy',
    {
      schema: {
        tags: ['policies'],
        summary: 'The policy a school runs now (new cases open under it)',
        params: schoolParams,
      },
    },
    async (req) => {
      const user = currentUser(req);
      assertSchool(user, req.params.schoolId, 'No such school');
      const school = await getSchool(db, req.params.schoolId);
      if (!school) throw notFound('No such school');
      const { rows } = await db.query<{
        id: string;
        source_text: string;
        file_name: string;
        document: Policy;
        published_at: string;
      }>(
        `SELECT id::text AS id, source_text, file_name, document, published_at::text AS published_at FROM policy_versions
         WHERE school_id = $1 ORDER BY published_at DESC LIMIT 1`,
        [school.id],
      );
      if (rows[0]) {
        return {
          source: 'published',
          versionId: rows[0].id,
          publishedAt: rows[0].published_at,
          fileName: rows[0].file_name,
          text: rows[0].source_text,
          policy: summary(rows[0].document),
        };
      }
      const name = school.policyId ?? DEFAULT_POLICY;
      const file = shippedPolicies().find((p) => p.name === name || p.policy?.id === name);
      if (!file) throw notFound(`The school names policy "${name}", which is not a shipped file`);
      return {
        source: 'file',
        versionId: null,
        publishedAt: null,
        fileName: `${file.name}.yaml`,
        text: file.text,
        policy: file.policy ? summary(file.policy) : null,
      };
    },
  );

  app.post(
    '/api/policies/validate',
    {
      bodyLimit: MAX_POLICY * 2,
      schema: {
        tags: ['policies'],
        summary: 'Validate a policy file (nothing is saved)',
        description:
          'Always 200 for a text: `ok` says whether it is valid, `issues` lists every problem with its rule and line:column.',
        body: z.object({
          text: z.string().max(MAX_POLICY),
          fileName: z.string().max(200).default('policy.yaml'),
        }),
      },
    },
    async (req) => {
      const result = validatePolicy(req.body.text, req.body.fileName);
      return result.ok
        ? { ok: true, issues: [], policy: summary(result.policy) }
        : { ok: false, issues: result.issues, policy: null };
    },
  );

  app.post(
    '/api/policies/publish',
    {
      bodyLimit: MAX_POLICY * 2,
      config: { roles: ['admin'] },
      schema: {
        tags: ['policies'],
        summary: 'Publish a policy version for schools (administrators)',
        description:
          'Give the text (pasted or uploaded) or the name of a shipped file. Invalid policies are refused with every issue (400). New cases open under the new version; open cases keep theirs.',
        body: z
          .object({
            text: z.string().min(1).max(MAX_POLICY).optional(),
            fromFile: z.string().min(1).max(100).optional(),
            fileName: z.string().max(200).optional(),
            schoolIds: z.array(z.string().min(1).max(64)).min(1, 'choose at least one school').max(100),
            notes: z.string().trim().max(1000).optional(),
          })
          .refine((b) => (b.text === undefined) !== (b.fromFile === undefined), {
            message: 'give either text or fromFile',
          }),
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const b = req.body;
      for (const s of b.schoolIds) {
        assertSchool(user, s, `No such school: ${s}`);
        if (!(await getSchool(db, s))) throw notFound(`No such school: ${s} (import its calendar first)`);
      }
      let text = b.text;
      let fileName = b.fileName ?? 'policy.yaml';
      if (b.fromFile) {
        const file = shippedPolicies().find((p) => p.name === b.fromFile);
        if (!file) throw notFound('No such policy file');
        text = file.text;
        fileName = `${file.name}.yaml`;
      }
      const result = validatePolicy(text!, fileName);
      if (!result.ok)
        throw badRequest(`The policy is not valid: ${result.issues.length} issue(s)`, {
          policyIssues: result.issues,
        });
      const policy = result.policy;
      const ids: string[] = [];
      await db.transaction(async (tx) => {
        for (const s of b.schoolIds) {
          const id = randomUUID();
          ids.push(id);
          await tx.query(
            `INSERT INTO policy_versions (id, school_id, policy_id, version, name, document, source_text, file_name, published_by, notes)
             VALUES ($1, $2, $3, $4, $5, $6::text::jsonb, $7, $8, $9::uuid, $10)`,
            [
              id,
              s,
              policy.id,
              String(policy.version),
              policy.name,
              JSON.stringify(policy),
              text,
              fileName,
              user.id,
              b.notes ?? null,
            ],
          );
          await setSchoolPolicy(tx, s, policy.id, String(policy.version));
        }
        for (const [i, s] of b.schoolIds.entries()) {
          await writeAudit(tx, user, {
            action: 'policy.publish',
            targetType: 'policy',
            targetId: ids[i],
            schoolId: s,
            details: { policyId: policy.id, version: String(policy.version), fromFile: b.fromFile },
          });
        }
      });
      return reply.code(201).send({
        versions: b.schoolIds.map((s, i) => ({ id: ids[i], schoolId: s })),
        policy: summary(policy),
      });
    },
  );
}
