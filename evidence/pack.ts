// The evidence pack as files: the single PDF (evidence/pdf.ts), each letter exactly as it was sent
// (its stored PDF, never a re-render), and manifest.json with the SHA-256 of every file. The pack's
// own hash is the SHA-256 of its manifest, so a later change to any document is detectable: recompute
// each file's hash, then the manifest's. The files go out as one zip (fflate).
import { createHash } from 'node:crypto';
import { zipSync } from 'fflate';
import type { Evidence } from './gather';
import { renderEvidencePdf, type SignOff } from './pdf';

export interface ManifestFile {
  name: string;
  sha256: string;
  bytes: number;
  /** What it is, for the council's reader. */
  about: string;
}

export interface Manifest {
  caseId: string;
  school: string;
  pupilUpn: string;
  asOf: string;
  generatedAt: string;
  generatedBy: string;
  approvedBy: string | null;
  approvedAt: string | null;
  files: ManifestFile[];
}

export interface BuiltPack {
  manifest: Manifest;
  /** SHA-256 of manifest.json as written into the pack. */
  packHash: string;
  files: { name: string; data: Buffer }[];
  zip: Buffer;
}

export const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

function safe(s: string): string {
  return s
    .replace(/[^\w.-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
}

export async function buildEvidencePack(
  e: Evidence,
  signOff: SignOff,
  render: typeof renderEvidencePdf = renderEvidencePdf,
): Promise<BuiltPack> {
  const pdf = await render(e, signOff);
  const files: { name: string; data: Buffer; about: string }[] = [
    {
      name: 'evidence.pdf',
      data: pdf,
      about: 'Referral form, chronology, register certificate, support offered, sign-off',
    },
    ...e.letters.map((l, i) => ({
      name: `letters/${String(i + 1).padStart(2, '0')}-${l.sentOn}-${safe(l.templateId)}.pdf`,
      data: l.pdf,
      about: `Letter of ${l.sentOn} as sent: ${l.subject}`,
    })),
  ];
  const manifest: Manifest = {
    caseId: e.case.caseId,
    school: e.school.id,
    pupilUpn: e.pupil.upn,
    asOf: e.asOf,
    generatedAt: signOff.generatedAt,
    generatedBy: signOff.generatedBy,
    approvedBy: signOff.approvedBy?.name ?? null,
    approvedAt: signOff.approvedBy?.at ?? null,
    files: files.map((f) => ({ name: f.name, sha256: sha256(f.data), bytes: f.data.length, about: f.about })),
  };
  const manifestJson = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  const all = [
    ...files.map(({ name, data }) => ({ name, data })),
    { name: 'manifest.json', data: manifestJson },
  ];
  // A fixed timestamp in the zip: the same pack zips to the same bytes.
  const zip = zipSync(
    Object.fromEntries(
      all.map((f) => [f.name, [new Uint8Array(f.data), { mtime: new Date('2000-01-01T00:00:00Z') }]]),
    ),
    { level: 6 },
  );
  return { manifest, packHash: sha256(manifestJson), files: all, zip: Buffer.from(zip) };
}
