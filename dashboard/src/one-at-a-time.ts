/**
 * Runs `task` with at most one run in flight: a call during a run asks for one more run after it (any
 * number of calls, one more run). A page that re-reads on every change of a busy store would otherwise
 * start a read each second while the last is still out; with a newest-wins check, a gateway slower than
 * the changes then never shows any (each answer arrives superseded), and the reads pile up on it.
 */
export function oneAtATime(task: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const run = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    void task()
      .catch(() => undefined)
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          run();
        }
      });
  };
  return run;
}
