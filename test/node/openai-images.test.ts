import { describeOpenAiImages } from '../suites/openai-images.ts';
import { createNodeHarness } from './node-harness.ts';

describeOpenAiImages(createNodeHarness);
