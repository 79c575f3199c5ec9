"""Integrations: external systems the project configures (Stripe, Turso, webhooks)."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from gmac.models.common import Duration, Name, SpecModel, Url, field_error
from gmac.suggest import did_you_mean


def first_duplicate(values: list[str]) -> int | None:
    """The index of the first value given twice, or None."""
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            return index
        seen.add(value)
    return None


class Credentials(SpecModel):
    secret: Name


class HealthCheck(SpecModel):
    every: Duration = "5m"


class _IntegrationBase(SpecModel):
    api_version: Literal["gmac.io/v1"] = Field(alias="apiVersion", default="gmac.io/v1")
    kind: Literal["Integration"]
    name: Name
    health: HealthCheck | None = None


class StripePrice(SpecModel):
    id: Name
    currency: str = Field(pattern=r"^[a-z]{3}$", description="ISO 4217, lowercase: usd, eur.")
    unit_amount: int = Field(ge=0, description="In the currency's smallest unit (cents).")
    interval: Literal["day", "week", "month", "year"] | None = Field(
        default=None, description="Recurring interval; a one-time price when not given."
    )
    interval_count: int = Field(default=1, ge=1)


class StripeProduct(SpecModel):
    id: Name
    name: str = Field(min_length=1)
    description: str | None = None
    prices: list[StripePrice] = []

    @model_validator(mode="after")
    def _unique_prices(self) -> Self:
        index = first_duplicate([price.id for price in self.prices])
        if index is not None:
            message = f"price '{self.prices[index].id}' is declared twice"
            raise field_error(message, "prices", index, "id")
        return self


StripeEvent = Annotated[str, Field(pattern=r"^(\*|[a-z_]+(\.[a-z_]+)+)$")]


class StripeWebhook(SpecModel):
    url: Url
    events: list[StripeEvent] = Field(min_length=1)
    signing_secret: Name


class StripeIntegration(_IntegrationBase):
    type: Literal["stripe"]
    credentials: Credentials
    products: list[StripeProduct] = []
    webhooks: list[StripeWebhook] = []

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        index = first_duplicate([product.id for product in self.products])
        if index is not None:
            message = f"product '{self.products[index].id}' is declared twice"
            raise field_error(message, "products", index, "id")
        # Price ids are unique across products: Stripe looks prices up by them.
        prices = [
            (p, i) for p, product in enumerate(self.products) for i in range(len(product.prices))
        ]
        index = first_duplicate([self.products[p].prices[i].id for p, i in prices])
        if index is not None:
            p, i = prices[index]
            message = f"price '{self.products[p].prices[i].id}' is declared twice"
            raise field_error(message, "products", p, "prices", i, "id")
        return self


class TursoDatabase(SpecModel):
    name: Name
    group: str = "default"


class TursoToken(SpecModel):
    database: Name
    secret: Name
    rotate_every: Duration | None = None
    authorization: Literal["full-access", "read-only"] = "full-access"


class TursoIntegration(_IntegrationBase):
    type: Literal["turso"]
    organization: str = Field(min_length=1)
    credentials: Credentials
    databases: list[TursoDatabase] = []
    tokens: list[TursoToken] = []

    @model_validator(mode="after")
    def _known_databases(self) -> Self:
        names = [database.name for database in self.databases]
        index = first_duplicate(names)
        if index is not None:
            raise field_error(
                f"database '{names[index]}' is declared twice", "databases", index, "name"
            )
        for i, token in enumerate(self.tokens):
            if token.database not in names:
                hint = did_you_mean(token.database, names)
                message = f"token for unknown database '{token.database}'{hint}"
                raise field_error(message, "tokens", i, "database")
        return self


GiteaEvent = Literal[
    "create",
    "delete",
    "fork",
    "push",
    "issues",
    "issue_comment",
    "pull_request",
    "pull_request_review",
    "release",
    "repository",
    "wiki",
    "workflow_run",
    "package",
]


class WebhookIntegration(_IntegrationBase):
    type: Literal["webhook"]
    url: Url
    events: list[GiteaEvent] = Field(min_length=1)
    secret: Name
    content_type: Literal["json", "form"] = "json"


Integration = Annotated[
    StripeIntegration | TursoIntegration | WebhookIntegration, Field(discriminator="type")
]
INTEGRATION_TYPES = ("stripe", "turso", "webhook")
