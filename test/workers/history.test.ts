import { describeHistory } from '../suites/history.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeHistory(createWorkersHarness);
