/**
 * A child process's memory while it runs one computation: RSS and heap before, and their peaks sampled every
 * 20 ms until `stop()` (the payout and program benchmarks' «memory flat in the partner count»).
 */
export function sampleMemory(): {
  stop(): { rssBefore: number; rssPeak: number; heapBefore: number; heapPeak: number };
} {
  const before = process.memoryUsage();
  let rssPeak = before.rss;
  let heapPeak = before.heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    rssPeak = Math.max(rssPeak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  };
  const timer = setInterval(sample, 20);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { rssBefore: before.rss, rssPeak, heapBefore: before.heapUsed, heapPeak };
    },
  };
}
