/**
 * Who else uses a host that `berth exec` started for its own command: another `berth exec`
 * that found it running holds it (over the control socket) while its command runs, so the
 * services are not stopped under it when the first command ends.
 */
export class Holds {
  private readonly holders = new Map<symbol, string>();
  private readonly waiters = new Set<() => void>();

  /** `holder` keeps the host up until `until` aborts (its connection closed). */
  add(holder: string, until: AbortSignal): void {
    if (until.aborted) return;
    const key = Symbol(holder);
    this.holders.set(key, holder);
    until.addEventListener(
      "abort",
      () => {
        this.holders.delete(key);
        if (this.holders.size === 0) for (const wake of this.waiters) wake();
      },
      { once: true },
    );
  }

  /** Resolves once nobody holds the host; `onWait` hears who, once, when it has to wait. */
  released(onWait: (holders: string[]) => void): Promise<void> {
    if (this.holders.size === 0) return Promise.resolve();
    onWait([...new Set(this.holders.values())]);
    return new Promise((resolve) => {
      const wake = () => {
        this.waiters.delete(wake);
        resolve();
      };
      this.waiters.add(wake);
    });
  }
}
