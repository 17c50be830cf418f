// Evidence packs as generated (migration 0062): the zip, its manifest and hash, who and when.
import { randomUUID } from 'node:crypto';
import type { Db } from './db';

export interface EvidencePackRecord {
  id: string;
  caseId: string;
  schoolId: string;
  generatedBy: string;
  generatedAt: string;
  packHash: string;
  manifest: unknown;
  approvedBy: string | null;
  approvedAt: string | null;
  draftOf: string | null;
}

const COLUMNS = `id::text AS id, case_id, school_id, generated_by, generated_at::text AS generated_at, pack_hash,
  manifest, approved_by, approved_at::text AS approved_at, draft_of::text AS draft_of`;

interface Row {
  id: string;
  case_id: string;
  school_id: string;
  generated_by: string;
  generated_at: string;
  pack_hash: string;
  manifest: unknown;
  approved_by: string | null;
  approved_at: string | null;
  draft_of: string | null;
}

const toRecord = (r: Row): EvidencePackRecord => ({
  id: r.id,
  caseId: r.case_id,
  schoolId: r.school_id,
  generatedBy: r.generated_by,
  generatedAt: r.generated_at,
  packHash: r.pack_hash,
  manifest: r.manifest,
  approvedBy: r.approved_by,
  approvedAt: r.approved_at,
  draftOf: r.draft_of,
});

/** A pack to store: the record's own fields (the store gives it its id), its zip, and an approval if any. */
export type NewEvidencePack = Pick<
  EvidencePackRecord,
  'caseId' | 'schoolId' | 'generatedBy' | 'generatedAt' | 'packHash' | 'manifest'
> & { zip: Buffer; approvedBy?: string; approvedAt?: string; draftOf?: string };

export async function insertEvidencePack(db: Db, p: NewEvidencePack): Promise<EvidencePackRecord> {
  if (db.memory) return db.memory.insertEvidencePack(p);
  const { rows } = await db.query<Row>(
    `INSERT INTO evidence_packs (id, case_id, school_id, generated_by, generated_at, pack_hash, manifest, zip,
       approved_by, approved_at, draft_of)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11) RETURNING ${COLUMNS}`,
    [
      randomUUID(),
      p.caseId,
      p.schoolId,
      p.generatedBy,
      p.generatedAt,
      p.packHash,
      JSON.stringify(p.manifest),
      p.zip,
      p.approvedBy ?? null,
      p.approvedAt ?? null,
      p.draftOf ?? null,
    ],
  );
  return toRecord(rows[0]!);
}

export async function listEvidencePacks(db: Db, caseId: string): Promise<EvidencePackRecord[]> {
  if (db.memory) return db.memory.listEvidencePacks(caseId);
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM evidence_packs WHERE case_id = $1 ORDER BY generated_at, approved_at NULLS FIRST, id`,
    [caseId],
  );
  return rows.map(toRecord);
}

export async function getEvidencePack(db: Db, id: string): Promise<EvidencePackRecord | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM evidence_packs WHERE id = $1`, [id]);
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function getEvidencePackZip(db: Db, id: string): Promise<Buffer | null> {
  const { rows } = await db.query<{ zip: Uint8Array }>(`SELECT zip FROM evidence_packs WHERE id = $1`, [id]);
  return rows[0] ? Buffer.from(rows[0].zip) : null;
}
