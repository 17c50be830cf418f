// The evidence pack for a referral (docs/evidence-pack.md): managers generate it, download it (each
// download audited) and approve it. Approval generates the pack again with a sign-off naming the
// manager; its hash goes on the case's timeline (as a note, when the case is running) and into the
// audit log, so a later change to any document can be detected.
import { z } from 'zod';
import { generateAndStorePack } from '../../evidence/service';
import {
  getEvidencePack,
  getEvidencePackZip,
  listEvidencePacks,
  type EvidencePackRecord,
} from '../../store/evidencePacks';
import { recordEvent, type HumanEvent } from '../../workflows/caseMessages';
import { writeAudit } from '../auth/audit';
import { currentUser } from '../auth/guard';
import { assertSchool } from '../auth/scope';
import { displayNamesOf } from '../auth/users';
import type { AppContext, ZodApp } from '../context';
import { conflict, notFound } from '../errors';
import { loadCaseRow } from '../services/cases';

/** A pack as listed: everything but its bytes. */
export type EvidencePackSummary = EvidencePackRecord & { approved: boolean };

const summary = (p: EvidencePackRecord): EvidencePackSummary => ({ ...p, approved: p.approvedBy !== null });

export async function registerEvidenceRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const { db } = ctx;
  const managers = { roles: ['manager'] as const };
  const caseParams = z.object({ caseId: z.string().min(1).max(200) });
  const packParams = z.object({ id: z.string().min(1).max(64) });
  const namesOf = (ids: string[]) => displayNamesOf(db, ids);

  app.get(
    '/api/cases/:caseId/evidence-packs',
    {
      config: { roles: [...managers.roles] },
      schema: { tags: ['cases'], summary: 'The evidence packs generated for a case', params: caseParams },
    },
    async (req): Promise<EvidencePackSummary[]> => {
      const row = await loadCaseRow(db, currentUser(req), req.params.caseId);
      return (await listEvidencePacks(db, row.caseId)).map(summary);
    },
  );

  app.post(
    '/api/cases/:caseId/evidence-packs',
    {
      config: { roles: [...managers.roles] },
      schema: {
        tags: ['cases'],
        summary:
          'Generate a draft evidence pack for the case (a PDF, each letter as sent, a manifest of hashes)',
        params: caseParams,
      },
    },
    async (req): Promise<EvidencePackSummary> => {
      const user = currentUser(req);
      const row = await loadCaseRow(db, user, req.params.caseId);
      const pack = await generateAndStorePack(db, {
        caseId: row.caseId,
        asOf: ctx.today(),
        by: { id: user.id, name: user.displayName },
        namesOf,
        now: () => new Date(ctx.now()),
      });
      if (!pack) throw notFound('No such case');
      await writeAudit(db, user, {
        action: 'evidence.generate',
        targetType: 'evidencePack',
        targetId: pack.id,
        schoolId: row.schoolId,
        details: { caseId: row.caseId, packHash: pack.packHash },
      });
      return summary(pack);
    },
  );

  app.post(
    '/api/evidence-packs/:id/approve',
    {
      config: { roles: [...managers.roles] },
      schema: {
        tags: ['cases'],
        summary: 'Approve a draft pack for the referral: it is generated again with your sign-off',
        params: packParams,
      },
    },
    async (req): Promise<EvidencePackSummary & { onTimeline: boolean }> => {
      const user = currentUser(req);
      const draft = await getEvidencePack(db, req.params.id);
      if (!draft) throw notFound('No such evidence pack');
      assertSchool(user, draft.schoolId, 'No such evidence pack');
      if (draft.approvedBy !== null) throw conflict('This pack is already approved.');
      const row = await loadCaseRow(db, user, draft.caseId);
      const earlier = (await listEvidencePacks(db, row.caseId)).find((p) => p.draftOf === draft.id);
      if (earlier) throw conflict(`This draft was approved already, on ${earlier.approvedAt}.`);
      const at = new Date(ctx.now()).toISOString();
      const pack = await generateAndStorePack(db, {
        caseId: row.caseId,
        asOf: ctx.today(),
        by: { id: user.id, name: user.displayName },
        approve: { draftId: draft.id, at },
        namesOf,
        now: () => new Date(ctx.now()),
      });
      if (!pack) throw notFound('No such case');
      await writeAudit(db, user, {
        action: 'evidence.approve',
        targetType: 'evidencePack',
        targetId: pack.id,
        schoolId: row.schoolId,
        details: { caseId: row.caseId, packHash: pack.packHash, draftId: draft.id },
      });
      // On the case's own timeline too, while the case runs (a closed case keeps its audit entry).
      let onTimeline = false;
      if (row.status !== 'closed') {
        const human: HumanEvent = {
          actor: { userId: user.id, role: user.role },
          event: { type: 'note' },
          note: `Evidence pack approved for the referral by ${user.displayName}; SHA-256 of its manifest ${pack.packHash}`,
        };
        onTimeline = await ctx.temporal.workflow
          .getHandle(row.caseId)
          .executeUpdate(recordEvent, { args: [human] })
          .then(
            () => true,
            () => false,
          );
      }
      return { ...summary(pack), onTimeline };
    },
  );

  app.get(
    '/api/evidence-packs/:id/download',
    {
      config: { roles: [...managers.roles] },
      schema: {
        tags: ['cases'],
        summary: 'Download an evidence pack (a zip: evidence.pdf, letters/, manifest.json); audited',
        params: packParams,
        produces: ['application/zip'],
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const pack = await getEvidencePack(db, req.params.id);
      if (!pack) throw notFound('No such evidence pack');
      assertSchool(user, pack.schoolId, 'No such evidence pack');
      const zip = await getEvidencePackZip(db, pack.id);
      if (!zip) throw notFound('No such evidence pack');
      await writeAudit(db, user, {
        action: 'evidence.download',
        targetType: 'evidencePack',
        targetId: pack.id,
        schoolId: pack.schoolId,
        details: { caseId: pack.caseId, packHash: pack.packHash, approved: pack.approvedBy !== null },
      });
      return reply
        .type('application/zip')
        .header(
          'content-disposition',
          `attachment; filename="evidence-${pack.approvedBy ? 'approved' : 'draft'}-${pack.generatedAt.slice(0, 10)}.zip"`,
        )
        .send(zip);
    },
  );
}
