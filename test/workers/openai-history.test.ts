import { describeOpenAiHistory } from '../suites/openai-history.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeOpenAiHistory(createWorkersHarness);
