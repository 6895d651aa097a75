import { describeChatAbort } from '../suites/chat-abort.ts';
import { createNodeHarness } from './node-harness.ts';

describeChatAbort(createNodeHarness);
