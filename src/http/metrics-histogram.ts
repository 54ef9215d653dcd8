// A histogram for the request path: a child per label set holds plain bucket counts (an observation is a
// short loop and two additions, no label hashing), rendered by prom-client's registry at each scrape.
import type { Registry } from "prom-client";

/** Records one observation. */
export type Observe = (value: number) => void;

/** A histogram whose children are made once and kept by the caller. */
export interface FastHistogram {
  /** The child for these label values (made on first use; keep it, a look-up is not free). */
  child(labels?: Record<string, string>): Observe;
}

interface Series {
  labels: Record<string, string>;
  /** Per bucket (not cumulative); the last one is +Inf. */
  counts: number[];
  sum: number;
  count: number;
}

interface SampleValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/** Creates a histogram `name` in `registry` with these upper bounds (ascending). */
export function createFastHistogram(
  registry: Registry,
  o: { name: string; help: string; buckets: readonly number[] },
): FastHistogram {
  const series = new Map<string, Series>();
  const bounds = o.buckets;
  const metric = {
    name: o.name,
    help: o.help,
    type: "histogram",
    aggregator: "sum",
    async get() {
      const values: SampleValue[] = [];
      for (const s of series.values()) {
        let acc = 0;
        bounds.forEach((le, i) => {
          acc += s.counts[i] as number;
          values.push({ metricName: `${o.name}_bucket`, labels: { ...s.labels, le }, value: acc });
        });
        values.push({ metricName: `${o.name}_bucket`, labels: { ...s.labels, le: "+Inf" }, value: s.count });
        values.push({ metricName: `${o.name}_sum`, labels: s.labels, value: s.sum });
        values.push({ metricName: `${o.name}_count`, labels: s.labels, value: s.count });
      }
      return { name: o.name, help: o.help, type: "histogram", aggregator: "sum", values };
    },
  };
  registry.registerMetric(metric as unknown as Parameters<Registry["registerMetric"]>[0]);
  return {
    child(labels = {}) {
      const key = JSON.stringify(labels);
      let s = series.get(key);
      if (!s) {
        s = { labels, counts: new Array<number>(bounds.length + 1).fill(0), sum: 0, count: 0 };
        series.set(key, s);
      }
      const one = s;
      return (value) => {
        let i = 0;
        while (i < bounds.length && value > (bounds[i] as number)) i++;
        (one.counts as number[])[i] = (one.counts[i] as number) + 1;
        one.sum += value;
        one.count++;
      };
    },
  };
}
