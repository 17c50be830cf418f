// A mark re-coded in the school's MIS reaches the pupil's open case with no one uploading anything:
// the misSync workflow (as the school's Schedule starts it) fetches what changed, imports it, and
// the next sweep gives the case the pupil's new figures. Real time-skipping server, real worker,
// real embedded PostgreSQL, and the stand-in of the documented MIS API.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instantOfSchoolTime } from '../../domain/time';
import { SecretBox, secretHint } from '../../integrations/secretBox';
import { integrationServices } from '../../integrations/services';
import type { MisSyncActivityResult } from '../../activities/integrations';
import { putIntegration } from '../../store/integrations';
import { startWondeStandIn, type WondeStandIn } from '../support/wondeStandIn';
import { markPattern, SCHOOL_ID, startHarness, upnFor, type Harness } from './harness';

const START = '2025-11-17';
/** Three school days before Monday 17 November (Friday the 14th was an INSET day). */
const TUESDAY_BEFORE = '2025-11-11';
const box = new SecretBox(randomBytes(32));

describe('a mark re-coded in the MIS reaches the open case', () => {
  let h: Harness;
  let mis: WondeStandIn;
  let syncs = 0;
  const sync = () =>
    h.client.workflow.execute('misSync', {
      taskQueue: h.taskQueue,
      workflowId: `mis-sync-${SCHOOL_ID}-test-${++syncs}`,
      args: [{ schoolId: SCHOOL_ID, trigger: 'manual' }],
    }) as Promise<MisSyncActivityResult>;
  /** The school's clock on the day: the MIS stamps its changes by it. */
  const simAt = (minutesAfterCheck: number) =>
    new Date(instantOfSchoolTime(START, '16:30', 'Europe/London') + minutesAfterCheck * 60_000);

  beforeAll(async () => {
    mis = await startWondeStandIn();
    h = await startHarness({
      policy: 'bradford-staged-intervention',
      start: START,
      integrations: (db) => integrationServices(db, undefined, async () => box),
      misClient: { backoffMs: 10 },
      pupils: [
        {
          key: 'amira',
          givenName: 'Amira',
          familyName: 'Khan',
          // Unauthorised absence every seventh day, and an N not yet explained the Tuesday before.
          mark: markPattern((d, s, i) =>
            d === TUESDAY_BEFORE && s === 'AM' ? 'N' : i % 7 === 0 ? 'O' : null,
          ),
        },
      ],
    });
    // The administrator connected the school's MIS (the token sealed, as the web app saves it).
    await putIntegration(
      h.db,
      SCHOOL_ID,
      'mis',
      { provider: 'wonde', baseUrl: mis.baseUrl, misSchoolId: mis.schoolId, codeMap: {} },
      { sealed: box.seal(mis.token), hint: secretHint(mis.token) },
      null,
    );
    // The MIS holds Amira as the school's roster does, and Tuesday's N as the register has it.
    mis.setClock(() => simAt(-60));
    mis.putStudents([
      {
        id: 'A1000001',
        misId: '14001',
        forename: 'Amira',
        surname: 'Khan',
        dateOfBirth: '2015-05-01',
        upn: upnFor(1),
        ncYear: 5,
        contacts: [
          {
            id: 'B2000001',
            forename: 'Amira’s',
            surname: 'parent',
            relationship: 'Mother',
            parentalResponsibility: true,
            priority: 1,
            email: 'parent.amira@example.org',
          },
        ],
      },
    ]);
    mis.putSessions([{ studentId: 'A1000001', date: TUESDAY_BEFORE, session: 'AM', code: 'N' }]);
    // Amira's case opens, and its first letter is approved and sent: the case is waiting on the register.
    await h.sweep();
    await h.approveAll();
  }, 120_000);
  afterAll(async () => {
    await h?.shutdown();
    await mis?.close();
  });

  it('gives the case the pupil’s new figures after the next sweep', async () => {
    const before = (await h.view('amira')).latestFacts!;
    expect(before.unexplained).toBeGreaterThan(0);

    // The first sync finds the school as it is.
    const first = await sync();
    expect(first).toMatchObject({ status: 'succeeded', changedSince: null, counts: { marksChanged: 0 } });

    // The office re-codes Tuesday's N as I (the doctor's note came), after that sync.
    mis.setClock(() => simAt(5));
    mis.putSessions([{ studentId: 'A1000001', date: TUESDAY_BEFORE, session: 'AM', code: 'I' }]);
    const second = await sync();
    expect(second).toMatchObject({
      status: 'succeeded',
      changedSince: expect.any(String),
      counts: { students: 0, sessions: 1, marksChanged: 1 },
    });

    await h.sweep();
    const after = (await h.view('amira')).latestFacts!;
    expect({ unexplained: after.unexplained, unauthorised: after.unauthorised }).toEqual({
      unexplained: before.unexplained - 1,
      unauthorised: before.unauthorised - 1,
    });
  });
});
