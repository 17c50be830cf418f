// A second pair of eyes on who gets letters (docs/contact-changes.md): the changes imports made to
// parents' contact details and safeguarding flags, the ones waiting for a second person, their
// approval or rejection, a pupil's history, and the school's setting that turns the wait on.
// Managers and administrators of the school only (a safeguarding flag's changes only to those the
// school lets see its safeguarding flags); every decision and setting change is audited (ids and
// choices only: the values stay in `pupil_changes`).
import { z } from 'zod';
import { writeAudit } from '../auth/audit';
import { flagViewer, type FlagViewer } from '../auth/safeguarding';
import { currentUser } from '../auth/guard';
import { assertSchool, inScope } from '../auth/scope';
import type { AppContext, ZodApp } from '../context';
import { conflict, forbidden, notFound } from '../errors';
import { getPupil } from '../../store/pupils';
import {
  decideChange,
  listSchoolChanges,
  pupilChangeHistory,
  type Decision,
  type PupilChange,
} from '../../store/pupilChanges';
import { getSchool, setContactChangesNeedApproval } from '../../store/schools';
import { schoolParams } from './schools';

const managers = { roles: ['manager', 'admin'] as const };

const isFlag = (field: string) => field.startsWith('flag_');

/**
 * A change as answered. A safeguarding flag's change reaches only those who see the school's
 * safeguarding flags (the list and the history leave it out for the others), and each one shown is
 * recorded in the audit log as a view of the pupil's flags (api/auth/safeguarding.ts).
 */
function shown(flags: FlagViewer, change: PupilChange): PupilChange {
  if (isFlag(change.field)) flags.show(change.schoolId, change.pupilId, [change.field.slice('flag_'.length)]);
  return change;
}

const changeParams = z.object({
  changeId: z.string().regex(/^\d{1,18}$/, 'not a change id'),
});

const decisionBody = z
  .object({ note: z.string().trim().max(500).optional().describe('Why (kept with the decision)') })
  .default({});

export async function registerContactChangeRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const { db } = ctx;

  app.get(
    '/api/schools/:schoolId/contact-changes',
    {
      config: { roles: [...managers.roles] },
      schema: {
        tags: ['pupils'],
        summary: 'Changes to parents’ contact details and safeguarding flags',
        description:
          'By default the changes waiting for a second person’s approval, oldest first: each with the pupil, the field ' +
          '(contact1_email, flag_cp, …), the value in force and the new one, the import that brought it and who ran it. ' +
          'Letters keep using the value in force until a change is approved.',
        params: schoolParams,
        querystring: z.object({
          status: z.enum(['pending', 'applied', 'approved', 'rejected', 'superseded']).default('pending'),
          page: z.coerce.number().int().min(1).max(100_000).default(1),
          pageSize: z.coerce.number().int().min(1).max(500).default(200),
        }),
      },
    },
    async (req) => {
      const user = currentUser(req);
      assertSchool(user, req.params.schoolId, 'No such school');
      const { status, page, pageSize } = req.query;
      const flags = await flagViewer(db, req, user);
      const result = await listSchoolChanges(db, req.params.schoolId, {
        status,
        limit: pageSize,
        offset: (page - 1) * pageSize,
        withFlags: flags.sees(req.params.schoolId),
      });
      return { ...result, changes: result.changes.map((c) => shown(flags, c)), page, pageSize };
    },
  );

  for (const decision of ['approve', 'reject'] as const satisfies readonly Decision[]) {
    app.post(
      `/api/contact-changes/:changeId/${decision}`,
      {
        config: { roles: [...managers.roles] },
        schema: {
          tags: ['pupils'],
          summary:
            decision === 'approve'
              ? 'Approve a waiting change: letters use the new value from now on'
              : 'Reject a waiting change: letters keep using the value in force',
          description:
            decision === 'approve'
              ? 'Only a manager or administrator of the school who did not make the change (403 for its importer). ' +
                '409 when it has already been decided or superseded, or the value in force has changed since.'
              : 'A manager or administrator of the school (the importer may withdraw their own change). ' +
                '409 when it has already been decided or superseded. An import that still carries the value asks again.',
          params: changeParams,
          body: decisionBody,
        },
      },
      async (req) => {
        const user = currentUser(req);
        const flags = await flagViewer(db, req, user);
        const outcome = await db.transaction(async (tx) => {
          const result = await decideChange(tx, {
            changeId: req.params.changeId,
            decision,
            by: { userId: user.id, role: user.role },
            note: req.body.note ?? null,
            maySee: (change) =>
              inScope(user, change.schoolId) && (!isFlag(change.field) || flags.sees(change.schoolId)),
          });
          // Audited in the same transaction as the decision: ids and choices only, never the values.
          if (result.ok)
            await writeAudit(tx, user, {
              action: `contactChange.${decision === 'approve' ? 'approved' : 'rejected'}`,
              targetType: 'pupil',
              targetId: result.change.pupilId,
              schoolId: result.change.schoolId,
              details: {
                changeId: result.change.id,
                field: result.change.field,
                importId: result.change.importId,
                madeBy: result.change.changedBy.userId,
                ...(req.body.note ? { withNote: true } : {}),
              },
            });
          return result;
        });
        if (outcome.ok) return { change: shown(flags, outcome.change) };
        switch (outcome.reason) {
          case 'not-found':
            throw notFound('No such change');
          case 'own-change':
            throw forbidden(
              'You made this change, so someone else must approve it: a second manager or administrator of the school.',
            );
          case 'decided':
            throw conflict(
              outcome.change.status === 'superseded'
                ? 'This change was replaced by a later import before anyone decided it; nothing was changed.'
                : `This change has already been ${outcome.change.status}; nothing was changed.`,
              { status: outcome.change.status },
            );
          case 'stale':
            throw conflict(
              'The value in force has changed since this change was made, so approving it would undo that; nothing was changed. Import the roster again to ask afresh.',
            );
        }
      },
    );
  }

  app.get(
    '/api/pupils/:pupilId/contact-history',
    {
      config: { roles: [...managers.roles] },
      schema: {
        tags: ['pupils'],
        summary: 'A pupil’s history of parents’ contact details and safeguarding flags, newest first',
        description:
          'Every change with its old and new value, the import that brought it, who made it and when, and what became of it ' +
          '(applied, pending, approved, rejected or superseded, by whom).',
        params: z.object({ pupilId: z.uuid('not a pupil id') }),
      },
    },
    async (req) => {
      const user = currentUser(req);
      const pupil = await getPupil(db, req.params.pupilId);
      if (!pupil) throw notFound('No such pupil');
      assertSchool(user, pupil.schoolId, 'No such pupil');
      const flags = await flagViewer(db, req, user);
      const changes = await pupilChangeHistory(db, pupil.id, { withFlags: flags.sees(pupil.schoolId) });
      return { pupilId: pupil.id, changes: changes.map((c) => shown(flags, c)) };
    },
  );

  app.get(
    '/api/schools/:schoolId/settings',
    {
      config: { roles: [...managers.roles] },
      schema: { tags: ['schools'], summary: 'The school’s settings', params: schoolParams },
    },
    async (req) => {
      const user = currentUser(req);
      assertSchool(user, req.params.schoolId, 'No such school');
      const school = await getSchool(db, req.params.schoolId);
      if (!school) throw notFound('No such school');
      return { schoolId: school.id, contactChangesNeedApproval: school.contactChangesNeedApproval };
    },
  );

  app.put(
    '/api/schools/:schoolId/settings',
    {
      // Turning the second approval off would let one person change where letters go: administrators only.
      config: { roles: ['admin'] },
      schema: {
        tags: ['schools'],
        summary: 'Change the school’s settings (administrators)',
        description:
          '`contactChangesNeedApproval`: a change to a parent’s contact details, or a safeguarding flag taken off, ' +
          'waits for a second person’s approval before letters use it (a flag newly set takes effect at once). Off by default.',
        params: schoolParams,
        body: z.object({ contactChangesNeedApproval: z.boolean() }),
      },
    },
    async (req) => {
      const user = currentUser(req);
      assertSchool(user, req.params.schoolId, 'No such school');
      const on = req.body.contactChangesNeedApproval;
      const done = await db.transaction(async (tx) => {
        if (!(await setContactChangesNeedApproval(tx, req.params.schoolId, on))) return false;
        await writeAudit(tx, user, {
          action: 'school.settings',
          targetType: 'school',
          targetId: req.params.schoolId,
          schoolId: req.params.schoolId,
          details: { contactChangesNeedApproval: on },
        });
        return true;
      });
      if (!done) throw notFound('No such school: import its calendar first');
      return { schoolId: req.params.schoolId, contactChangesNeedApproval: on };
    },
  );
}
