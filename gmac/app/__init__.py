"""The use cases: each command's work end to end, above the pipeline and the stores.

Who may do what (access, actor), which secrets a run reads (run_secrets), what is recorded
(recording: audit entries, deployments, drift), the engine commands (operations), previews,
pull-request comments, secrets, health, history and `gmac new` (scaffold). The command line
(gmac.cli) and the web panel call these and render what they return; nothing here parses a
flag or prints.
"""
