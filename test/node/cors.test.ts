import { describeCors } from '../suites/cors.ts';
import { createNodeHarness } from './node-harness.ts';

describeCors(createNodeHarness);
