// Signals: SIGTERM / SIGINT stop gracefully (finish the pass, stop children with a grace period, exit 0);
// a second one forces an immediate exit. SIGHUP reloads settings.
export interface SignalHandlers {
  stop(signal: NodeJS.Signals): void;
  force(signal: NodeJS.Signals): void;
  reload(): void;
}

/** Installs the handlers; returns a function that removes them. */
export function installSignalHandlers(h: SignalHandlers): () => void {
  let stopping = false;
  const onStop = (signal: NodeJS.Signals): void => {
    if (stopping) h.force(signal);
    else {
      stopping = true;
      h.stop(signal);
    }
  };
  const onHup = (): void => h.reload();
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onHup);
  return () => {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', onHup);
  };
}
