"""Stripe: webhook endpoints (see `_stripe` for the inputs every Stripe resource takes).

An endpoint's signing secret is in the answer to its create and nowhere else. So an
endpoint found with gmac's marker (an earlier attempt whose answer was lost) is deleted and
made again; one to the same URL that gmac did not make stops the create
(`ExistingObjectError`). Adopting one (`adopt`) keeps it when its signing secret is given
(`adopt_signing_secret`, from the secret store or `GMAC_SECRET_<NAME>`, copied from Stripe's
dashboard); without it, a new endpoint replaces the adopted one, so that gmac knows the
secret the services check deliveries with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from gmac.errors import IntegrationError
from gmac.providers._adopt import Difference, Finding, adopt_id, differences, named_in_spec
from gmac.providers._base import Props, compare, idempotency_key, outputs, published, secret_options
from gmac.providers._connections import stripe_api
from gmac.providers._stripe_common import (
    MARKER_KEY,
    candidate,
    events,
    look_up,
    marked,
    metadata_update,
    our_metadata,
    refusal,
)

if TYPE_CHECKING:
    from stripe.params import WebhookEndpointCreateParams, WebhookEndpointUpdateParams

    from gmac.clients.stripe import StripeApi

UNKNOWN_SECRET = "(Stripe shows it only to the create)"


def _params(p: Props) -> WebhookEndpointCreateParams:
    params: WebhookEndpointCreateParams = {
        "url": p.text("url"),
        "enabled_events": events(p),
        "metadata": p.mapping("metadata"),
    }
    if p.text("description"):
        params["description"] = p.text("description")
    return params


@published
class StripeWebhookEndpointProvider(ResourceProvider):
    """A webhook endpoint. Its signing secret is only ever returned by create: it becomes the
    `signing_secret` output (a secret), and `read` keeps it."""

    UPDATE: ClassVar[tuple[str, ...]] = ("url", "enabled_events", "description", "metadata")
    REPLACE: ClassVar[tuple[str, ...]] = ("api_base",)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return compare(
            olds,
            news,
            replace=self.REPLACE,
            update=self.UPDATE,
            credentials=("api_key",),
            unordered=("enabled_events",),
        )

    def _find(self, p: Props, api: StripeApi, marker: str) -> Finding:
        what = f"Stripe webhook endpoint {p.text('url')}"
        wanted = adopt_id(p)
        if wanted:
            endpoint = api.webhook_endpoint(wanted)
            return named_in_spec(what, wanted, candidate(endpoint) if endpoint else None)
        endpoints = api.webhook_endpoints()
        same_url = [endpoint for endpoint in endpoints if endpoint.url == p.text("url")]
        return look_up(what, p, marker, endpoints, ("by URL", same_url))

    def find(self, props: dict[str, Any]) -> Finding:
        p = Props(props)
        return self._find(p, stripe_api(p), marked("webhook", p, _params(p))[0])

    def differences(self, id_: str, props: dict[str, Any]) -> tuple[Difference, ...]:
        live = self.read(id_, props).outs or {}
        found = differences(
            live, props, update=self.UPDATE, replace=self.REPLACE, unordered=("enabled_events",)
        )
        if Props(props).text("adopt_signing_secret"):
            return found
        return (*found, Difference("signing_secret", UNKNOWN_SECRET, "[secret]", replaces=True))

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = Props(props)
        api = stripe_api(p)
        marker, params = marked("webhook", p, _params(p))
        if adopt_id(p):
            return self._adopt(p, api, marker, params)
        for orphan in api.find_webhook_endpoints(MARKER_KEY, marker):
            api.delete_webhook_endpoint(orphan.id)  # its secret was in a lost answer
        finding = self._find(p, api, marker)
        if finding.candidates:
            raise refusal("stripe", finding.what.removeprefix("Stripe "), finding)
        return self._made(p, api.create_webhook_endpoint(params, idempotency_key(marker)))

    def _adopt(self, p: Props, api: StripeApi, marker: str, params: Any) -> CreateResult:
        wanted = adopt_id(p)
        if api.webhook_endpoint(wanted) is None:
            raise IntegrationError("stripe", f"webhook endpoint {wanted} to adopt does not exist")
        secret = p.text("adopt_signing_secret")
        if secret:
            self.update(wanted, {}, p.raw)
            endpoint = api.webhook_endpoint(wanted)
            status = endpoint.status if endpoint is not None else ""
            return CreateResult(wanted, outputs(p, signing_secret=secret, status=status))
        made = self._made(p, api.create_webhook_endpoint(params, idempotency_key(marker)))
        api.delete_webhook_endpoint(wanted)
        return made

    @staticmethod
    def _made(p: Props, endpoint: Any) -> CreateResult:
        secret = endpoint.to_dict().get("secret") or ""
        return CreateResult(endpoint.id, outputs(p, signing_secret=secret, status=endpoint.status))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = Props(props)
        endpoint = stripe_api(p).webhook_endpoint(id_)
        if endpoint is None:
            return ReadResult(None, {})
        live = outputs(
            p,
            url=endpoint.url,
            enabled_events=list(endpoint.enabled_events),
            description=endpoint.description or "",
            metadata=our_metadata(p, endpoint.metadata),
            status=endpoint.status,
        )
        return ReadResult(id_, live)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        old, new = Props(olds), Props(news)
        params: WebhookEndpointUpdateParams = {
            "url": new.text("url"),
            "enabled_events": events(new),
            "description": new.text("description"),
            "metadata": metadata_update(old, new),
        }
        endpoint = stripe_api(new).update_webhook_endpoint(id_, params)
        return UpdateResult(
            outputs(new, signing_secret=old.text("signing_secret"), status=endpoint.status)
        )

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        stripe_api(Props(props)).delete_webhook_endpoint(id_)


class StripeWebhookEndpoint(Resource, module="stripe", name="WebhookEndpoint"):
    """A Stripe webhook endpoint; `signing_secret` is a secret output. `adopt_signing_secret`
    is the signing secret of an endpoint to adopt, when known."""

    signing_secret: pulumi.Output[str]
    status: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        api_key: pulumi.Input[str],
        api_key_secret: str,
        api_base: str,
        key: str,
        url: str,
        enabled_events: Sequence[str],
        description: str = "",
        metadata: Mapping[str, str] | None = None,
        adopt_signing_secret: str = "",
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "api_key": api_key,
            "api_key_secret": api_key_secret,
            "api_base": api_base,
            "key": key,
            "url": url,
            "enabled_events": list(enabled_events),
            "description": description,
            "metadata": dict(metadata or {}),
            "signing_secret": None,
            "status": None,
        }
        if adopt_signing_secret:  # used only when adopting an endpoint (see the module)
            props["adopt_signing_secret"] = pulumi.Output.secret(adopt_signing_secret)
        super().__init__(
            StripeWebhookEndpointProvider(),
            resource_name,
            props,
            secret_options(opts, "api_key", "adopt_signing_secret", "signing_secret"),
        )
