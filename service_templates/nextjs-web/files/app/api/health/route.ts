import { countRequest } from "@/lib/metrics";

export const dynamic = "force-dynamic";

export function GET(): Response {
  countRequest("/api/health", 200);
  return Response.json({ status: "ok", service: "{{ name }}" });
}
