import { describeOpenAiCompat } from '../suites/openai-compat.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeOpenAiCompat(createWorkersHarness);
