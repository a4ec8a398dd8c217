/** Runs one stress script from the command line: writes its report, prints the Markdown, exits 1 on FAIL. */
import { fileURLToPath } from 'node:url';
import { parseArgs } from './args.js';
import type { RunArgs } from './args.js';
import type { StressReport } from './report.js';
import { writeReport } from './report.js';

export async function main(run: (args: RunArgs) => Promise<StressReport>): Promise<void> {
  const report = await run(parseArgs(process.argv.slice(2)));
  console.log(writeReport(report));
  process.exitCode = report.pass ? 0 : 1;
}

/** Whether the module at `url` is the script node was started with. */
export const isMain = (url: string) => process.argv[1] === fileURLToPath(url);
