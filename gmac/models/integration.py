"""Integrations: external systems the project configures (Stripe, Turso, webhooks)."""

from __future__ import annotations

import re
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from gmac.models.common import (
    Currency,
    Duration,
    Name,
    SpecModel,
    StripeEvent,
    Url,
    empty_dict,
    empty_list,
    field_error,
)
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


_CRON_MINUTES = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)
_CRON_HOURS = (1, 2, 3, 4, 6, 8, 12, 24)
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def cron_schedule(every: str) -> str | None:
    """`every` as a cron schedule that runs at even intervals (`5m` -> `*/5 * * * *`), or
    None when cron cannot say it (7m, 90m)."""
    seconds = sum(
        float(n) * _UNIT_SECONDS[u] for n, u in re.findall(r"([0-9]+)(ms|s|m|h|d|w|y)", every)
    )
    minutes = seconds / 60
    if minutes in _CRON_MINUTES:
        return "* * * * *" if minutes == 1 else f"*/{int(minutes)} * * * *"
    hours = minutes / 60
    if hours == 24:
        return "0 0 * * *"
    if hours in _CRON_HOURS:
        return "0 * * * *" if hours == 1 else f"0 */{int(hours)} * * *"
    return None


class HealthCheck(SpecModel):
    every: Duration = Field(
        default="5m",
        description="How often the scheduled `gmac health` runs: minutes dividing an hour, "
        "hours dividing a day, or 1d.",
    )

    @model_validator(mode="after")
    def _schedulable(self) -> Self:
        if cron_schedule(self.every) is None:
            raise field_error(
                f"'{self.every}' cannot run at even intervals from cron: use 1m, 2m, 5m, 10m, "
                "15m, 30m, 1h, 2h, 6h, 12h or 1d (minutes dividing an hour, hours a day)",
                "every",
            )
        return self

    @property
    def schedule(self) -> str:
        return cron_schedule(self.every) or "*/5 * * * *"


class _IntegrationBase(SpecModel):
    api_version: Literal["gmac.io/v1"] = Field(alias="apiVersion", default="gmac.io/v1")
    kind: Literal["Integration"]
    name: Name
    health: HealthCheck | None = None
    adopt: dict[str, str] = empty_dict(
        description="Objects that already run, to take over: the resource's name as `gmac "
        "adopt` shows it -> the live object's ID (`stripe-product-pro: prod_...`).",
    )


class StripePrice(SpecModel):
    id: Name
    currency: Currency = Field(description="ISO 4217, lowercase: usd, eur.")
    unit_amount: int = Field(ge=0, description="In the currency's smallest unit (cents).")
    interval: Literal["day", "week", "month", "year"] | None = Field(
        default=None, description="Recurring interval; a one-time price when not given."
    )
    interval_count: int = Field(default=1, ge=1)


class StripeProduct(SpecModel):
    id: Name
    name: str = Field(min_length=1)
    description: str | None = None
    prices: list[StripePrice] = empty_list()

    @model_validator(mode="after")
    def _unique_prices(self) -> Self:
        index = first_duplicate([price.id for price in self.prices])
        if index is not None:
            message = f"price '{self.prices[index].id}' is declared twice"
            raise field_error(message, "prices", index, "id")
        return self


class StripeWebhook(SpecModel):
    url: Url
    events: list[StripeEvent] = Field(min_length=1)
    signing_secret: Name


class StripeIntegration(_IntegrationBase):
    type: Literal["stripe"]
    credentials: Credentials
    products: list[StripeProduct] = empty_list()
    webhooks: list[StripeWebhook] = empty_list()

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
    databases: list[TursoDatabase] = empty_list()
    tokens: list[TursoToken] = empty_list()

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
