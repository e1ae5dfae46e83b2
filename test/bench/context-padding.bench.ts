/**
 * What the xlstm's context padding (manifest `contextPadding`: a short context fed at its whole patches,
 * not left-padded to the 1,024-step window) does to model time and batching: the same requests through
 * ModelRuntime.forecast, fed as the manifest says and with padToContext (the whole window, as before
 * contextPadding), in one run, with the ratio. Each request is one concurrent call of N series, as a
 * forecast job or the eval sends them; the micro-batcher merges passes of the same fed length only.
 * Cases: the 50 M4-hourly training parts of the accuracy fixture cut to one length (short, and whole
 * windows), and cut to lengths spread over 12-700 points (a mixed batch: M3/tourism-like histories).
 * Run: npm run bench -- context-padding
 */
import { SeriesRequest } from '#model-runtime';
import { modelBench } from '../support/model-bench';
import { medianSeconds } from '../support/timing';

const MODEL = process.env.BENCH_MODEL ?? 'xlstm-small';
const HORIZON = Number(process.env.BENCH_HORIZON ?? 18);

async function main(): Promise<void> {
  const { entry, runtime, trains } = await modelBench(MODEL);
  if (entry.family !== 'xlstm' || !entry.contextPadding) throw new Error(`${MODEL} is not an xlstm with a manifest contextPadding`);
  console.log(
    `${MODEL}: contextPadding ${JSON.stringify(entry.contextPadding)}, window ${entry.contextLength}, horizon ${HORIZON}, negationEnsemble ${entry.negationEnsemble === true}, ${runtime.models().find((m) => m.entry.id === MODEL)!.provider.active}`,
  );
  // Mixed: 12-700 points, spread so that most patch counts from 1 to 22 occur.
  const mixed = trains.map((_, i) => Math.round(12 * Math.pow(700 / 12, i / (trains.length - 1))));
  const cases: [string, number[]][] = [
    ['50 series of 60 points', trains.map(() => 60)],
    ['50 series of 200 points', trains.map(() => 200)],
    ['50 series of 700 points', trains.map(() => 700)],
    ['50 series of 12-700 points (mixed)', mixed],
  ];
  console.log(
    '| case | fed at whole patches: s per call | padded to the window: s per call | ratio (window / patches) | model runs, patches | model runs, window |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const [label, lengths] of cases) {
    const reqs = (pad: boolean): SeriesRequest[] =>
      trains.map((t, i) => ({
        context: Float32Array.from(t.slice(t.length - lengths[i])),
        horizon: HORIZON,
        ...(pad ? { padToContext: true } : {}),
      }));
    const runs = () => runtime.models().find((m) => m.entry.id === MODEL)!.batching.runs;
    const timeAndRuns = async (pad: boolean): Promise<[number, number]> => {
      const s = await medianSeconds(() => runtime.forecast(MODEL, reqs(pad)), 5);
      const before = runs();
      await runtime.forecast(MODEL, reqs(pad));
      return [s, runs() - before];
    };
    const [a, ra] = await timeAndRuns(false);
    const [b, rb] = await timeAndRuns(true);
    console.log(`| ${label} | ${a.toFixed(4)} | ${b.toFixed(4)} | ${(b / a).toFixed(2)} | ${ra} | ${rb} |`);
  }
  await runtime.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
