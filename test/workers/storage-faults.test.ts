import { describeStorageFaults } from '../suites/storage-faults.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeStorageFaults(createWorkersHarness);
