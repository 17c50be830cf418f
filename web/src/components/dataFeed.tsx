// How fresh the registers are, on the dashboard: a line when all is well, a warning a manager cannot
// miss when the latest sync from the MIS failed (nothing from it was applied) or the marks are old.
import type { DashboardAnswer } from '../types';
import { fmtDateTime } from '../format';
import { Link } from '../router';
import { useSession } from '../session';

/** Marks older than this on a school day are worth a warning: the sweep reads yesterday's registers. */
const STALE_HOURS = 26;

export function DataFeedLine({ feed }: { feed: DashboardAnswer['dataFeed'] }) {
  const { user } = useSession();
  const fix =
    user.role === 'admin' ? (
      <>
        {' '}
        See <Link to="/integrations">Integrations</Link>.
      </>
    ) : (
      ' Ask the school’s administrator to look at Integrations.'
    );
  if (feed.failing && feed.latestSync) {
    return (
      <div className="notice notice-warn" role="alert" data-testid="data-feed">
        <strong>The latest sync from the MIS failed</strong> ({fmtDateTime(feed.latestSync.at)}):{' '}
        {feed.latestSync.error}. Nothing from it was applied; the registers are as of{' '}
        {feed.lastUpdatedAt ? fmtDateTime(feed.lastUpdatedAt) : 'no sync yet'}.{fix}
        {feed.latestSync.problems.length > 0 && (
          <ul>
            {feed.latestSync.problems.slice(0, 5).map((p, i) => (
              <li key={i}>{p.message}</li>
            ))}
          </ul>
        )}
      </div>
    );
  }
  const from = feed.source === 'mis' ? 'from the MIS' : 'by upload';
  if (feed.lastUpdatedAt === null)
    return (
      <p className="notice notice-warn" data-testid="data-feed">
        No registers have arrived yet: import marks on the <Link to="/imports">Imports</Link> page
        {user.role === 'admin' ? (
          <>
            , or connect the MIS in <Link to="/integrations">Integrations</Link>
          </>
        ) : null}
        .
      </p>
    );
  const age = feed.ageHours ?? 0;
  const said = age < 1 ? 'less than an hour ago' : age === 1 ? '1 hour ago' : `${age} hours ago`;
  return (
    <p className={age > STALE_HOURS ? 'notice notice-warn' : 'small muted'} data-testid="data-feed">
      Registers last updated {from} {said} ({fmtDateTime(feed.lastUpdatedAt)}).
      {age > STALE_HOURS && ' The sweep reads the registers it has: check today’s marks have arrived.'}
    </p>
  );
}
