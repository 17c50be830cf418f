// The evidence pack for a referral on a case's page (docs/evidence-pack.md): managers generate a draft,
// download it to read, and approve it, which generates it again signed off in their name and records
// its hash on the case's timeline and in the audit log. Only managers may see packs (the API answers
// 403 to anyone else), so the section is shown to managers only.
import { useState } from 'react';
import { api, ApiError } from '../api';
import type { ApprovedEvidencePack, EvidencePackView } from '../types';
import { fmtDateTime, plural } from '../format';
import { useSession } from '../session';
import { ConfirmActions, ErrorBox, Loading, useAsync } from './ui';

/** How many characters of a hash are shown; the full hash is in the title. */
const HASH_SHOWN = 12;

/** The server's sentences name instants as ISO or PostgreSQL text: said here as UK dates and times. */
function withUkTimes(text: string): string {
  return text.replace(
    /\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?/g,
    (t) => fmtDateTime(t),
  );
}

/** An API error with its instants said plainly (the 409 names when the draft was approved). */
function readable(err: unknown): unknown {
  return err instanceof ApiError ? new ApiError(err.status, withUkTimes(err.message), err.body) : err;
}

function Hash({ hash }: { hash: string }) {
  return (
    <code className="mono" title={hash}>
      {hash.slice(0, HASH_SHOWN)}…
    </code>
  );
}

export function EvidencePacks({ caseId, onApproved }: { caseId: string; onApproved?(): void }) {
  const { user } = useSession();
  if (user.role !== 'manager') return null;
  return <EvidencePackSection caseId={caseId} managerName={user.displayName} onApproved={onApproved} />;
}

function EvidencePackSection({
  caseId,
  managerName,
  onApproved,
}: {
  caseId: string;
  managerName: string;
  onApproved?(): void;
}) {
  const url = `/api/cases/${encodeURIComponent(caseId)}/evidence-packs`;
  const data = useAsync(() => api.get<EvidencePackView[]>(url), [url]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  // The server lists the oldest first (an approved pack after its draft): shown newest first.
  const packs = data.data ? [...data.data].reverse() : null;

  async function generate() {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const p = await api.post<EvidencePackView>(url);
      setDone(
        `A draft pack was generated at ${fmtDateTime(p.generatedAt)}, with ${plural(
          p.manifest.files.length,
          'document',
        )}. Download it and read it before approving it.`,
      );
      data.reload();
    } catch (err) {
      setError(readable(err));
    } finally {
      setBusy(false);
    }
  }

  function approved(p: ApprovedEvidencePack) {
    setError(null);
    setDone(
      `Approved for the referral in your name. Its hash (${p.packHash.slice(0, HASH_SHOWN)}…) is in the audit log${
        p.onTimeline
          ? ' and on the case timeline.'
          : '; it could not be put on the case timeline (the case is closed, or did not answer just now).'
      }`,
    );
    data.reload();
    onApproved?.();
  }

  return (
    <section className="card evidence-packs" aria-labelledby="evidence-title">
      <h2 id="evidence-title">Evidence pack</h2>
      <p className="small muted">
        Everything the council asks for with a referral: the referral form, chronology, register certificate,
        support offered, each letter as sent, and a manifest of SHA-256 hashes. A manager approves it before
        it goes.
      </p>
      <div className="actions">
        <button
          type="button"
          className="btn btn-primary"
          disabled={busy}
          aria-busy={busy}
          onClick={() => void generate()}
        >
          {busy ? 'Generating… (this can take a few seconds)' : 'Generate a draft pack'}
        </button>
      </div>
      <ErrorBox error={error} title="No pack was generated." />
      <div aria-live="polite">{done && <p className="notice small">{done}</p>}</div>
      {data.loading && !packs && <Loading label="Loading evidence packs…" />}
      {!data.loading && (
        <ErrorBox
          error={data.error}
          title={
            packs
              ? 'The evidence packs could not be reloaded: shown as before.'
              : 'The evidence packs cannot be shown.'
          }
        />
      )}
      {packs &&
        (packs.length === 0 ? (
          <p className="muted">No evidence pack yet.</p>
        ) : (
          <ul className="plain">
            {packs.map((p) => (
              <PackItem
                key={p.id}
                pack={p}
                approvedAs={packs.find((a) => a.draftOf === p.id) ?? null}
                managerName={managerName}
                onApproved={approved}
                onStarted={() => setDone(null)}
                onRefused={data.reload}
              />
            ))}
          </ul>
        ))}
    </section>
  );
}

/** One pack: draft or approved, when, how many documents, its hash, the download, and approval. */
function PackItem({
  pack: p,
  approvedAs,
  managerName,
  onApproved,
  onStarted,
  onRefused,
}: {
  pack: EvidencePackView;
  /** The approved pack made from this draft, if it has been approved. */
  approvedAs: EvidencePackView | null;
  managerName: string;
  onApproved(p: ApprovedEvidencePack): void;
  onStarted(): void;
  /** The server refused (approved meanwhile, say): the list is read again. */
  onRefused(): void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const kind = p.approved ? 'approved' : 'draft';

  async function approve() {
    setBusy(true);
    setError(null);
    onStarted();
    try {
      const made = await api.post<ApprovedEvidencePack>(
        `/api/evidence-packs/${encodeURIComponent(p.id)}/approve`,
      );
      setConfirming(false);
      onApproved(made);
    } catch (err) {
      setError(readable(err));
      setConfirming(false);
      if (err instanceof ApiError && err.status === 409) onRefused();
    } finally {
      setBusy(false);
    }
  }

  return (
    <li data-pack-id={p.id}>
      <strong>Generated {fmtDateTime(p.generatedAt)}</strong>
      <span className={`pill pill-${p.approved ? 'ok' : 'muted'}`}>{p.approved ? 'Approved' : 'Draft'}</span>
      <div className="small">
        By {p.manifest.generatedBy} · {plural(p.manifest.files.length, 'document')} · SHA-256{' '}
        <Hash hash={p.packHash} /> ·{' '}
        <a
          href={`/api/evidence-packs/${encodeURIComponent(p.id)}/download`}
          download
          aria-label={`Download the ${kind} pack generated ${fmtDateTime(p.generatedAt)}`}
        >
          Download
        </a>
      </div>
      {p.approved && (
        <div className="small">
          Approved for the referral by {p.manifest.approvedBy ?? 'a manager'}
          {p.approvedAt && `, ${fmtDateTime(p.approvedAt)}`}.
        </div>
      )}
      {!p.approved && approvedAs && (
        <div className="small muted">
          Approved: see the approved pack generated {fmtDateTime(approvedAs.generatedAt)}.
        </div>
      )}
      {!p.approved &&
        !approvedAs &&
        (!confirming ? (
          <div className="actions">
            <button type="button" className="btn btn-small" onClick={() => setConfirming(true)}>
              Approve for the referral
            </button>
          </div>
        ) : (
          <div className="stack">
            <p>
              <strong>Approve this pack for the referral?</strong>
            </p>
            <p className="small muted">
              It will be generated again and signed off in your name ({managerName}), and its SHA-256 hash
              recorded on the case timeline and in the audit log. A draft is approved once; only the approved
              pack counts as sent to the council.
            </p>
            <ConfirmActions
              busy={busy}
              label={'Approve and sign off'}
              busyLabel="Approving…"
              onConfirm={() => void approve()}
              onCancel={() => setConfirming(false)}
            />
          </div>
        ))}
      <ErrorBox error={error} title="The pack was not approved." />
    </li>
  );
}
