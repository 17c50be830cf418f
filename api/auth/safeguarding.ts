// Least privilege on the most sensitive flags a school keeps. Child protection, child in need and
// looked-after status are shown only to the roles the school chooses (by default its managers) and
// to its designated safeguarding leads; everyone else sees the pupil without them (and cannot
// filter by them, which would show them just the same). Every response that shows one is recorded
// in the audit log: who saw which pupils' flags, where, when.
//
// A route asks for the request's viewer, passes each pupil's flags through `show`, and the views are
// written to the audit log before the response leaves (installSafeguardingAudit).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isSafeguardingFlag } from '../../domain/types';
import type { Db } from '../../store/db';
import type { Role } from '../../workflows/caseMessages';
import { writeAudit } from './audit';
import { forbidden } from '../errors';
import type { User } from './users';

export interface FlagViewer {
  /** Whether this person sees safeguarding flags at this school. */
  sees(schoolId: string): boolean;
  /** The pupil's flags as this person may see them; a shown safeguarding flag is recorded. */
  show(schoolId: string, pupilId: string, flags: readonly string[]): string[];
  /** Refuses (403) a filter by safeguarding flags at a school where they are hidden from this person. */
  assertMayFilter(flags: readonly string[] | undefined, schoolIds: readonly string[] | null): void;
}

const VIEWS = Symbol('safeguardingViews');
type Views = Map<string, Set<string>>; // school id -> pupil ids whose safeguarding flags were shown
type WithViews = FastifyRequest & { [VIEWS]?: Views };

export async function flagViewer(db: Db, req: FastifyRequest, user: User): Promise<FlagViewer> {
  const lead = user.safeguardingLead;
  const { rows } = await db.query<{ id: string; roles: string[] }>(
    'SELECT id, safeguarding_roles AS roles FROM schools',
  );
  const allowed = new Map(rows.map((r) => [r.id, lead || r.roles.includes(user.role)]));
  const sees = (schoolId: string) => allowed.get(schoolId) ?? false;
  const views: Views = ((req as WithViews)[VIEWS] ??= new Map());
  return {
    sees,
    show(schoolId, pupilId, flags) {
      if (!sees(schoolId)) return flags.filter((f) => !isSafeguardingFlag(f));
      if (flags.some(isSafeguardingFlag)) {
        const seen = views.get(schoolId) ?? new Set<string>();
        seen.add(pupilId);
        views.set(schoolId, seen);
      }
      return [...flags];
    },
    assertMayFilter(flags, schoolIds) {
      if (!flags?.some(isSafeguardingFlag)) return;
      const schools = schoolIds ?? [...allowed.keys()];
      if (schools.length === 0 || schools.some((s) => !sees(s)))
        throw forbidden(
          'Safeguarding flags (child protection, child in need, looked after) are shown only to the roles your school chose and its safeguarding leads.',
        );
    },
  };
}

/**
 * Writes the request's safeguarding views to the audit log, one entry per school, before the
 * response is sent: a view that cannot be recorded is not shown.
 */
export function installSafeguardingAudit(app: FastifyInstance, db: Db): void {
  app.addHook('onSend', async (req, reply, payload) => {
    const views = (req as WithViews)[VIEWS];
    if (!views?.size || reply.statusCode >= 400) return payload;
    const user = req.user;
    for (const [schoolId, pupils] of views) {
      await writeAudit(db, user ? { id: user.id, role: user.role } : null, {
        action: 'safeguarding.view',
        targetType: 'pupil',
        schoolId,
        details: { pupilIds: [...pupils].sort(), where: req.routeOptions.url ?? req.url.split('?')[0] },
      });
    }
    return payload;
  });
}

/** Which roles see safeguarding flags at a school (administrators change it). */
export async function setSafeguardingRoles(db: Db, schoolId: string, roles: readonly Role[]): Promise<void> {
  await db.query('UPDATE schools SET safeguarding_roles = $2::text[] WHERE id = $1', [schoolId, [...roles]]);
}

export async function safeguardingRolesOf(db: Db, schoolId: string): Promise<Role[] | null> {
  const { rows } = await db.query<{ roles: Role[] }>(
    'SELECT safeguarding_roles AS roles FROM schools WHERE id = $1',
    [schoolId],
  );
  return rows[0]?.roles ?? null;
}
