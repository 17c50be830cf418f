// Generating and approving a case's evidence pack, shared by the API, the CLI and (next) the case's
// referral step. A pack is generated as a draft; a manager approves it, which generates it again with
// the sign-off naming them, and only that approved pack counts as sent to the council.
import type { IsoDate } from '../domain/types';
import type { Db } from '../store/db';
import { insertEvidencePack, type EvidencePackRecord } from '../store/evidencePacks';
import { gatherEvidence } from './gather';
import { buildEvidencePack, type BuiltPack } from './pack';
import type { renderEvidencePdf } from './pdf';

export interface PackRequest {
  caseId: string;
  asOf: IsoDate;
  /** Who generates it: a user id (stored) and their name (printed). */
  by: { id: string; name: string };
  /** Approving: the draft approved, and when (ISO instant). */
  approve?: { draftId: string; at: string };
  namesOf: (ids: string[]) => Promise<Map<string, string>>;
  now?: () => Date;
  /** How the pack's own PDF is made (default evidence/pdf.ts); a what-if prints none. */
  renderPdf?: typeof renderEvidencePdf;
}

/** Builds the pack's files without storing them (the CLI writes them; the API stores them). */
export async function generatePack(
  db: Db,
  r: PackRequest,
): Promise<{ built: BuiltPack; schoolId: string } | null> {
  const e = await gatherEvidence(db, r.caseId, r.asOf, r.namesOf);
  if (!e) return null;
  const generatedAt = (r.now?.() ?? new Date()).toISOString();
  const built = await buildEvidencePack(
    e,
    {
      generatedBy: r.by.name,
      generatedAt,
      ...(r.approve ? { approvedBy: { name: r.by.name, at: r.approve.at } } : {}),
    },
    r.renderPdf,
  );
  return { built, schoolId: e.school.id };
}

export async function generateAndStorePack(db: Db, r: PackRequest): Promise<EvidencePackRecord | null> {
  const made = await generatePack(db, r);
  if (!made) return null;
  const { built, schoolId } = made;
  return insertEvidencePack(db, {
    caseId: r.caseId,
    schoolId,
    generatedBy: r.by.id,
    generatedAt: built.manifest.generatedAt,
    packHash: built.packHash,
    manifest: built.manifest,
    zip: built.zip,
    ...(r.approve ? { approvedBy: r.by.id, approvedAt: r.approve.at, draftOf: r.approve.draftId } : {}),
  });
}
