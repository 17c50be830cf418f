// The calendar editor: a school's terms, half terms, INSET days and other closures as a form, so an
// office never writes calendar JSON by hand. It starts from a typical English school year with the
// bank holidays that fall in term time (domain/englishCalendar.ts, domain/bankHolidays.ts, from
// gov.uk), counts the school days in each term as the form changes, says what is wrong in words a
// person can act on, and gives the calendar to the import form ("Use this calendar") or as a file
// to keep (calendar.json). The import checks it again, as it checks any calendar file.
import { useId, useRef, useState } from 'react';
import { BANK_HOLIDAYS_SOURCE } from '../../../domain/bankHolidays';
import {
  calendarFromDraft,
  draftProblems,
  draftSummary,
  englishCalendarDraft,
  schoolYearLabel,
  schoolYearOf,
  type CalendarDraft,
  type DraftClosure,
  type DraftTerm,
} from '../../../domain/englishCalendar';
import type { SchoolCalendarFile } from '../../../domain/types';
import { plural } from '../format';

/** A calendar the editor hands to the import form. */
export interface EditorCalendar {
  file: SchoolCalendarFile;
  /** "3 terms, 185 school days (2026 to 2027)". */
  description: string;
}

const PLACEHOLDER_ID = 'YOUR-SCHOOL-ID';

function localToday(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function CalendarEditor({
  schoolId,
  schoolName,
  onUse,
}: {
  /** The import form's school id: the calendar is for it. */
  schoolId: string;
  /** The school's name when it is already known (prefilled). */
  schoolName?: string;
  onUse(calendar: EditorCalendar): void;
}) {
  const uid = useId();
  const thisYear = schoolYearOf(localToday());
  const [year, setYear] = useState(thisYear);
  const [draft, setDraft] = useState<CalendarDraft>(() =>
    englishCalendarDraft(thisYear, { name: schoolName ?? '' }),
  );
  const [filledFor, setFilledFor] = useState(thisYear);
  const [status, setStatus] = useState<{ kind: 'notice' | 'error'; text: string } | null>(null);
  const problemsRef = useRef<HTMLDivElement>(null);

  const problems = draftProblems(draft);
  const summary = draftSummary(draft);
  const fieldId = (field: string) => `${uid}-${field.replace(/\./g, '-')}`;
  const problemId = (i: number) => `${uid}-problem-${i}`;
  /** aria-invalid and aria-describedby for a field with a problem (its message is read with it). */
  const invalid = (field: string) => {
    const i = problems.findIndex((p) => p.field === field);
    return i < 0 ? {} : { 'aria-invalid': true as const, 'aria-describedby': problemId(i) };
  };

  const update = (change: (d: CalendarDraft) => CalendarDraft) => {
    setStatus(null);
    setDraft((d) => change(d));
  };
  const setTerm = (i: number, patch: Partial<DraftTerm>) =>
    update((d) => ({ ...d, terms: d.terms.map((t, k) => (k === i ? { ...t, ...patch } : t)) }));
  const setClosure = (i: number, patch: Partial<DraftClosure>) =>
    update((d) => ({ ...d, closures: d.closures.map((c, k) => (k === i ? { ...c, ...patch } : c)) }));

  function fillTypical() {
    setDraft((d) =>
      englishCalendarDraft(year, {
        name: d.name,
        lessonsPerDay: d.lessonsPerDay,
        localAuthority: d.localAuthority,
      }),
    );
    setFilledFor(year);
    setStatus({
      kind: 'notice',
      text: `Filled in typical dates for ${schoolYearLabel(year)}, with the bank holidays in term time. Change any date to match your school.`,
    });
  }

  /** Null when the draft is ready; else says so and moves to the first problem. */
  function ready(): SchoolCalendarFile | null {
    if (problems.length > 0) {
      setStatus({
        kind: 'error',
        text: `Mend ${problems.length === 1 ? 'the problem' : `the ${problems.length} problems`} listed below first.`,
      });
      const first = document.getElementById(fieldId(problems[0]!.field));
      if (first) first.focus();
      else problemsRef.current?.focus();
      return null;
    }
    return calendarFromDraft(draft, schoolId.trim() || PLACEHOLDER_ID);
  }

  const description = `${plural(draft.terms.length, 'term')}, ${plural(summary.schoolDays, 'school day')} (${schoolYearLabel(filledFor)})`;

  function use() {
    const file = ready();
    if (!file) return;
    onUse({ file, description });
    setStatus({
      kind: 'notice',
      text: `This calendar (${description}) is now in the import form. Import it with the Import button.`,
    });
  }

  function download() {
    const file = ready();
    if (!file) return;
    const blob = new Blob([`${JSON.stringify(file, null, 2)}\n`], { type: 'application/json' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = 'calendar.json';
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    setStatus({
      kind: 'notice',
      text:
        file.school === PLACEHOLDER_ID
          ? `Downloaded calendar.json. Its "school" says ${PLACEHOLDER_ID}: put your school’s id (URN) there before importing it, or fill in the school id above and download it again.`
          : 'Downloaded calendar.json. Keep it with your MIS exports; import it here whenever the dates change.',
    });
  }

  return (
    <section className="card calendar-editor">
      <h3>Calendar editor</h3>
      <p className="small">
        Your school’s terms, half terms and the days it is closed to pupils. It starts from a typical school
        year in England with the bank holidays that fall in term time (from{' '}
        <a href={BANK_HOLIDAYS_SOURCE.url} target="_blank" rel="noreferrer">
          GOV.UK’s list for England and Wales
        </a>
        ): change any date to match your school or your council’s term dates.
      </p>

      <div className="calendar-editor-school">
        <label htmlFor={fieldId('name')}>
          School name
          <input
            id={fieldId('name')}
            value={draft.name}
            autoComplete="organization"
            onChange={(e) => update((d) => ({ ...d, name: e.target.value }))}
            {...invalid('name')}
          />
        </label>
        <label htmlFor={fieldId('lessonsPerDay')}>
          Lessons per day
          <input
            id={fieldId('lessonsPerDay')}
            type="number"
            min={1}
            max={12}
            inputMode="numeric"
            value={Number.isFinite(draft.lessonsPerDay) ? draft.lessonsPerDay : ''}
            onChange={(e) => update((d) => ({ ...d, lessonsPerDay: e.target.valueAsNumber }))}
            {...invalid('lessonsPerDay')}
          />
        </label>
        <label htmlFor={fieldId('localAuthority')}>
          Local authority <span className="muted small">(optional: letters name it)</span>
          <input
            id={fieldId('localAuthority')}
            value={draft.localAuthority}
            placeholder="e.g. Northshire Council"
            onChange={(e) => update((d) => ({ ...d, localAuthority: e.target.value }))}
            {...invalid('localAuthority')}
          />
        </label>
        <div className="calendar-editor-year">
          <label htmlFor={fieldId('year')}>
            School year
            <select id={fieldId('year')} value={year} onChange={(e) => setYear(Number(e.target.value))}>
              {[thisYear, thisYear + 1].map((y) => (
                <option key={y} value={y}>
                  {schoolYearLabel(y)}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="btn btn-small" onClick={fillTypical}>
            Fill in typical dates
          </button>
        </div>
      </div>

      <h4>Terms</h4>
      <div className="calendar-editor-terms">
        {draft.terms.map((t, i) => {
          const n = i + 1;
          const hidden = <span className="visually-hidden">Term {n}: </span>;
          return (
            <fieldset key={i}>
              <legend>{t.name.trim() || `Term ${n}`}</legend>
              <label htmlFor={fieldId(`terms.${i}.name`)}>
                <span>{hidden}Name</span>
                <input
                  id={fieldId(`terms.${i}.name`)}
                  value={t.name}
                  onChange={(e) => setTerm(i, { name: e.target.value })}
                  {...invalid(`terms.${i}.name`)}
                />
              </label>
              <label htmlFor={fieldId(`terms.${i}.start`)}>
                <span>{hidden}First day</span>
                <input
                  id={fieldId(`terms.${i}.start`)}
                  type="date"
                  value={t.start}
                  onChange={(e) => setTerm(i, { start: e.target.value })}
                  {...invalid(`terms.${i}.start`)}
                />
              </label>
              <label htmlFor={fieldId(`terms.${i}.end`)}>
                <span>{hidden}Last day</span>
                <input
                  id={fieldId(`terms.${i}.end`)}
                  type="date"
                  value={t.end}
                  onChange={(e) => setTerm(i, { end: e.target.value })}
                  {...invalid(`terms.${i}.end`)}
                />
              </label>
              <label htmlFor={fieldId(`terms.${i}.halfTermStart`)}>
                <span>{hidden}Half term, first day</span>
                <input
                  id={fieldId(`terms.${i}.halfTermStart`)}
                  type="date"
                  value={t.halfTermStart}
                  onChange={(e) => setTerm(i, { halfTermStart: e.target.value })}
                  {...invalid(`terms.${i}.halfTermStart`)}
                />
              </label>
              <label htmlFor={fieldId(`terms.${i}.halfTermEnd`)}>
                <span>{hidden}Half term, last day</span>
                <input
                  id={fieldId(`terms.${i}.halfTermEnd`)}
                  type="date"
                  value={t.halfTermEnd}
                  onChange={(e) => setTerm(i, { halfTermEnd: e.target.value })}
                  {...invalid(`terms.${i}.halfTermEnd`)}
                />
              </label>
              <p className="small muted calendar-editor-days">
                {plural(summary.terms[i]?.schoolDays ?? 0, 'school day')}
              </p>
              <button
                type="button"
                className="btn btn-quiet btn-small"
                onClick={() => update((d) => ({ ...d, terms: d.terms.filter((_, k) => k !== i) }))}
              >
                Remove term {n}
              </button>
            </fieldset>
          );
        })}
      </div>
      <button
        type="button"
        className="btn btn-small"
        onClick={() =>
          update((d) => ({
            ...d,
            terms: [...d.terms, { name: '', start: '', end: '', halfTermStart: '', halfTermEnd: '' }],
          }))
        }
      >
        Add a term
      </button>

      <div className="two-col-even calendar-editor-closed">
        <div>
          <h4>INSET days</h4>
          <p className="small muted">Training days: school is closed to pupils.</p>
          <ul className="plain-list">
            {draft.inset.map((d, i) => (
              <li key={i} className="calendar-editor-row">
                <label htmlFor={fieldId(`inset.${i}`)}>
                  INSET day {i + 1}
                  <input
                    id={fieldId(`inset.${i}`)}
                    type="date"
                    value={d}
                    onChange={(e) =>
                      update((x) => ({ ...x, inset: x.inset.map((v, k) => (k === i ? e.target.value : v)) }))
                    }
                    {...invalid(`inset.${i}`)}
                  />
                </label>
                <button
                  type="button"
                  className="btn btn-quiet btn-small"
                  onClick={() => update((x) => ({ ...x, inset: x.inset.filter((_, k) => k !== i) }))}
                >
                  Remove INSET day {i + 1}
                </button>
              </li>
            ))}
          </ul>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => update((x) => ({ ...x, inset: [...x.inset, ''] }))}
          >
            Add an INSET day
          </button>
        </div>
        <div>
          <h4>Other closures</h4>
          <p className="small muted">
            Bank holidays in term time (filled in for you), polling days, and any other day the school is
            closed.
          </p>
          <ul className="plain-list">
            {draft.closures.map((c, i) => (
              <li key={i} className="calendar-editor-row">
                <label htmlFor={fieldId(`closures.${i}.date`)}>
                  Closure {i + 1}, date
                  <input
                    id={fieldId(`closures.${i}.date`)}
                    type="date"
                    value={c.date}
                    onChange={(e) => setClosure(i, { date: e.target.value })}
                    {...invalid(`closures.${i}.date`)}
                  />
                </label>
                <label htmlFor={fieldId(`closures.${i}.reason`)}>
                  Closure {i + 1}, why
                  <input
                    id={fieldId(`closures.${i}.reason`)}
                    value={c.reason}
                    onChange={(e) => setClosure(i, { reason: e.target.value })}
                  />
                </label>
                <button
                  type="button"
                  className="btn btn-quiet btn-small"
                  onClick={() => update((x) => ({ ...x, closures: x.closures.filter((_, k) => k !== i) }))}
                >
                  Remove closure {i + 1}
                </button>
              </li>
            ))}
          </ul>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => update((x) => ({ ...x, closures: [...x.closures, { date: '', reason: '' }] }))}
          >
            Add a closure
          </button>
        </div>
      </div>

      <div className="calendar-editor-summary" aria-live="polite" aria-atomic="true">
        <p>
          <strong>{description}.</strong>{' '}
          {summary.terms.map((t) => `${t.name}: ${plural(t.schoolDays, 'school day')}`).join('; ')}.{' '}
          {plural(summary.insetDays, 'INSET day')} and {plural(summary.closures, 'other closure')}.{' '}
          {problems.length === 0
            ? 'No problems found.'
            : `${plural(problems.length, 'problem')} to mend, listed below.`}
        </p>
        {status && <p className={status.kind === 'error' ? 'error-text' : 'notice'}>{status.text}</p>}
      </div>
      <p className="small muted">
        A school year in England usually has 190 school days for pupils (195 days with 5 INSET days).
      </p>
      {problems.length > 0 && (
        <div className="error-box" ref={problemsRef} tabIndex={-1}>
          <strong>Problems to mend</strong>
          <ul>
            {problems.map((p, i) => (
              <li key={i} id={problemId(i)}>
                <button
                  type="button"
                  className="linklike"
                  onClick={() => document.getElementById(fieldId(p.field))?.focus()}
                >
                  {p.message}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="actions">
        <button type="button" className="btn btn-primary" onClick={use}>
          Use this calendar
        </button>
        <button type="button" className="btn" onClick={download}>
          Download calendar.json
        </button>
      </div>
    </section>
  );
}
