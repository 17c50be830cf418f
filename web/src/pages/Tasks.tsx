// The worklist: every open task the cases made for people (a call to make, a home visit, a contract,
// a letter to post, next year's calendar to import), overdue first. Each is done when someone records
// what came of it, here or on the case's page.
import { useState } from 'react';
import { api, qs } from '../api';
import { Link } from '../router';
import { useSession } from '../session';
import type { TaskListAnswer } from '../types';
import { Empty, ErrorBox, Flags, Loading, PageHeader, Pagination, useAsync } from '../components/ui';
import { TaskNotes, TaskOutcomeForm, TaskResult } from '../components/tasks';
import { fmtDate, plural, pupilName, yearLabel } from '../format';

type Filter = 'mine' | 'overdue' | 'all';
const PAGE_SIZE = 25;

export function TasksPage() {
  const { schoolId, user } = useSession();
  const [filter, setFilter] = useState<Filter>('mine');
  const [page, setPage] = useState(1);
  const [notice, setNotice] = useState<string | null>(null);
  const list = useAsync(
    () =>
      api.get<TaskListAnswer>(
        `/api/tasks${qs({
          schoolId,
          mine: filter === 'mine' ? true : undefined,
          overdue: filter === 'overdue' ? true : undefined,
          page,
          pageSize: PAGE_SIZE,
        })}`,
      ),
    [schoolId, filter, page],
  );
  const d = list.data;
  // Tasks done here leave the list at once; the list itself refreshes a moment later.
  const [done, setDone] = useState<Set<string>>(new Set());
  const items = (d?.items ?? []).filter((i) => !done.has(i.task.taskId));

  return (
    <>
      <PageHeader title="Tasks">
        <div className="segmented" role="group" aria-label="Show">
          {(
            [
              ['mine', 'For me'],
              ['overdue', 'Overdue'],
              ['all', 'All open'],
            ] as const
          ).map(([f, label]) => (
            <button
              key={f}
              type="button"
              className={filter === f ? 'on' : ''}
              aria-pressed={filter === f}
              onClick={() => {
                setFilter(f);
                setPage(1);
              }}
            >
              {label}
            </button>
          ))}
        </div>
      </PageHeader>
      <p className="lead">
        Work the cases made for people. A task is done when you record what came of it: a call with no answer
        stays open. {d && `${plural(d.total, 'task')} open${d.overdue ? `, ${d.overdue} overdue` : ''}.`}
      </p>
      <div aria-live="polite">{notice && <p className="notice">{notice}</p>}</div>
      <ErrorBox error={list.error} />
      {list.loading && !d && <Loading />}
      {d && items.length === 0 && (
        <Empty
          title={
            filter === 'overdue'
              ? 'Nothing is overdue.'
              : filter === 'mine'
                ? 'No tasks for you.'
                : 'No open tasks.'
          }
        >
          <p>
            When an approved step is work for a person — a call to make, a home visit, a contract to agree, a
            letter to post — it waits here until its outcome is recorded.
          </p>
          <p>
            <Link to="/approvals">See what is waiting for approval</Link>
          </p>
        </Empty>
      )}
      {items.length > 0 && (
        <ul className="task-list">
          {items.map((i) => (
            <li
              key={i.task.taskId}
              className={`card task-card ${i.overdue ? 'overdue' : ''}`}
              data-task-id={i.task.taskId}
              data-kind={i.task.kind}
            >
              <div className="task-head">
                <div>
                  <h2 className="task-title">{i.task.title}</h2>
                  <p className="small muted">
                    <Link to={`/cases/${encodeURIComponent(i.caseId)}`}>{pupilName(i.pupil)}</Link> ·{' '}
                    {yearLabel(i.pupil.yearGroup)} · {i.stageName ?? 'No stage'} · for {i.ownerName}
                  </p>
                  <Flags flags={i.pupil.flags} />
                </div>
                <p className="task-due">
                  Due {fmtDate(i.task.dueOn)}
                  {i.overdue && <span className="pill pill-bad">overdue</span>}
                </p>
              </div>
              <TaskNotes task={i.task} open={i.task.kind === 'phoneCall'} />
              <TaskResult task={i.task} people={{}} />
              {i.canComplete ? (
                <TaskOutcomeForm
                  caseId={i.caseId}
                  task={i.task}
                  onRecorded={(m, finished) => {
                    setNotice(m);
                    if (finished) setDone((s) => new Set([...s, i.task.taskId]));
                    // The case updates its record a moment after it takes the outcome.
                    setTimeout(() => list.reload(), 1500);
                  }}
                />
              ) : (
                <p className="small muted">
                  {user.role === 'admin'
                    ? 'Administrators do not record outcomes; the attendance team and managers do.'
                    : 'This task is for a manager.'}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
      {d && <Pagination page={d.page} pageSize={d.pageSize} total={d.total} onPage={setPage} />}
    </>
  );
}
