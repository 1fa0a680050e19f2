/**
 * Ctrl-C, SIGTERM and SIGHUP stop the host gracefully; a second Ctrl-C forces. Listening
 * replaces Node's default (exit at once), which would orphan every service.
 */
export function watchSignals(handlers: {
  onStop: (signal: NodeJS.Signals) => void;
  onForce: () => void;
}): { dispose(): void } {
  let stopping = false;
  const listeners = new Map<NodeJS.Signals, () => void>();
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const listener = () => {
      if (!stopping) {
        stopping = true;
        handlers.onStop(signal);
      } else if (signal === "SIGINT") {
        handlers.onForce();
      }
    };
    listeners.set(signal, listener);
    process.on(signal, listener);
  }
  return {
    dispose() {
      for (const [signal, listener] of listeners) process.off(signal, listener);
    },
  };
}
