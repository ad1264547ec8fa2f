/** The readiness port: what /readyz reports (src/app/ builds it from the role's adapters). */
export interface ReadinessCheck {
  /** Named checks, each 'ok' or a reason; any other than 'ok' makes the process not ready. */
  check(): Promise<Record<string, string>>;
  /** Named dependencies that may fail without failing requests (analytics): shown, not gating. */
  degraded?(): Record<string, string>;
}
