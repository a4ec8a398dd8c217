/** The stress scripts' command line: `--short` (the CI length), `--duration S` (seconds of the main phase). */
export interface RunArgs {
  readonly short: boolean;
  /** Seconds, when given. */
  readonly durationS?: number;
}

export function parseArgs(argv: readonly string[]): RunArgs {
  let short = false;
  let durationS: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--short') short = true;
    else if (arg === '--duration' || arg.startsWith('--duration=')) {
      const value = arg.includes('=') ? arg.split('=')[1] : argv[++i];
      durationS = Number(value);
      if (!Number.isFinite(durationS) || durationS <= 0)
        throw new Error(`--duration: expected seconds, got ${value}`);
    } else throw new Error(`unknown option ${arg} (expected --short or --duration SECONDS)`);
  }
  return { short, ...(durationS === undefined ? {} : { durationS }) };
}
