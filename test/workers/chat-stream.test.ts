import { describeChatStream } from '../suites/chat-stream.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeChatStream(createWorkersHarness);
