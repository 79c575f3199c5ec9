import { registry } from "@/lib/metrics";

export const dynamic = "force-dynamic";
// prom-client reads process and event-loop figures: the Node.js runtime, not the edge.
export const runtime = "nodejs";

export async function GET(): Promise<Response> {
  return new Response(await registry.metrics(), {
    headers: { "Content-Type": registry.contentType },
  });
}
