import { describeForeignAnswers } from '../suites/foreign-answer.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeForeignAnswers(createWorkersHarness);
