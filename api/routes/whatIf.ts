// The What-if page's API (managers and administrators): run a policy, or two side by side, over a
// school's imported marks and read the counts per week and the pupils whose routes differ. Nothing is
// sent and no case is touched; the run copies the school onto a thread of its own (whatIfRuns.ts).
import { z } from 'zod';
import type { Policy } from '../../domain/policy/schema';
import { validatePolicy } from '../../domain/policy/validate';
import { buildCalendar } from '../../domain/calendar';
import { listPupils } from '../../store/pupils';
import { getSchool } from '../../store/schools';
import { APPROVE_RULES } from '../../scripts/simulation/runSimulation';
import type { WhatIfReport } from '../../scripts/simulation/whatIf/report';
import { writeAudit } from '../auth/audit';
import { currentUser } from '../auth/guard';
import { assertSchool, inScope } from '../auth/scope';
import type { AppContext, ZodApp } from '../context';
import { badRequest, notFound, tooManyRequests } from '../errors';
import { shippedPolicies } from '../services/policies';
import { WhatIfRuns, type WhatIfRun } from '../services/whatIfRuns';
import { isoDate } from './schools';

const MAX_POLICY = 512 * 1024;
/** About a school year: a what-if over longer is several years of marks no school has. */
const MAX_SCHOOL_DAYS = 200;

const policyChoice = z
  .object({
    file: z.string().min(1).max(100).optional().describe('A shipped policy, by name'),
    text: z.string().min(1).max(MAX_POLICY).optional().describe('A pasted policy (YAML)'),
  })
  .refine((p) => (p.file === undefined) !== (p.text === undefined), {
    message: 'give a shipped policy (file) or a pasted one (text), not both',
  });

/** The policy chosen: a shipped file, or pasted text (refused with every issue when invalid). */
function resolvePolicy(choice: z.infer<typeof policyChoice>, which: string): Policy {
  if (choice.file !== undefined) {
    const shipped = shippedPolicies().find((p) => p.name === choice.file);
    if (!shipped) throw badRequest(`${which}: there is no shipped policy called "${choice.file}"`);
    if (!shipped.policy) throw badRequest(`${which}: the shipped policy "${choice.file}" has problems`);
    return shipped.policy;
  }
  const result = validatePolicy(choice.text!, `${which}.yaml`);
  if (!result.ok) throw badRequest(`${which}: the pasted policy has problems`, { issues: result.issues });
  return result.policy;
}

/** A report as the page shows it: the counts, without every pupil's route (the differences name those). */
const reportView = ({ routes: _routes, ...rest }: WhatIfReport) => rest;

export async function registerWhatIfRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const runs = new WhatIfRuns(ctx.db, ctx.now);
  app.addHook('onClose', async () => runs.close());

  app.post(
    '/api/what-if',
    {
      bodyLimit: MAX_POLICY * 3,
      config: { roles: ['manager', 'admin'] },
      schema: {
        tags: ['policies'],
        summary: 'Start a what-if: a policy (or two) over a school’s imported marks (202; nothing is sent)',
        body: z.object({
          schoolId: z.string().trim().min(1).max(64),
          policy: policyChoice,
          compare: policyChoice.optional(),
          from: isoDate,
          to: isoDate,
          approve: z.enum(APPROVE_RULES as ['all', 'none', 'auto-only']).default('all'),
        }),
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const b = req.body;
      assertSchool(user, b.schoolId, 'No such school');
      const school = await getSchool(ctx.db, b.schoolId);
      if (!school) throw notFound('No such school');
      if (b.from > b.to) throw badRequest('The first day must not be after the last.');
      const days = buildCalendar(school.calendar).schoolDaysBetween(b.from, b.to).length;
      if (days === 0)
        throw badRequest(`There are no school days between ${b.from} and ${b.to} in the school's calendar.`);
      if (days > MAX_SCHOOL_DAYS)
        throw badRequest(
          `That is ${days} school days; a what-if covers at most ${MAX_SCHOOL_DAYS} (about a school year).`,
        );
      const policy = resolvePolicy(b.policy, 'policy');
      const compareWith = b.compare ? resolvePolicy(b.compare, 'comparison') : undefined;
      const run = runs.start(user.id, {
        schoolIds: [b.schoolId],
        policy,
        ...(compareWith ? { compareWith } : {}),
        from: b.from,
        to: b.to,
        approve: b.approve,
      });
      if (!run)
        throw tooManyRequests('Several what-ifs are already waiting to run; try again when they finish.', 60);
      await writeAudit(ctx.db, user, {
        action: 'whatIf.run',
        targetType: 'whatIf',
        targetId: run.id,
        schoolId: b.schoolId,
        details: {
          policy: { id: policy.id, version: String(policy.version), pasted: b.policy.text !== undefined },
          ...(compareWith
            ? {
                compare: {
                  id: compareWith.id,
                  version: String(compareWith.version),
                  pasted: b.compare!.text !== undefined,
                },
              }
            : {}),
          from: b.from,
          to: b.to,
          approve: b.approve,
        },
      });
      return reply.code(202).send({ id: run.id, status: run.status });
    },
  );

  app.get(
    '/api/what-if/:runId',
    {
      config: { roles: ['manager', 'admin'] },
      schema: {
        tags: ['policies'],
        summary: 'A what-if: how far it has got, then its counts per week and the pupils whose routes differ',
        params: z.object({ runId: z.uuid('not a what-if id') }),
      },
    },
    async (req) => {
      const user = currentUser(req);
      const run = runs.get(req.params.runId);
      // Another user's run is theirs unless every school it covers is in this user's scope.
      if (!run || (run.userId !== user.id && !run.schoolIds.every((s) => inScope(user, s))))
        throw notFound('No such what-if (runs are kept for an hour)');
      return view(run);
    },
  );

  async function view(run: WhatIfRun) {
    const base = {
      id: run.id,
      status: run.status,
      done: run.done,
      total: run.total,
      percent: run.total ? Math.floor((100 * run.done) / run.total) : 0,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt ?? null,
      error: run.error ?? null,
    };
    if (!run.result) return { ...base, reports: null, differences: null };
    // The pupils are named for the manager reading the page (the run itself knows them by UPN only).
    const pupils = new Map(
      (await Promise.all(run.schoolIds.map((s) => listPupils(ctx.db, s)))).flat().map((p) => [p.upn, p]),
    );
    return {
      ...base,
      reports: run.result.reports.map(reportView),
      differences: (run.result.differences ?? []).map((d) => {
        const p = pupils.get(d.upn);
        return {
          pupilId: p?.id ?? null,
          name: p ? `${p.givenName} ${p.familyName}` : d.upn,
          yearGroup: p?.yearGroup ?? null,
          from: d.from,
          why: d.why,
        };
      }),
    };
  }
}
