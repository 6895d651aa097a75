import { describeModelPull } from '../suites/model-pull.ts';
import { createNodeHarness } from './node-harness.ts';

describeModelPull(createNodeHarness);
