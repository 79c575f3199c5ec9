import { Counter, collectDefaultMetrics, Registry } from "prom-client";

// One registry per server process, kept on globalThis so that hot reloads in
// development do not register the same metrics twice.
const globalForMetrics = globalThis as unknown as { metricsRegistry?: Registry };

function createRegistry(): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: "{{ name }}" });
  collectDefaultMetrics({ register: registry });
  new Counter({
    name: "http_requests_total",
    help: "HTTP requests served by the API routes, by route and status code.",
    labelNames: ["route", "code"] as const,
    registers: [registry],
  });
  return registry;
}

export const registry: Registry =
  globalForMetrics.metricsRegistry ?? (globalForMetrics.metricsRegistry = createRegistry());

export function countRequest(route: string, code: number): void {
  const counter = registry.getSingleMetric("http_requests_total") as Counter<"route" | "code">;
  counter.inc({ route, code: String(code) });
}
