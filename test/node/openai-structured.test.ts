import { describeOpenAiStructuredOutput } from '../suites/openai-structured.ts';
import { createNodeHarness } from './node-harness.ts';

describeOpenAiStructuredOutput(createNodeHarness);
