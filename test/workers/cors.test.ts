import { describeCors } from '../suites/cors.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeCors(createWorkersHarness);
