"""Webhook: an endpoint that wants to hear about repository events (a CI server, a bot)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components._integrations import secret_input
from components.context import CompileContext
from gmac.models import WebhookIntegration

TYPE = "gmac:index:Webhook"


@dataclass(frozen=True)
class HookSettings:
    """What a repository needs to install the hook."""

    name: str
    url: str
    events: tuple[str, ...]
    content_type: str
    secret: pulumi.Output[str]


def hook_settings(integration: WebhookIntegration, ctx: CompileContext) -> HookSettings:
    return HookSettings(
        name=integration.name,
        url=integration.url,
        events=tuple(integration.events),
        content_type=integration.content_type,
        secret=secret_input(ctx, integration.secret),
    )


class Webhook(pulumi.ComponentResource):
    """A webhook integration. It owns nothing remote itself: the receiving end is someone
    else's server, and the hooks pointing at it are installed by each `Repository` whose
    service lists it (`repo.webhooks`), as children of that repository. This component
    publishes the settings (`url`, `events`, `content_type`, and `secret` as a secret
    output) so the plan shows the integration once, and other components can read them.
    """

    url: str
    events: list[str]
    content_type: str
    secret: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        integration: WebhookIntegration,
        ctx: CompileContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        settings = hook_settings(integration, ctx)
        self.url = settings.url
        self.events = list(settings.events)
        self.content_type = settings.content_type
        self.secret = settings.secret
        self.register_outputs(
            {
                "url": self.url,
                "events": self.events,
                "content_type": self.content_type,
                "secret": self.secret,
            }
        )
