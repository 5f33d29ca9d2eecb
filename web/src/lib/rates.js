/**
 * Turns the router's running totals (records in and out per pipeline and stage) into rates: each poll is
 * compared with the one before. Keeps the last `keep` points per series for the charts.
 */
export class RateSeries {
  constructor(keep = 120) {
    this.keep = keep;
    this.last = new Map();
    this.series = new Map();
  }

  /**
   * Adds the totals seen at time `t` (seconds); returns the rate per second since the previous change. Sidecars
   * report every few seconds, so polls in between see the same totals: those are skipped, unless nothing has
   * changed for `still` seconds, which means the flow stopped.
   */
  add(key, t, total, still = 5) {
    const previous = this.last.get(key);
    if (previous && total === previous.total && t - previous.t < still) return this.latest(key);
    this.last.set(key, { t, total });
    if (!previous || t <= previous.t) return null;
    const rate = Math.max(0, (total - previous.total) / (t - previous.t));
    const points = this.series.get(key) ?? [];
    points.push([t, rate]);
    while (points.length > this.keep) points.shift();
    this.series.set(key, points);
    return rate;
  }

  /** Adds a value that is already a level (backlog, latency), not a total. */
  level(key, t, value) {
    const points = this.series.get(key) ?? [];
    points.push([t, value]);
    while (points.length > this.keep) points.shift();
    this.series.set(key, points);
  }

  points(key) {
    return this.series.get(key) ?? [];
  }

  latest(key) {
    const points = this.points(key);
    return points.length ? points[points.length - 1][1] : null;
  }
}

export function formatRate(rate) {
  if (rate == null) return '–';
  if (rate >= 10000) return `${(rate / 1000).toFixed(0)}k/s`;
  if (rate >= 1000) return `${(rate / 1000).toFixed(1)}k/s`;
  return `${rate.toFixed(0)}/s`;
}
