import { describeUsage } from '../suites/usage.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeUsage(createWorkersHarness);
