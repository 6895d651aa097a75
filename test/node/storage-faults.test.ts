import { describeStorageFaults } from '../suites/storage-faults.ts';
import { createNodeHarness } from './node-harness.ts';

describeStorageFaults(createNodeHarness);
