// While a school's sweep runs, say so and how far it has got: otherwise the approvals count climbs
// with nothing saying why. Asks every few seconds while one runs, rarely otherwise.
import { useEffect, useState } from 'react';
import { api } from '../api';

interface SweepProgress {
  total: number;
  evaluated: number;
  running: boolean;
}

export function SweepBanner({ schoolId, schoolName }: { schoolId: string | null; schoolName: string }) {
  const [progress, setProgress] = useState<SweepProgress | null>(null);
  useEffect(() => {
    if (!schoolId) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = async () => {
      let running = false;
      try {
        const r = await api.get<{ progress: SweepProgress | null }>(
          `/api/schools/${encodeURIComponent(schoolId)}/sweep/progress`,
        );
        running = r.progress?.running ?? false;
        if (!stopped) setProgress(r.progress);
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
