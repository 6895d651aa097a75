import { describeOpenAiEmbeddings } from '../suites/openai-embeddings.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeOpenAiEmbeddings(createWorkersHarness);
