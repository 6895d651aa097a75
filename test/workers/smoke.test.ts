import { describeSmoke } from '../suites/smoke.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeSmoke(createWorkersHarness);
