import { describeForeignAnswers } from '../suites/foreign-answer.ts';
import { createNodeHarness } from './node-harness.ts';

describeForeignAnswers(createNodeHarness);
