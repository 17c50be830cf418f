// Sending mail that was held in the outbox (no SMTP server was configured when the case wrote it),
// once there is a transport. Each case whose held letter or message now went out is told, so its
// timeline says "sent from the outbox" with the day and who sent it: until then it says "held".
import type { Client } from '@temporalio/client';
import { deliveryUpdated, type Actor } from '../workflows/caseMessages';
import type { IsoDate } from '../domain/types';
import type { Db } from '../store/db';
import { getOutboxByKey, listUnsentOutboxKeys } from '../store/caseServices';
import { deliverByKey } from './outbox';
import type { Mailer, Transports } from './types';

export interface HeldMailResult {
  sent: number;
  stillHeld: number;
  failed: number;
  /** Cases told that their held mail went. */
  casesTold: number;
}

export async function sendHeldMail(
  db: Db,
  transports: Mailer | Transports | null,
  temporal: Client,
  opts: { schoolId: string; actor: Actor; today: IsoDate; limit?: number },
): Promise<HeldMailResult> {
  const result: HeldMailResult = { sent: 0, stillHeld: 0, failed: 0, casesTold: 0 };
  const sentByCase = new Map<string, Map<string, number>>();
  for (const key of await listUnsentOutboxKeys(db, { schoolId: opts.schoolId, limit: opts.limit ?? 500 })) {
    try {
      const res = await deliverByKey(db, transports, key);
      if (res.status !== 'sent' || res.alreadySent) {
        if (res.status !== 'sent') result.stillHeld++;
        continue;
      }
      result.sent++;
      const row = await getOutboxByKey(db, key);
      if (!row?.caseId || !row.ref) continue;
      const refs = sentByCase.get(row.caseId) ?? new Map<string, number>();
      refs.set(row.ref, (refs.get(row.ref) ?? 0) + 1);
      sentByCase.set(row.caseId, refs);
    } catch {
      result.failed++; // the row is marked failed with its error, and stays in the outbox
    }
  }
  for (const [caseId, refs] of sentByCase) {
    for (const [ref, sent] of refs) {
      try {
        await temporal.workflow
          .getHandle(caseId)
          .signal(deliveryUpdated, { ref, sent, on: opts.today, actor: opts.actor });
      } catch {
        continue; // a case that has finished keeps its record; the outbox shows the mail as sent
      }
    }
    result.casesTold++;
  }
  return result;
}
