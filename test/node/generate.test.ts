import { describeGenerate } from '../suites/generate.ts';
import { createNodeHarness } from './node-harness.ts';

describeGenerate(createNodeHarness);
