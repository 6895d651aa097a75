import { describeRetention } from '../suites/retention.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeRetention(createWorkersHarness);
