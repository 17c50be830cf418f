// Activities are built by a factory that receives their services, so tests can pass real local
// services (PGlite, a local SMTP server) and production passes the configured ones.
import { createSystemActivities, type SystemDeps } from './system';

export type ActivityDeps = SystemDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    ...createSystemActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
