import { describeOpenAiCompat } from '../suites/openai-compat.ts';
import { createNodeHarness } from './node-harness.ts';

describeOpenAiCompat(createNodeHarness);
