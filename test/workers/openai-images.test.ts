import { describeOpenAiImages } from '../suites/openai-images.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeOpenAiImages(createWorkersHarness);
