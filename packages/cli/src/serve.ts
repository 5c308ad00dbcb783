// How the serving commands (`mint serve`, `shop serve`, `sdc pump`) wait until they are to stop.

/**
 * Resolves on SIGINT or SIGTERM, after `durationSeconds` when given (at least 10 ms), or when `finished`
 * settles, whichever comes first; then the listeners and the timer are gone. The signal listener is the
 * function named `stop` (the CLI's tests end the servers they run in-process by calling it).
 */
export function untilStopped(durationSeconds?: number, finished?: Promise<unknown>): Promise<void> {
  return new Promise<void>((done) => {
    const timer =
      durationSeconds === undefined ? undefined : setTimeout(stop, Math.max(10, Math.round(durationSeconds * 1000)));
    function stop() {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (timer) clearTimeout(timer);
      done();
    }
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    finished?.then(stop, stop);
  });
}
