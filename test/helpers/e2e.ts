// The shape of every end-to-end test: a fresh sandbox, the test body under a
// deadline, then cleanup that ends every process and fails the test if any
// process of it is still running.
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { canCheckLeaks, NO_LEAK_CHECK_REASON } from './leaks.js';
import { Sandbox } from './sandbox.js';
import { withDeadline } from './wait.js';

/** Each test must finish well inside this; most take a second or two. */
export const TEST_BUDGET_MS = 20_000;
/** Cleanup may wait for a host to end its session (stop's default 5 s timeout). */
const CLEANUP_BUDGET_MS = 20_000;

export interface E2eOptions {
  readonly budgetMs?: number;
  readonly skip?: string | false;
  readonly todo?: string | false;
}

export type E2eBody = (sandbox: Sandbox, t: TestContext) => Promise<void>;

let leakReasonShown = false;

export function e2e(name: string, body: E2eBody, options: E2eOptions = {}): void {
  const budget = options.budgetMs ?? TEST_BUDGET_MS;
  test(name, { timeout: budget + CLEANUP_BUDGET_MS, skip: options.skip, todo: options.todo }, async (t) => {
    if (!canCheckLeaks && !leakReasonShown) {
      leakReasonShown = true;
      t.diagnostic(NO_LEAK_CHECK_REASON);
    }
    const sandbox = Sandbox.create();
    let failure: unknown;
    try {
      await withDeadline(`test "${name}"`, budget, body(sandbox, t));
    } catch (error) {
      failure = error;
    }
    const problems = await sandbox.cleanup();
    if (failure !== undefined) {
      if (problems.length > 0 && failure instanceof Error) failure.message += `\nand at cleanup: ${problems.join('\n')}`;
      throw failure;
    }
    if (problems.length > 0) assert.fail(`cleanup found problems:\n${problems.join('\n')}`);
  });
}
