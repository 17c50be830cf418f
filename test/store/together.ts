// Starts competing operations at the same moment, for the tests of what the store's locks promise
// (one booker per school, one delivery per outbox row, one import per school).
//
// On a PostgreSQL server "at the same moment" is made true rather than hoped for: a transaction of
// the test's own holds a lock that every operation needs early on (the gate), the operations start,
// and only when the server shows all of them waiting behind the gate is it opened, so they race from
// one point. Without the gate, one operation can finish before the next has begun and a missing lock
// goes unnoticed. PGlite has one connection and runs one statement at a time, so there the
// operations are just started together: what that shows is the logic, not the locking.
import type { Db } from '../../store/db';

/** A server pool for these tests: a few competing operations, the gate and the watcher. */
export const RACE_POOL_SIZE = 8;

export interface Gate {
  /** What the gate holds, for failure messages (e.g. "the outbox row"). */
  what: string;
  /** Takes the lock inside the gate's transaction, e.g. `SELECT ... FOR UPDATE` or `LOCK TABLE`. */
  hold(tx: Db): Promise<unknown>;
}

/**
 * Runs `operations` so that they compete, and returns their results (rejects if one fails). On a
 * server the store's pool needs a connection for each operation, one for the gate and one to watch
 * the server: `poolSize` of at least operations + 2.
 */
export async function startTogether<T>(
  db: Db,
  gate: Gate,
  operations: (() => Promise<T>)[],
  timeoutMs = 60_000,
): Promise<T[]> {
  if (db.engine !== 'postgres') return Promise.all(operations.map((op) => op()));

  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let held!: (pid: number) => void;
  const gatePid = new Promise<number>((resolve) => (held = resolve));
  const gateTx = db.transaction(async (tx) => {
    const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await gate.hold(tx);
    held(rows[0]!.pid);
    await opened;
  });
  // The gate's transaction ends only once opened: until then it can only fail.
  const pid = await Promise.race([gatePid, gateTx.then(() => -1)]);

  const running = operations.map((op) => op());
  let finished = 0;
  for (const r of running) {
    void r.then(
      () => finished++,
      () => finished++,
    );
  }
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const waiting = await waitingBehind(db, pid);
      if (waiting >= operations.length) break;
      if (finished > 0) {
        throw new Error(
          `an operation finished before all ${operations.length} were waiting behind ${gate.what}: the gate does not hold them`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(
          `waited ${timeoutMs / 1000} s for ${operations.length} operations to wait behind ${gate.what}; ${waiting} do`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    open();
    await gateTx;
  }
  return Promise.all(running);
}

/** How many sessions wait, directly or behind another waiting session, for the lock `pid` holds. */
async function waitingBehind(db: Db, pid: number): Promise<number> {
  const { rows } = await db.query<{ pid: number; blockers: number[] }>(
    `SELECT pid, pg_blocking_pids(pid) AS blockers FROM pg_stat_activity
     WHERE datname = current_database() AND wait_event_type = 'Lock'`,
  );
  const behind = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const r of rows) {
      if (!behind.has(r.pid) && r.blockers.some((b) => behind.has(b))) {
        behind.add(r.pid);
        grew = true;
      }
    }
  }
  return behind.size - 1;
}
