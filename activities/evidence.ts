// The evidence pack drafted by a case at its referral step (docs/evidence-pack.md): stored as a
// draft for a manager to review and approve; nothing goes to the council from here. Idempotent per
// case and day: a retried attempt returns the draft already made that day.
import { displayNamesOf } from '../api/auth/users';
import type { IsoDate } from '../domain/types';
import type { renderEvidencePdf } from '../evidence/pdf';
import { generateAndStorePack } from '../evidence/service';
import type { Db } from '../store/db';
import { listEvidencePacks } from '../store/evidencePacks';

export interface DraftedPack {
  packId: string;
  packHash: string;
  documents: number;
}

export interface EvidenceDeps {
  db: Db;
  /** How a pack's own PDF is made (default evidence/pdf.ts); a what-if, which prints nothing, gives its own. */
  renderEvidencePdf?: typeof renderEvidencePdf;
}

export function createEvidenceActivities(deps: EvidenceDeps) {
  const { db } = deps;
  return {
    async draftEvidencePack(input: { caseId: string; asOf: IsoDate }): Promise<DraftedPack | null> {
      const made = (await listEvidencePacks(db, input.caseId)).find(
        (p) => p.generatedBy === 'case' && (p.manifest as { asOf?: string }).asOf === input.asOf,
      );
      const pack =
        made ??
        (await generateAndStorePack(db, {
          caseId: input.caseId,
          asOf: input.asOf,
          by: { id: 'case', name: 'the case, at its referral step' },
          namesOf: (ids) => displayNamesOf(db, ids),
          ...(deps.renderEvidencePdf ? { renderPdf: deps.renderEvidencePdf } : {}),
        }));
      if (!pack) return null;
      const files = (pack.manifest as { files?: unknown[] }).files ?? [];
      return { packId: pack.id, packHash: pack.packHash, documents: files.length };
    },
  };
}
