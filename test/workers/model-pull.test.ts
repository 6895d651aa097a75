import { describeModelPull } from '../suites/model-pull.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeModelPull(createWorkersHarness);
