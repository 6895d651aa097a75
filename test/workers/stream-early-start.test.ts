import { describeStreamEarlyStart } from '../suites/stream-early-start.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeStreamEarlyStart(createWorkersHarness);
