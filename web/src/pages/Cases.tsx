// Every case in the school: filters, stage badges, what happens next and when.
import { useState } from 'react';
import { api, qs } from '../api';
import { Link, navigate } from '../router';
import { useSession } from '../session';
import type { CaseListItem } from '../types';
import {
  Empty,
  ErrorBox,
  Flags,
  Loading,
  PageHeader,
  Pagination,
  StageBadge,
  StatusBadge,
  useAsync,
} from '../components/ui';
import { ALL_FLAGS, flagName, fmtDate, fmtPct, plural, pupilName, yearLabel } from '../format';

interface Filters {
  status: string;
  stage: string;
  yearGroup: string;
  flags: string[];
  pending: string;
  nextFrom: string;
  nextTo: string;
  q: string;
  sort: string;
}
const INITIAL: Filters = {
  status: 'active',
  stage: '',
  yearGroup: '',
  flags: [],
  pending: '',
  nextFrom: '',
  nextTo: '',
  q: '',
  sort: 'next',
};

export function CasesPage() {
  const { schoolId } = useSession();
  const [filters, setFilters] = useState<Filters>(INITIAL);
  const [page, setPage] = useState(1);
  const set = (patch: Partial<Filters>) => {
    setFilters((f) => ({ ...f, ...patch }));
    setPage(1);
  };
  const data = useAsync(
    () =>
      api.get<{
        total: number;
        page: number;
        pageSize: number;
        stages: { id: string; name: string; rank: number | null; active: number }[];
        /** The year groups on the roll, for the filter. */
        yearGroups: number[];
        cases: CaseListItem[];
      }>(`/api/cases${qs({ schoolId, ...filters, page, pageSize: 25 })}`),
    [schoolId, JSON.stringify(filters), page],
  );
  const filtered = JSON.stringify(filters) !== JSON.stringify(INITIAL);

  return (
    <>
      <PageHeader title="Cases">
        {/* Said aloud as the filters change the list (WCAG 4.1.3). */}
        <span className="muted" role="status">
          {data.data && plural(data.data.total, 'case')}
        </span>
      </PageHeader>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter cases">
        <label className="search">
          Search
          <input
            type="search"
            placeholder="Name or UPN"
            value={filters.q}
            onChange={(e) => set({ q: e.target.value })}
          />
        </label>
        <label>
          Status
          <select value={filters.status} onChange={(e) => set({ status: e.target.value })}>
            <option value="active">Open or paused</option>
            <option value="open">Open</option>
            <option value="paused">Paused</option>
            <option value="closed">Closed</option>
            <option value="all">All</option>
          </select>
        </label>
        <label>
          Stage
          <select value={filters.stage} onChange={(e) => set({ stage: e.target.value })}>
            <option value="">Any stage</option>
            {(data.data?.stages ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} ({s.active})
              </option>
            ))}
          </select>
        </label>
        <label>
          Year group
          <select value={filters.yearGroup} onChange={(e) => set({ yearGroup: e.target.value })}>
            <option value="">Any year</option>
            {(data.data?.yearGroups ?? []).map((y) => (
              <option key={y} value={y}>
                {yearLabel(y)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Approvals
          <select value={filters.pending} onChange={(e) => set({ pending: e.target.value })}>
            <option value="">Any</option>
            <option value="true">Waiting for approval</option>
            <option value="false">Nothing waiting</option>
          </select>
        </label>
        <label>
          Next action from
          <input type="date" value={filters.nextFrom} onChange={(e) => set({ nextFrom: e.target.value })} />
        </label>
        <label>
          <span>
            <span className="visually-hidden">Next action </span>to
          </span>
          <input type="date" value={filters.nextTo} onChange={(e) => set({ nextTo: e.target.value })} />
        </label>
        <label>
          Sort by
          <select value={filters.sort} onChange={(e) => set({ sort: e.target.value })}>
            <option value="next">Next action date</option>
            <option value="stage">Stage (most severe first)</option>
            <option value="attendance">Attendance (lowest first)</option>
            <option value="pending">Waiting approvals</option>
            <option value="name">Name</option>
            <option value="opened">Newest</option>
          </select>
        </label>
        <fieldset className="flag-filter">
          <legend>Flags</legend>
          {ALL_FLAGS.map((f) => (
            <label key={f} className="check">
              <input
                type="checkbox"
                checked={filters.flags.includes(f)}
                onChange={(e) =>
                  set({
                    flags: e.target.checked ? [...filters.flags, f] : filters.flags.filter((x) => x !== f),
                  })
                }
              />
              {flagName(f)}
            </label>
          ))}
        </fieldset>
        {filtered && (
          <button type="button" className="btn btn-quiet btn-small" onClick={() => set(INITIAL)}>
            Clear filters
          </button>
        )}
      </form>
      <ErrorBox error={data.error} />
      {data.loading && !data.data && <Loading />}
      {data.data && data.data.cases.length === 0 && (
        <Empty title={filtered ? 'No case matches these filters.' : 'No cases yet.'}>
          {filtered ? (
            <p>Try clearing a filter.</p>
          ) : (
            <p>
              Cases open when the daily sweep finds a pupil who meets one of the policy’s entry triggers.
              Import marks and run the sweep from <Link to="/imports">Imports</Link>.
            </p>
          )}
        </Empty>
      )}
      {data.data && data.data.cases.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Pupil</th>
                <th scope="col">Year</th>
                <th scope="col">Stage</th>
                <th scope="col" className="num">
                  Attendance
                </th>
                <th scope="col">Next action</th>
                <th scope="col" className="num">
                  Waiting
                </th>
              </tr>
            </thead>
            <tbody>
              {data.data.cases.map((c) => (
                <tr
                  key={c.caseId}
                  className="clickable"
                  onClick={() => navigate(`/cases/${encodeURIComponent(c.caseId)}`)}
                >
                  <td>
                    <Link to={`/cases/${encodeURIComponent(c.caseId)}`} onClick={(e) => e.stopPropagation()}>
                      {pupilName(c.pupil)}
                    </Link>{' '}
                    {c.status !== 'open' && <StatusBadge status={c.status} />}
                    <div>
                      <Flags flags={c.pupil.flags} />
                    </div>
                  </td>
                  <td>{yearLabel(c.pupil.yearGroup)}</td>
                  <td>
                    <StageBadge name={c.stageName} rank={c.stageRank} />
                  </td>
                  <td className={`num ${c.attendancePct !== null && c.attendancePct < 90 ? 'low' : ''}`}>
                    {fmtPct(c.attendancePct)}
                  </td>
                  <td>
                    <div className="next-date">{fmtDate(c.nextActionOn)}</div>
                    <div className="small muted clamp">{c.nextAction}</div>
                  </td>
                  <td className="num">
                    {c.pendingApprovals > 0 ? (
                      <span className="pill pill-warn">{c.pendingApprovals}</span>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data.data && (
        <Pagination page={page} pageSize={data.data.pageSize} total={data.data.total} onPage={setPage} />
      )}
    </>
  );
}
