import { describeSettledEvent } from '../suites/settled-event.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeSettledEvent(createWorkersHarness);
