/** The fake Ollama from the test kit, as its own process, so its CPU is not the gateway's. Prints its URL. */
import { startFakeOllama } from '../test/helpers/fake-ollama.ts';

const tokenCount = Number(process.env['BENCH_TOKENS'] ?? '20');
const tokens = Array.from({ length: tokenCount }, (_, index) => `tok${String(index)} `);
const fake = await startFakeOllama({ tokens });
console.log(fake.url);
process.on('SIGTERM', () => {
  void fake.close().then(() => process.exit(0));
});
