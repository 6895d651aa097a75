import { describeOpenAiTools } from '../suites/openai-tools.ts';
import { createNodeHarness } from './node-harness.ts';

describeOpenAiTools(createNodeHarness);
