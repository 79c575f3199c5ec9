"""Pull-request plan comments on Gitea: one per stack, edited in place on every push."""

from gmac.pr.comments import CommentOutcome, PullRequest, upsert_plan_comment

__all__ = ["CommentOutcome", "PullRequest", "upsert_plan_comment"]
