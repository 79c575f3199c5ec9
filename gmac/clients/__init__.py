"""Clients of the systems gmac talks to, knowing nothing of specs or policy: the one HTTP path
(`http`: rate limits, timeouts, retries, errors without credentials) and the APIs built on it
(`gitea`, `stripe`, `turso`, `alertmanager`, `prometheus`, the log stores `loki` and
`victorialogs` over `logs`, `registry`), a libSQL database (`libsql`), and a Kubernetes
cluster (`kubernetes`: the one way to reach one; `kubernetes_jobs`, `workloads`, any object by
its identity in `kubernetes_objects`). `usage` counts the calls made through the HTTP path;
`tokens` is what a token rotation hands back.
Each takes one frozen connection value (where, with which credential, how patiently) and
raises `IntegrationError`s.

The providers, the health checks and the observe commands all reach the outside through
here. Import each module by name (`gmac.clients.gitea`): some load a heavy SDK.
"""
