import { describeLimits } from '../suites/limits.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeLimits(createWorkersHarness);
