import { describeGenerate } from '../suites/generate.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeGenerate(createWorkersHarness);
