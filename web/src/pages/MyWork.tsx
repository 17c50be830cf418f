// My work: an officer's day on one page. Steps waiting for a decision, tasks the cases made (calls
// with their scripts, home visits, contract meetings) and today's first-day calls, each with the
// pupil's figures and flags; safeguarding-flagged pupils first by default. A task's usual outcome is
// one click; the others, with a note, are one more. Decisions are taken on the Approvals page, where
// the letter is read exactly as it will be sent.
import { useState } from 'react';
import { api, qs } from '../api';
import { Link } from '../router';
import { useSession } from '../session';
import type { MyWorkAnswer, WorkItem } from '../types';
import { Empty, ErrorBox, Flags, Loading, PageHeader, Pagination, useAsync } from '../components/ui';
import { TaskNotes, TaskOutcomeForm } from '../components/tasks';
import { fmtDate, fmtPct, plural, pupilName, yearLabel } from '../format';

type TypeFilter = '' | 'approval' | 'task' | 'firstDayCall';
type Sort = 'safeguarding' | 'due' | 'stage';
const PAGE_SIZE = 25;

const TYPE_LABELS: Record<WorkItem['type'], string> = {
  approval: 'Decision',
  task: 'Task',
  firstDayCall: 'First-day call',
};

export function MyWorkPage() {
  const { schoolId } = useSession();
  const [type, setType] = useState<TypeFilter>('');
  const [stageId, setStageId] = useState('');
  const [sort, setSort] = useState<Sort>('safeguarding');
  const [overdue, setOverdue] = useState(false);
  const [mine, setMine] = useState(true);
  const [page, setPage] = useState(1);
  const [notice, setNotice] = useState<string | null>(null);
  const [done, setDone] = useState<Set<string>>(new Set());
  const list = useAsync(
    () =>
      api.get<MyWorkAnswer>(
        `/api/my-work${qs({
          schoolId,
          type: type || undefined,
          stageId: stageId || undefined,
          overdue: overdue ? true : undefined,
          mine: mine ? true : undefined,
          sort,
          page,
          pageSize: PAGE_SIZE,
        })}`,
      ),
    [schoolId, type, stageId, sort, overdue, mine, page],
  );
  const d = list.data;
  const items = (d?.items ?? []).filter((i) => !done.has(i.key));
  const changed =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      set(v);
      setPage(1);
    };
  const finished = (key: string, message: string) => {
    setNotice(message);
    setDone((s) => new Set([...s, key]));
    // The case updates its record a moment after it takes the outcome.
    setTimeout(() => list.reload(), 1500);
  };

  return (
    <>
      <PageHeader title="My work" />
      <p className="lead">
        {d
          ? `${plural(d.counts.approvals, 'decision')}, ${plural(d.counts.tasks, 'task')} and ${plural(d.counts.firstDayCalls, 'first-day call')}${d.counts.overdue ? `; ${d.counts.overdue} overdue` : ''}${d.counts.safeguarding ? `; ${d.counts.safeguarding} for pupils with a safeguarding flag, listed first` : ''}.`
          : 'What is waiting for you today.'}
      </p>
      <form className="filters" aria-label="Filter and sort" onSubmit={(e) => e.preventDefault()}>
        <label>
          Show
          <select value={type} onChange={(e) => changed(setType)(e.target.value as TypeFilter)}>
            <option value="">Everything</option>
            <option value="approval">Decisions</option>
            <option value="task">Tasks</option>
            <option value="firstDayCall">First-day calls</option>
          </select>
        </label>
        <label>
          Stage
          <select value={stageId} onChange={(e) => changed(setStageId)(e.target.value)}>
            <option value="">Any stage</option>
            {(d?.stages ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sort
          <select value={sort} onChange={(e) => changed(setSort)(e.target.value as Sort)}>
            <option value="safeguarding">Safeguarding first</option>
            <option value="due">Due date</option>
            <option value="stage">Stage (furthest on first)</option>
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={overdue} onChange={(e) => changed(setOverdue)(e.target.checked)} />{' '}
          Only overdue
        </label>
        <label className="check">
          <input type="checkbox" checked={mine} onChange={(e) => changed(setMine)(e.target.checked)} /> Only
          mine
        </label>
      </form>
      <div aria-live="polite">{notice && <p className="notice">{notice}</p>}</div>
      <ErrorBox error={list.error} />
      {list.loading && !d && <Loading />}
      {d && items.length === 0 && (
        <Empty title={overdue ? 'Nothing is overdue.' : 'Nothing is waiting for you.'}>
          <p>
            Steps the cases propose, tasks they make for people and today’s unexplained absences appear here
            as the daily check finds them.
          </p>
          {mine && (
            <p>
              <button type="button" className="btn btn-small" onClick={() => changed(setMine)(false)}>
                Show the whole team’s work
              </button>
            </p>
          )}
        </Empty>
      )}
      {items.length > 0 && (
        <ul className="task-list work-list">
          {items.map((i) => (
            <WorkCard key={i.key} item={i} staff={d?.staff[i.schoolId] ?? []} onFinished={finished} />
          ))}
        </ul>
      )}
      {d && <Pagination page={d.page} pageSize={d.pageSize} total={d.total} onPage={setPage} />}
    </>
  );
}

function Figures({ item }: { item: WorkItem }) {
  const f = item.figures;
  if (!f) return null;
  return (
    <p className="small work-figures">
      Attendance {fmtPct(f.attendancePct)} · {plural(f.unauthorised, 'unauthorised session')} ·{' '}
      {plural(f.unexplained, 'unexplained session')}
      <span className="muted"> (to {fmtDate(f.asOf)})</span>
    </p>
  );
}

function WorkCard({
  item: i,
  staff,
  onFinished,
}: {
  item: WorkItem;
  staff: MyWorkAnswer['staff'][string];
  onFinished(key: string, message: string): void;
}) {
  const who = pupilName(i.pupil);
  return (
    <li
      className={`card task-card work-item ${i.overdue ? 'overdue' : ''} ${i.safeguarding ? 'safeguarding' : ''}`}
      data-key={i.key}
      data-type={i.type}
      data-safeguarding={i.safeguarding ? 'true' : 'false'}
    >
      <div className="task-head">
        <div>
          <p className="small muted work-type">{TYPE_LABELS[i.type]}</p>
          <h2 className="task-title">{i.title}</h2>
          <p className="small muted">
            {i.caseId ? <Link to={`/cases/${encodeURIComponent(i.caseId)}`}>{who}</Link> : who} ·{' '}
            {yearLabel(i.pupil.yearGroup)}
            {i.stageName && ` · ${i.stageName}`}
            {i.type === 'task' && ` · for ${i.assignee?.name ?? i.ownerName}`}
          </p>
          <Flags flags={i.pupil.flags} />
          <Figures item={i} />
        </div>
        <p className="task-due">
          {i.type === 'approval' ? 'Proposed' : 'Due'} {fmtDate(i.dueOn)}
          {i.overdue && <span className="pill pill-bad">overdue</span>}
        </p>
      </div>
      {i.type === 'approval' && (
        <p>
          {i.canDecide ? (
            <Link
              className="btn btn-small btn-primary"
              to={`/approvals?step=${encodeURIComponent(`${i.caseId}/${i.proposalId}`)}`}
              aria-label={`Read it and decide: ${i.title} for ${who}`}
            >
              Read it and decide
            </Link>
          ) : (
            <span className="small muted">This step needs a manager’s decision.</span>
          )}
        </p>
      )}
      {i.type === 'firstDayCall' && (
        <>
          <p className="small">
            Absent {i.sessions}. Call: {i.contacts ?? 'no number on record — see the pupil’s contacts'}
          </p>
          <p>
            <Link
              className="btn btn-small"
              to="/returns"
              aria-label={`Record the call on the first-day calls list: ${who}`}
            >
              Record the call on the first-day calls list
            </Link>
          </p>
        </>
      )}
      {i.type === 'task' && <TaskWorkActions item={i} staff={staff} onFinished={onFinished} />}
    </li>
  );
}

function TaskWorkActions({
  item: i,
  staff,
  onFinished,
}: {
  item: Extract<WorkItem, { type: 'task' }>;
  staff: MyWorkAnswer['staff'][string];
  onFinished(key: string, message: string): void;
}) {
  const [assignee, setAssignee] = useState(i.assignee?.userId ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const caseId = i.caseId!;
  const taskPath = `/api/cases/${encodeURIComponent(caseId)}/tasks/${encodeURIComponent(i.task.taskId)}`;

  async function assign(userId: string) {
    setError(null);
    const before = assignee;
    setAssignee(userId);
    try {
      await api.put(`${taskPath}/assignee`, { userId: userId || null });
    } catch (err) {
      setAssignee(before);
      setError(err);
    }
  }

  async function quick() {
    if (!i.quickOutcome) return;
    setBusy(true);
    setError(null);
    try {
      await api.post(`${taskPath}/outcome`, { outcome: i.quickOutcome.id });
      onFinished(i.key, `Recorded: ${i.task.title} — ${i.quickOutcome.label}.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (!i.canComplete) return <p className="small muted">This task is for a manager.</p>;
  return (
    <div className="stack">
      <TaskNotes task={i.task} open={i.task.kind === 'phoneCall'} />
      <div className="actions">
        {i.quickOutcome && (
          <button
            type="button"
            className="btn btn-small btn-primary"
            disabled={busy}
            aria-busy={busy}
            onClick={() => void quick()}
          >
            {busy ? 'Recording…' : `Done: ${i.quickOutcome.label}`}
          </button>
        )}
        <label className="inline">
          Who is doing it
          <select value={assignee} onChange={(e) => void assign(e.target.value)}>
            <option value="">{i.ownerName} (not picked up)</option>
            {staff.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <details>
        <summary>Something else happened</summary>
        <TaskOutcomeForm
          caseId={caseId}
          task={i.task}
          onRecorded={(m, finishedTask) => (finishedTask ? onFinished(i.key, m) : undefined)}
        />
      </details>
      <ErrorBox error={error} title="That was not saved." />
    </div>
  );
}
