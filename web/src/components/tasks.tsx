// Tasks the cases made for people, shown the same way on the worklist and on a case's page: what to
// do (a call's script and numbers), by when, for whom, what came of it, and a button per outcome the
// task can have (with an optional note). A task is done only when its outcome is recorded.
import { useState } from 'react';
import { api } from '../api';
import type { CaseTask, TaskOutcomeAnswer, TaskOutcomeChoice } from '../types';
import { fmtDate } from '../format';
import { ErrorBox } from './ui';

/** Who a task is for, said plainly. */
export function ownerName(owner: string, people: Record<string, string>): string {
  if (owner === 'team') return 'the attendance team';
  if (owner === 'manager') return 'a manager';
  return people[owner] ?? 'a former member of staff';
}

/** The label of an outcome the task recorded, from its own choices. */
export function outcomeLabel(task: Pick<CaseTask, 'outcomes'>, id: string | undefined): string | null {
  if (!id) return null;
  return task.outcomes.find((o) => o.id === id)?.label ?? id;
}

/** What the task is about: its script or notes, folded away until wanted. */
export function TaskNotes({
  task,
  open = false,
}: {
  task: Pick<CaseTask, 'notes' | 'kind'>;
  open?: boolean;
}) {
  if (!task.notes) return null;
  return (
    <details className="task-notes" open={open}>
      <summary>{task.kind === 'phoneCall' ? 'The script and who to call' : 'Notes'}</summary>
      <pre className="message-preview">{task.notes}</pre>
    </details>
  );
}

/** What came of a task so far: done (what, when, by whom), or the last attempt. */
export function TaskResult({ task, people }: { task: CaseTask; people: Record<string, string> }) {
  const label = outcomeLabel(task, task.outcome);
  if (task.status === 'done') {
    return (
      <p className="small">
        <strong>{label ?? 'Done'}</strong>
        {task.completedOn && ` on ${fmtDate(task.completedOn)}`}
        {task.completedBy &&
          ` by ${people[task.completedBy.userId] ?? (task.completedBy.role === 'manager' ? 'a manager' : 'an officer')}`}
        {task.note && <span className="muted"> — {task.note}</span>}
      </p>
    );
  }
  if (!label) return null;
  return (
    <p className="small">
      Last attempt: <strong>{label}</strong>
      {task.note && <span className="muted"> — {task.note}</span>}
    </p>
  );
}

/** One button per outcome the task can have, and an optional note; says what the case answered. */
export function TaskOutcomeForm({
  caseId,
  task,
  onRecorded,
}: {
  caseId: string;
  task: Pick<CaseTask, 'taskId' | 'title' | 'outcomes'>;
  /** `done`: the outcome finished the task (a call with no answer does not). */
  onRecorded(message: string, done: boolean): void;
}) {
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function record(choice: TaskOutcomeChoice) {
    setBusy(choice.id);
    setError(null);
    try {
      await api.post<TaskOutcomeAnswer>(
        `/api/cases/${encodeURIComponent(caseId)}/tasks/${encodeURIComponent(task.taskId)}/outcome`,
        { outcome: choice.id, ...(note.trim() ? { note: note.trim() } : {}) },
      );
      setNote('');
      onRecorded(
        choice.completesStep
          ? `Recorded: ${task.title} — ${choice.label}.`
          : `Recorded: ${task.title} — ${choice.label}. The task stays open.`,
        choice.completesStep,
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="task-outcome stack">
      <label>
        Note <span className="muted small">(optional; kept in the case’s record)</span>
        <textarea rows={2} value={note} maxLength={2000} onChange={(e) => setNote(e.target.value)} />
      </label>
      <div className="actions" role="group" aria-label={`What came of: ${task.title}`}>
        {task.outcomes.map((o) => (
          <button
            key={o.id}
            type="button"
            className={`btn btn-small ${o.completesStep ? 'btn-primary' : ''}`}
            disabled={busy !== null}
            aria-busy={busy === o.id}
            onClick={() => void record(o)}
          >
            {busy === o.id ? 'Recording…' : o.label}
          </button>
        ))}
      </div>
      <ErrorBox error={error} title="The outcome was not recorded." />
    </div>
  );
}
