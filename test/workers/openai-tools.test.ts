import { describeOpenAiTools } from '../suites/openai-tools.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeOpenAiTools(createWorkersHarness);
