// The interactive consent of `apply` and `restore` on a terminal: the plan, a question, and only "yes" goes on.
import { createInterface } from 'node:readline/promises';

export async function confirm(planText: string, question: string): Promise<boolean> {
  process.stdout.write(`${planText}\n${question} Only "yes" is accepted: `);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: false });
  try {
    return (await rl.question('')).trim() === 'yes';
  } finally {
    rl.close();
  }
}
