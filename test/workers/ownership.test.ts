import { describeOwnership } from '../suites/ownership.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeOwnership(createWorkersHarness);
