import fc from 'fast-check';

/**
 * Every property gives up after two minutes and fails with its seed and path to replay. Vitest's
 * timeout cannot stop a synchronous loop, so a property that draws slow cases, or spends minutes
 * shrinking a large counterexample, would hold its worker (and CI) for as long as that takes;
 * fast-check checks this limit before each run and each shrink step, so shrinking stops there
 * too, reporting the smallest counterexample it reached. Two minutes is far beyond what any
 * property here needs on a busy machine, and below the longest vitest timeout (three minutes).
 */
fc.configureGlobal({ interruptAfterTimeLimit: 120_000, markInterruptAsFailure: true });
