// Policies are data. Read the one a school runs (in plain English and as written), check a new one
// (paste or upload) and see every problem with its line; administrators publish it for schools.
import { useState } from 'react';
import { api } from '../api';
import { useSession } from '../session';
import { ErrorBox, Loading, PageHeader, useAsync } from '../components/ui';
import { fmtDateTime } from '../format';
import type { PolicyIssue } from '../types';

interface PolicySummary {
  id: string;
  name: string;
  version: string;
  description: string;
  stages: { id: string; name: string; summary: string; steps: number }[];
  text: string;
}
interface Listing {
  defaultPolicy: string;
  files: {
    name: string;
    id: string | null;
    title: string;
    version: string | null;
    valid: boolean;
    issues: number;
  }[];
  published: {
    id: string;
    schoolId: string;
    policyId: string;
    version: string;
    name: string;
    publishedAt: string;
    publishedBy: string | null;
    notes: string | null;
  }[];
}
type Shown = { title: string; fileName: string; text: string; policy: PolicySummary | null; note?: string };

export function PoliciesPage() {
  const { schoolId, user, schools } = useSession();
  const list = useAsync(() => api.get<Listing>('/api/policies'), []);
  const current = useAsync(
    () =>
      schoolId
        ? api.get<{
            source: string;
            fileName: string;
            text: string;
            policy: PolicySummary | null;
            publishedAt: string | null;
          }>(`/api/schools/${encodeURIComponent(schoolId)}/policy`)
        : Promise.resolve(null),
    [schoolId],
  );
  const [shown, setShown] = useState<Shown | null>(null);
  const [view, setView] = useState<'plain' | 'yaml'>('plain');

  const open = async (name: string) => {
    const f = await api.get<{ name: string; fileName: string; text: string; policy: PolicySummary | null }>(
      `/api/policies/files/${encodeURIComponent(name)}`,
    );
    setShown({
      title: f.policy?.name ?? f.name,
      fileName: f.fileName,
      text: f.text,
      policy: f.policy,
      note: 'Shipped policy file',
    });
  };
  const openVersion = async (id: string) => {
    const v = await api.get<{
      fileName: string;
      text: string;
      policy: PolicySummary;
      publishedAt: string;
      schoolId: string;
    }>(`/api/policies/versions/${id}`);
    setShown({
      title: v.policy.name,
      fileName: v.fileName,
      text: v.text,
      policy: v.policy,
      note: `Published for ${v.schoolId} on ${fmtDateTime(v.publishedAt)}`,
    });
  };
  const cur = current.data;
  const display: Shown | null =
    shown ??
    (cur
      ? {
          title: cur.policy?.name ?? cur.fileName,
          fileName: cur.fileName,
          text: cur.text,
          policy: cur.policy,
          note:
            cur.source === 'published'
              ? `The school’s policy, published ${fmtDateTime(cur.publishedAt)}`
              : 'The school’s policy (the shipped file)',
        }
      : null);

  return (
    <>
      <PageHeader title="Policies" />
      <p className="lead">
        A policy sets the stages, their entry triggers, the steps at each stage and who approves them. New
        cases open under the school’s current policy; open cases keep the version they opened with.
      </p>
      <div className="two-col">
        <section className="card" aria-labelledby="policy-title">
          {current.loading && !display && <Loading />}
          <ErrorBox error={current.error} />
          {display && (
            <>
              <div className="policy-head">
                <div>
                  <h2 id="policy-title">{display.title}</h2>
                  <p className="small muted">
                    {display.note} · {display.fileName}
                    {display.policy && ` · version ${display.policy.version}`}
                  </p>
                </div>
                <div className="segmented" role="group" aria-label="View">
                  <button
                    type="button"
                    className={view === 'plain' ? 'on' : ''}
                    aria-pressed={view === 'plain'}
                    onClick={() => setView('plain')}
                  >
                    In plain English
                  </button>
                  <button
                    type="button"
                    className={view === 'yaml' ? 'on' : ''}
                    aria-pressed={view === 'yaml'}
                    onClick={() => setView('yaml')}
                  >
                    As written
                  </button>
                </div>
              </div>
              {view === 'plain' && display.policy ? (
                <>
                  <p>{display.policy.description}</p>
                  <ol className="stages">
                    {display.policy.stages.map((s) => (
                      <li key={s.id}>
                        <strong>{s.name}</strong> <span className="small muted">({s.steps} steps)</span>
                        <div>{s.summary}</div>
                      </li>
                    ))}
                  </ol>
                  <details>
                    <summary>Every rule, in words</summary>
                    <pre className="policy-text">{display.policy.text}</pre>
                  </details>
                </>
              ) : (
                <pre className="policy-text yaml">{display.text}</pre>
              )}
            </>
          )}
          {shown && (
            <button type="button" className="btn btn-quiet btn-small" onClick={() => setShown(null)}>
              ← Back to the school’s policy
            </button>
          )}
        </section>
        <div className="stack">
          <section className="card" aria-labelledby="files-title">
            <h2 id="files-title">Policy files</h2>
            {list.data && (
              <ul className="plain">
                {list.data.files.map((f) => (
                  <li key={f.name}>
                    <button type="button" className="linklike" onClick={() => void open(f.name)}>
                      {f.title}
                    </button>{' '}
                    <span className="small muted">
                      {f.version ? `v${f.version}` : ''} {!f.valid && `· ${f.issues} problems`}{' '}
                      {f.name === list.data!.defaultPolicy && '· default'}
                    </span>
                  </li>
                ))}
              </ul>
            )}
            {list.data && list.data.published.length > 0 && (
              <>
                <h3>Published versions</h3>
                <ul className="plain">
                  {list.data.published.slice(0, 10).map((p) => (
                    <li key={p.id}>
                      <button type="button" className="linklike" onClick={() => void openVersion(p.id)}>
                        {p.name} v{p.version}
                      </button>
                      <div className="small muted">
                        {schools.find((s) => s.id === p.schoolId)?.name ?? p.schoolId} ·{' '}
                        {fmtDateTime(p.publishedAt)} · {p.publishedBy ?? 'system'}
                      </div>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </section>
          <Validate canPublish={user.role === 'admin'} />
        </div>
      </div>
    </>
  );
}

function Validate({ canPublish }: { canPublish: boolean }) {
  const { schools, schoolId } = useSession();
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState('policy.yaml');
  const [result, setResult] = useState<{
    ok: boolean;
    issues: PolicyIssue[];
    policy: PolicySummary | null;
  } | null>(null);
  const [targets, setTargets] = useState<string[]>(schoolId ? [schoolId] : []);
  const [error, setError] = useState<unknown>(null);
  const [published, setPublished] = useState<string | null>(null);

  async function validate() {
    setError(null);
    setPublished(null);
    try {
      setResult(await api.post('/api/policies/validate', { text, fileName }));
    } catch (err) {
      setError(err);
    }
  }
  async function publish() {
    setError(null);
    try {
      const r = await api.post<{ policy: PolicySummary; versions: unknown[] }>('/api/policies/publish', {
        text,
        fileName,
        schoolIds: targets,
      });
      setPublished(`Published ${r.policy.name} v${r.policy.version} for ${r.versions.length} school(s).`);
    } catch (err) {
      setError(err);
    }
  }
  return (
    <section className="card" aria-labelledby="validate-title">
      <h2 id="validate-title">Check a policy</h2>
      <label>
        Upload a YAML file
        <input
          type="file"
          accept=".yaml,.yml"
          onChange={async (e) => {
            const f = e.target.files?.[0];
            if (f) {
              setText(await f.text());
              setFileName(f.name);
              setResult(null);
            }
          }}
        />
      </label>
      <label>
        …or paste it
        <textarea
          className="mono"
          rows={10}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setResult(null);
          }}
          spellCheck={false}
          {...(result && !result.ok ? { 'aria-invalid': true, 'aria-describedby': 'policy-issues' } : {})}
        />
      </label>
      <button type="button" className="btn" disabled={!text.trim()} onClick={() => void validate()}>
        Check
      </button>
      <ErrorBox error={error} />
      <div aria-live="polite">
        {result?.ok && (
          <p className="notice">
            Valid: {result.policy?.name} version {result.policy?.version}, {result.policy?.stages.length}{' '}
            stages.
          </p>
        )}
        {result && !result.ok && (
          <div className="error-box" role="alert" id="policy-issues">
            <strong>{result.issues.length} problem(s):</strong>
            <ul className="issues">
              {result.issues.map((i, n) => (
                <li key={n}>
                  <span className="mono">
                    line {i.line}:{i.column}
                  </span>{' '}
                  {i.message} <span className="small muted">[{i.rule}]</span>
                </li>
              ))}
            </ul>
          </div>
        )}
        {published && <p className="notice">{published}</p>}
      </div>
      {canPublish && result?.ok && (
        <fieldset className="publish">
          <legend>Publish for</legend>
          {schools.map((s) => (
            <label key={s.id} className="check">
              <input
                type="checkbox"
                checked={targets.includes(s.id)}
                onChange={(e) =>
                  setTargets(e.target.checked ? [...targets, s.id] : targets.filter((x) => x !== s.id))
                }
              />
              {s.name}
            </label>
          ))}
          <button
            type="button"
            className="btn btn-primary"
            disabled={targets.length === 0}
            onClick={() => void publish()}
          >
            Publish
          </button>
        </fieldset>
      )}
    </section>
  );
}
