// Activities that are about the system itself rather than a pupil.
export interface SystemDeps {
  /** Called when a probe timer fires; production logs it, tests observe it. */
  onTimerFired?: (event: { workflowId: string; firedAt: string }) => void | Promise<void>;
}

export function createSystemActivities(deps: SystemDeps) {
  return {
    async recordTimerFired(event: { workflowId: string; firedAt: string }): Promise<void> {
      await deps.onTimerFired?.(event);
    },
  };
}
