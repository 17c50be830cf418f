// Integrations (administrators): the school's MIS, so registers arrive by themselves, and GOV.UK
// Notify, so letters are emailed, texted and posted with what became of each kept. Secrets go in and
// never come back: a saved token shows its last four characters, and a blank field keeps it.
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api';
import {
  ConfirmActions,
  Empty,
  ErrorBox,
  invalidField,
  Loading,
  PageHeader,
  useAsync,
} from '../components/ui';
import { fmtDateTime } from '../format';
import { useSession } from '../session';
import type { IntegrationsAnswer, MisSyncRecord } from '../types';

export function IntegrationsPage() {
  const { schoolId, schools } = useSession();
  const url = schoolId ? `/api/schools/${encodeURIComponent(schoolId)}/integrations` : null;
  const data = useAsync(() => (url ? api.get<IntegrationsAnswer>(url) : Promise.resolve(null)), [url]);
  const school = schools.find((s) => s.id === schoolId);
  if (!url)
    return (
      <>
        <PageHeader title="Integrations" />
        <Empty title="No school yet.">
          <p>Import a school’s calendar first; then connect its MIS and GOV.UK Notify here.</p>
        </Empty>
      </>
    );
  return (
    <>
      <PageHeader title="Integrations">{school && <span className="muted">{school.name}</span>}</PageHeader>
      <ErrorBox error={data.error} />
      {data.loading && !data.data && <Loading />}
      {data.data && (
        <div className="two-col">
          <MisCard url={url} answer={data.data} onChange={data.reload} />
          <NotifyCard url={url} answer={data.data} onChange={data.reload} />
        </div>
      )}
    </>
  );
}

function sourceText(connected: boolean, source: string | null): string {
  if (!connected) return 'Not connected';
  return source === 'environment' ? 'Connected (set for every school by the deployment)' : 'Connected';
}

function MisCard({
  url,
  answer,
  onChange,
}: {
  url: string;
  answer: IntegrationsAnswer;
  onChange: () => void;
}) {
  const mis = answer.mis;
  const [form, setForm] = useState({
    baseUrl: mis.baseUrl ?? 'https://api.wonde.com/v1.0',
    misSchoolId: mis.misSchoolId ?? '',
    token: '',
    codeMap: Object.entries(mis.codeMap)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  });
  const [error, setError] = useState<unknown>(null);
  const [said, setSaid] = useState<string | null>(null);
  const [busy, setBusy] = useState<'save' | 'test' | 'sync' | 'remove' | null>(null);
  const [confirmRemove, setConfirmRemove] = useState(false);
  // "Sync now" starts the sync in the background: it is watched until a sync newer than the one
  // listed when it was asked for has finished (the list shows it as it goes).
  const [watching, setWatching] = useState<{ after: string | null } | null>(null);
  const latest = mis.syncs[0];
  const syncing =
    busy === 'sync' ||
    latest?.status === 'running' ||
    (watching !== null && (latest?.id ?? null) === watching.after);
  useEffect(() => {
    if (watching && !syncing) setWatching(null);
  }, [watching, syncing]);

  // While a sync runs, its progress comes from the list of syncs: read it again every 2 seconds.
  useEffect(() => {
    if (!syncing) return;
    const t = setInterval(onChange, 2000);
    return () => clearInterval(t);
  }, [syncing, onChange]);

  async function act(what: NonNullable<typeof busy>, fn: () => Promise<void>) {
    setError(null);
    setSaid(null);
    setBusy(what);
    try {
      await fn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }
  const save = (e: FormEvent) => {
    e.preventDefault();
    void act('save', async () => {
      const codeMap = Object.fromEntries(
        form.codeMap
          .split(/\n|,/)
          .map((l) => l.split('=').map((p) => p.trim()))
          .filter((p) => p.length === 2 && p[0] && p[1]),
      );
      await api.put(`${url}/mis`, {
        baseUrl: form.baseUrl,
        misSchoolId: form.misSchoolId,
        ...(form.token ? { token: form.token } : {}),
        codeMap,
      });
      setForm({ ...form, token: '' });
      setSaid('Saved. The registers are read by the schedule below; “Sync now” reads them at once.');
      onChange();
    });
  };

  return (
    <section className="card" aria-labelledby="mis-title">
      <h2 id="mis-title">Registers from the MIS</h2>
      <p className="small muted">
        {sourceText(mis.connected, mis.source)}
        {mis.connected && mis.syncTimes.length > 0 && (
          <> · synced on school days at {mis.syncTimes.join(', ')}</>
        )}
      </p>
      <ErrorBox error={error} id="mis-error" />
      {said && (
        <p className="notice" role="status">
          {said}
        </p>
      )}
      <form className="stack" onSubmit={save}>
        <label>
          API address
          <input
            required
            value={form.baseUrl}
            onChange={(e) => setForm({ ...form, baseUrl: e.target.value })}
            {...invalidField(error, 'mis-error', 'baseUrl')}
          />
        </label>
        <label>
          The school’s id at the MIS
          <input
            required
            value={form.misSchoolId}
            placeholder="e.g. A1930499544"
            onChange={(e) => setForm({ ...form, misSchoolId: e.target.value })}
            {...invalidField(error, 'mis-error', 'misSchoolId')}
          />
        </label>
        <label>
          API token
          <input
            type="password"
            autoComplete="off"
            value={form.token}
            placeholder={
              mis.tokenHint ? `Saved (${mis.tokenHint}): leave blank to keep it` : 'The token the MIS issued'
            }
            onChange={(e) => setForm({ ...form, token: e.target.value })}
            {...invalidField(error, 'mis-error', 'token')}
          />
        </label>
        <label>
          The MIS’s own register codes, as DfE codes: one per line, such as Z9=S
          <textarea
            rows={3}
            value={form.codeMap}
            onChange={(e) => setForm({ ...form, codeMap: e.target.value })}
          />
        </label>
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={busy !== null}>
            {busy === 'save' ? 'Saving…' : 'Save'}
          </button>
          {mis.connected && (
            <>
              <button
                type="button"
                className="btn"
                disabled={busy !== null}
                onClick={() =>
                  void act('test', async () => {
                    const r = await api.post<{ ok: boolean; misSchool?: { name: string }; error?: string }>(
                      `${url}/mis/test`,
                    );
                    setSaid(
                      r.ok
                        ? `Connected: the MIS knows this school as ${r.misSchool!.name}.`
                        : `Not connected: ${r.error}.`,
                    );
                  })
                }
              >
                {busy === 'test' ? 'Testing…' : 'Test connection'}
              </button>
              <button
                type="button"
                className="btn"
                disabled={busy !== null || syncing}
                onClick={() =>
                  void act('sync', async () => {
                    setWatching({ after: latest?.id ?? null });
                    await api.post(`${url}/mis/sync`);
                    onChange();
                  })
                }
              >
                {syncing ? 'Syncing…' : 'Sync now'}
              </button>
            </>
          )}
          {mis.source === 'school' && !confirmRemove && (
            <button type="button" className="btn btn-quiet" onClick={() => setConfirmRemove(true)}>
              Disconnect
            </button>
          )}
        </div>
        {confirmRemove && (
          <ConfirmActions
            busy={busy === 'remove'}
            label="Disconnect the MIS: syncs stop; what arrived stays"
            busyLabel="Disconnecting…"
            onCancel={() => setConfirmRemove(false)}
            onConfirm={() =>
              void act('remove', async () => {
                await api.delete(`${url}/mis`);
                setConfirmRemove(false);
                onChange();
              })
            }
          />
        )}
      </form>
      <SyncList syncs={mis.syncs} />
    </section>
  );
}

function SyncList({ syncs }: { syncs: MisSyncRecord[] }) {
  if (syncs.length === 0) return <p className="small muted">No sync yet.</p>;
  return (
    <table className="table syncs" aria-label="Latest syncs from the MIS">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Outcome</th>
          <th scope="col">What changed</th>
        </tr>
      </thead>
      <tbody>
        {syncs.map((s) => (
          <tr key={s.id}>
            <td className="small">
              {fmtDateTime(s.startedAt)}
              <div className="muted">{s.trigger === 'manual' ? 'Sync now' : 'Scheduled'}</div>
            </td>
            <td className="small">
              {s.status === 'running' ? (
                'Running…'
              ) : s.status === 'succeeded' ? (
                'Done'
              ) : (
                <strong>Failed</strong>
              )}
              {s.error && <div>{s.error}</div>}
            </td>
            <td className="small">
              {s.status === 'succeeded' && (
                <>
                  {s.counts.pupilsInserted ?? 0} new pupils, {s.counts.pupilsUpdated ?? 0} updated;{' '}
                  {s.counts.marksInserted ?? 0} new marks, {s.counts.marksChanged ?? 0} re-coded
                  {(s.counts.contactChangesHeld ?? 0) > 0 && (
                    <>; {s.counts.contactChangesHeld} contact changes to approve</>
                  )}
                </>
              )}
              {s.problems.length > 0 && (
                <ul>
                  {s.problems.slice(0, 5).map((p, i) => (
                    <li key={i}>{p.message}</li>
                  ))}
                </ul>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function NotifyCard({
  url,
  answer,
  onChange,
}: {
  url: string;
  answer: IntegrationsAnswer;
  onChange: () => void;
}) {
  const n = answer.notify;
  const [form, setForm] = useState({
    apiKey: '',
    emailTemplateId: n.emailTemplateId ?? '',
    smsTemplateId: n.smsTemplateId ?? '',
    postLetters: n.connected ? n.postLetters : true,
    postage: n.postage,
    newCallbackToken: n.callbacks === 'not set',
  });
  const [error, setError] = useState<unknown>(null);
  const [said, setSaid] = useState<string | null>(null);
  const [token, setToken] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function save(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setSaid(null);
    setBusy(true);
    try {
      const r = await api.put<IntegrationsAnswer>(`${url}/notify`, {
        ...(form.apiKey ? { apiKey: form.apiKey } : {}),
        emailTemplateId: form.emailTemplateId || null,
        smsTemplateId: form.smsTemplateId || null,
        postLetters: form.postLetters,
        postage: form.postage,
        newCallbackToken: form.newCallbackToken,
      });
      setToken(r.callbackToken ?? null);
      setForm({ ...form, apiKey: '', newCallbackToken: false });
      setSaid('Saved. Letters, emails and texts go through GOV.UK Notify from now on.');
      onChange();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  async function test() {
    setError(null);
    const r = await api.post<{ ok: boolean; error?: string }>(`${url}/notify/test`).catch((err: unknown) => {
      setError(err);
      return null;
    });
    if (r) setSaid(r.ok ? 'Connected: Notify accepted the key.' : `Not connected: ${r.error}.`);
  }

  return (
    <section className="card" aria-labelledby="notify-title">
      <h2 id="notify-title">Letters through GOV.UK Notify</h2>
      <p className="small muted">{sourceText(n.connected, n.source)}</p>
      <ErrorBox error={error} id="notify-error" />
      {said && (
        <p className="notice" role="status">
          {said}
        </p>
      )}
      {token && (
        <div className="notice" role="status">
          <p>
            <strong>Callback token</strong> (shown once): <code className="break">{token}</code>
          </p>
          <p className="small">
            In Notify, API integration → Callbacks, set this token for both callbacks, with
            <br />
            delivery receipts: <code className="break">{n.callbackUrls.deliveryStatus}</code>
            <br />
            returned letters: <code className="break">{n.callbackUrls.returnedLetter}</code>
          </p>
        </div>
      )}
      <form className="stack" onSubmit={save}>
        <label>
          API key
          <input
            type="password"
            autoComplete="off"
            value={form.apiKey}
            placeholder={
              n.keyHint ? `Saved (${n.keyHint}): leave blank to keep it` : 'A live key from Notify'
            }
            onChange={(e) => setForm({ ...form, apiKey: e.target.value })}
            {...invalidField(error, 'notify-error', 'apiKey')}
          />
        </label>
        <label>
          Email template id: its subject ((subject)), its body ((body))
          <input
            value={form.emailTemplateId}
            onChange={(e) => setForm({ ...form, emailTemplateId: e.target.value })}
            {...invalidField(error, 'notify-error', 'emailTemplateId')}
          />
        </label>
        <label>
          Text message template id: its body ((body))
          <input
            value={form.smsTemplateId}
            onChange={(e) => setForm({ ...form, smsTemplateId: e.target.value })}
            {...invalidField(error, 'notify-error', 'smsTemplateId')}
          />
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={form.postLetters}
            onChange={(e) => setForm({ ...form, postLetters: e.target.checked })}
          />
          Notify prints and posts letters (otherwise the office does)
        </label>
        <label>
          Class of post when the letter does not say (formal warnings go first class)
          <select
            value={form.postage}
            onChange={(e) => setForm({ ...form, postage: e.target.value as 'first' | 'second' })}
          >
            <option value="second">Second class</option>
            <option value="first">First class</option>
          </select>
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={form.newCallbackToken}
            onChange={(e) => setForm({ ...form, newCallbackToken: e.target.checked })}
          />
          Make a new callback token {n.callbacks === 'set' && '(the old one stops working)'}
        </label>
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
          {n.connected && (
            <button type="button" className="btn" onClick={() => void test()}>
              Test connection
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
