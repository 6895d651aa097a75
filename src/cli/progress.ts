/** Progress bars (cli-progress) on stderr, only when stderr is a terminal. */
import { Presets, SingleBar } from 'cli-progress';
import type { OutputStream, Colors } from './cli-context.ts';
import { formatBytes } from './output.ts';

export interface BatchProgress {
  /** One more prompt done (`failed` so far); the rate is prompts per second since the start. */
  tick(failed: number): void;
  stop(): void;
}

/** A bar with done/total, rate, ETA and failures; undefined when stderr is not a terminal. */
export function batchProgress(stream: OutputStream, total: number, now: () => number, colors: Colors): BatchProgress | undefined {
  if (stream.isTTY !== true) return undefined;
  const started = now();
  const bar = new SingleBar({
    stream,
    format: `{bar} {value}/{total} | {rate} prompts/s | ETA {eta_formatted} | ${colors.red('{failed}')} failed`,
    hideCursor: true,
    etaBuffer: 20,
    barsize: 30,
    barCompleteChar: Presets.shades_classic.barCompleteChar,
    barIncompleteChar: Presets.shades_classic.barIncompleteChar,
  });
  bar.start(total, 0, { rate: '0.0', failed: 0 });
  let done = 0;
  return {
    tick(failed) {
      done += 1;
      const seconds = Math.max((now() - started) / 1000, 0.001);
      bar.increment(1, { rate: (done / seconds).toFixed(1), failed });
    },
    stop() {
      bar.stop();
    },
  };
}

export interface PullProgressBar {
  /** Shows one layer's download: `status` is `pulling <digest>`, sizes in bytes. */
  layer(status: string, completed: number, total: number): void;
  stop(): void;
}

/** A bar for the layer being downloaded, in bytes; undefined when stderr is not a terminal. */
export function pullProgress(stream: OutputStream): PullProgressBar | undefined {
  if (stream.isTTY !== true) return undefined;
  const bar = new SingleBar({
    stream,
    format: '{status} {bar} {percentage}% | {value}/{total} | ETA {eta_formatted}',
    formatValue: (value, _options, type) => (type === 'value' || type === 'total' ? formatBytes(value) : String(value)),
    hideCursor: true,
    barsize: 30,
    barCompleteChar: Presets.shades_classic.barCompleteChar,
    barIncompleteChar: Presets.shades_classic.barIncompleteChar,
  });
  let current: string | undefined;
  return {
    layer(status, completed, total) {
      if (status !== current) {
        if (current !== undefined) bar.stop();
        current = status;
        bar.start(total, completed, { status });
        return;
      }
      bar.setTotal(total);
      bar.update(completed, { status });
    },
    stop() {
      if (current !== undefined) bar.stop();
      current = undefined;
    },
  };
}
