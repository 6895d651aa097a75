import { describeInputErrors } from '../suites/input-error.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeInputErrors(createWorkersHarness);
