import { describeChatImages } from '../suites/chat-images.ts';
import { createNodeHarness } from './node-harness.ts';

describeChatImages(createNodeHarness);
