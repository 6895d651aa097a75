import { describeChatUpstreamErrors } from '../suites/chat-upstream-error.ts';
import { createNodeHarness } from './node-harness.ts';

describeChatUpstreamErrors(createNodeHarness);
