// While a school's sweep runs, say so and how far it has got: otherwise the approvals count climbs
// with nothing saying why. Asks every few seconds while one runs, rarely otherwise.
import { useEffect, useState } from 'react';
import { api } from '../api';
import { fmtDate } from '../format';

interface SweepProgress {
  total: number;
  evaluated: number;
  running: boolean;
}

/** The demo school's replayed term (api/demo/history.ts). */
interface ReplayProgress {
  days: number;
  done: number;
  onDate: string | null;
  running: boolean;
  error: string | null;
}

export function SweepBanner({ schoolId, schoolName }: { schoolId: string | null; schoolName: string }) {
  const [progress, setProgress] = useState<SweepProgress | null>(null);
  const [replay, setReplay] = useState<ReplayProgress | null>(null);
  useEffect(() => {
    if (!schoolId) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = async () => {
      let running = false;
      try {
        const r = await api.get<{ progress: SweepProgress | null; replay: ReplayProgress | null }>(
          `/api/schools/${encodeURIComponent(schoolId)}/sweep/progress`,
        );
        running = (r.progress?.running ?? false) || (r.replay?.running ?? false);
        if (!stopped) {
          setProgress(r.progress);
          setReplay(r.replay);
        }
      } catch {
        // No banner is better than an error about a banner.
      }
      if (!stopped) timer = setTimeout(() => void ask(), running ? 3_000 : 30_000);
    };
    void ask();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [schoolId]);
  if (replay?.error) {
    return (
      <div className="sweep-banner" role="alert">
        The demo school’s term could not be replayed ({replay.error}). Its cases are incomplete: restart the
        product to replay it again.
      </div>
    );
  }
  if (replay?.running) {
    const pct = replay.days > 0 ? Math.round((replay.done / replay.days) * 100) : 0;
    return (
      <div className="sweep-banner" role="status">
        <span>
          Replaying {schoolName}’s term so far: {replay.done} of {replay.days} school days
          {replay.onDate ? `, up to ${fmtDate(replay.onDate)}` : ''}. Cases, letters and meetings appear as it
          goes; today’s check runs when it is done.
        </span>
        <progress max={100} value={pct} aria-label="Demo term replay progress" />
      </div>
    );
  }
  if (!progress?.running) return null;
  const pct = progress.total > 0 ? Math.round((progress.evaluated / progress.total) * 100) : 0;
  return (
    <div className="sweep-banner" role="status">
      <span>
        Checking {schoolName}’s registers: {progress.evaluated} of {progress.total} pupils looked at. New
        cases and approvals appear as it goes.
      </span>
      <progress max={100} value={pct} aria-label="Daily check progress" />
    </div>
  );
}
