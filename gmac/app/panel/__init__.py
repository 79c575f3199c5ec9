"""What the web panel (`gmac serve`) asks of gmac beyond what the commands already do: who
may sign in and with which roles, the panel's own credentials (the local admin password's
argon2 hash and the API tokens' digests, kept in the secret store), the quick actions with
their access check and audit entry, open pull requests with their plan comments, and a new
service proposed as a pull request.

    members.member(project, name, via) -> Member          who may sign in, and their roles
    credentials.PanelCredentials                           the admin password, API tokens
    actions.acknowledge / check_drift / check_health / rotate_due   the quick actions
    actions.refusal(project, action, env, actor) -> str    why an action is refused ('' if not)
    pulls.open_pulls(repo) -> [PullSummary]                pull requests and their plan comments
    proposal.propose_service(...) -> Proposal              `gmac new` as a pull request

Every page reads the same app functions as the commands (gmac.app.status, metrics, logs,
history, secrets, previews); none of it is repeated here.
"""
