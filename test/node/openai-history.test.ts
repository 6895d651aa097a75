import { describeOpenAiHistory } from '../suites/openai-history.ts';
import { createNodeHarness } from './node-harness.ts';

describeOpenAiHistory(createNodeHarness);
