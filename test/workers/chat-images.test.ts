import { describeChatImages } from '../suites/chat-images.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeChatImages(createWorkersHarness);
