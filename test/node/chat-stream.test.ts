import { describeChatStream } from '../suites/chat-stream.ts';
import { createNodeHarness } from './node-harness.ts';

describeChatStream(createNodeHarness);
