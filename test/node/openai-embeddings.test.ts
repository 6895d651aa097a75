import { describeOpenAiEmbeddings } from '../suites/openai-embeddings.ts';
import { createNodeHarness } from './node-harness.ts';

describeOpenAiEmbeddings(createNodeHarness);
