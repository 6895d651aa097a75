import { describeOpenAiStructuredOutput } from '../suites/openai-structured.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeOpenAiStructuredOutput(createWorkersHarness);
