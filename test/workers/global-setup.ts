/**
 * Runs in Node before the Workers project: starts the fake Ollama launcher and hands its URL to the
 * tests inside workerd (`inject('fakeOllamaLauncherUrl')`).
 */
import type { TestProject } from 'vitest/node';
import { startFakeOllama } from '../helpers/fake-ollama.ts';
import { startFakeOllamaLauncher } from '../helpers/fake-ollama-launcher.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    fakeOllamaLauncherUrl: string;
    selfFakeOllamaUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const launcher = await startFakeOllamaLauncher();
  project.provide('fakeOllamaLauncherUrl', launcher.url);
  const selfFake = await startFakeOllama();
  project.provide('selfFakeOllamaUrl', selfFake.url);
  return async () => {
    await Promise.all([launcher.close(), selfFake.close()]);
  };
}
