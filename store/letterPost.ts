// Letters that go by post: the copies of a school's letters of one day that are to be printed and
// posted (`byPost` recipients), each with the address from the roster when the letter was written,
// and whether the office has recorded the "print and post" task as done. Printing records nothing:
// only the task's outcome says a letter was posted.
import type { PostalAddress } from '../domain/postalAddress';
import type { IsoDate } from '../domain/types';
import type { LetterLayout, LetterRecipient } from './caseServices';
import type { Db } from './db';

export interface PostedLetter {
  letterId: string;
  caseId: string;
  pupilId: string;
  pupilName: string;
  subject: string;
  sentOn: IsoDate;
  /** The approved words and letterhead the copies are printed from (null: written before 0068). */
  layout: LetterLayout | null;
  /** Each carer a paper copy goes to; `postal` null when the roster had no address for them. */
  copies: { contactIndex: number; name: string; postal: PostalAddress | null }[];
  /** The office's "print and post" task, when there is one. */
  task: { id: string; status: 'open' | 'done'; outcome: string | null } | null;
}

/**
 * The school's letters dated `from` to `to` (inclusive) that have a copy to post, in the order the
 * office would sort the envelopes: by pupil's family name, given name, then the letter's time.
 */
export async function listPostedLetters(
  db: Db,
  schoolId: string,
  from: IsoDate,
  to: IsoDate,
): Promise<PostedLetter[]> {
  const { rows } = await db.query<{
    id: string;
    case_id: string;
    pupil_id: string;
    given_name: string | null;
    family_name: string | null;
    subject: string;
    sent_on: string;
    layout: LetterLayout | null;
    recipients: LetterRecipient[] | null;
    task_id: string | null;
    task_status: 'open' | 'done' | null;
    task_outcome: string | null;
  }>(
    `SELECT l.id, l.case_id, l.pupil_id::text AS pupil_id, p.given_name, p.family_name, l.subject,
            l.sent_on::text AS sent_on, l.layout, l.recipients,
            t.id AS task_id, t.status AS task_status, t.outcome AS task_outcome
     FROM letters l
     LEFT JOIN pupils p ON p.id = l.pupil_id
     LEFT JOIN staff_tasks t ON t.id = l.id || ':post'
     WHERE l.school_id = $1 AND l.sent_on BETWEEN $2::date AND $3::date
       AND EXISTS (SELECT 1 FROM jsonb_array_elements(l.recipients) r
                   WHERE r->>'byPost' = 'true' OR r->>'channel' <> 'email')
     ORDER BY l.sent_on, p.family_name NULLS LAST, p.given_name NULLS LAST, l.created_at, l.id`,
    [schoolId, from, to],
  );
  // Copies GOV.UK Notify took to post (outbox rows `<letter>:<contact>:post`, sent) are not the office's;
  // one Notify refused is.
  const withNotify = await db.query<{ key: string; ref: string }>(
    `SELECT idempotency_key AS key, ref FROM outbox WHERE channel = 'post' AND status = 'sent' AND ref = ANY($1::text[])`,
    [rows.map((r) => r.id)],
  );
  const byNotify = new Set(withNotify.rows.map((r) => r.key));
  const lettersNotifyPosts = new Set(withNotify.rows.map((r) => r.ref));
  return (
    rows
      .map((r) => ({
        letterId: r.id,
        caseId: r.case_id,
        pupilId: r.pupil_id,
        pupilName: [r.given_name, r.family_name].filter(Boolean).join(' ') || 'a pupil no longer on the roll',
        subject: r.subject,
        sentOn: r.sent_on,
        layout: r.layout,
        copies: (r.recipients ?? [])
          .filter((x) => x.byPost || x.channel !== 'email')
          .filter((x) => !byNotify.has(`${r.id}:${x.contactIndex}:post`))
          .map((x) => ({ contactIndex: x.contactIndex, name: x.name, postal: x.postal ?? null })),
        task: r.task_id ? { id: r.task_id, status: r.task_status!, outcome: r.task_outcome } : null,
      }))
      // A letter whose every copy Notify posts has nothing left for the office.
      .filter((l) => l.copies.length > 0 || !lettersNotifyPosts.has(l.letterId))
  );
}
