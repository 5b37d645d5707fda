"""Staff and customers from another help desk, matched with the people kefu already has:
staff by e-mail; customers by e-mail, then phone, then external id (one person, merged)."""

from __future__ import annotations

import contextlib
from typing import Any

from kefu.customer.identities import normalize_email, normalize_phone
from kefu.customer.service import customer_service
from kefu.errors import KefuError
from kefu.importer.context import Context, Result, existing, required
from kefu.importer.repository import importer_repository as repo
from kefu.importer.schemas import Record
from kefu.models import Customer, Identity, IdentityKind, ImportMapping, User


async def write_agent(ctx: Context, record: Record, mapping: ImportMapping | None) -> Result:
    email = normalize_email(required(record.data, "email", "e-mail address"))
    user = await existing(ctx, User, mapping)
    merged = False
    if user is None:
        user = await repo.user_by_email(ctx.session, email)
        merged = user is not None
    name = str(record.data.get("name") or email.split("@")[0])[:120]
    if user is None:
        # No password: the person signs in with a reset link (kefu never sees vendor passwords).
        user = User(
            email=email,
            name=name,
            role=record.data.get("role") or "agent",
            is_active=bool(record.data.get("active", True)),
        )
        if record.data.get("created_at"):
            user.created_at = record.data["created_at"]
        repo.add(ctx.session, user)
        await repo.flush(ctx.session)
        return user.id, "created", False
    user.name = name or user.name
    return user.id, "updated", merged


def _identities(data: dict[str, Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    if isinstance(data.get("email"), str) and "@" in data["email"]:
        pairs.append((IdentityKind.EMAIL, normalize_email(data["email"])))
    if isinstance(data.get("phone"), str) and data["phone"].strip():
        # An unusable number is kept in the attributes, not as an identity.
        with contextlib.suppress(KefuError):
            pairs.append((IdentityKind.PHONE, normalize_phone(data["phone"])))
    if data.get("external_id"):
        pairs.append((IdentityKind.EXTERNAL_ID, str(data["external_id"])[:254]))
    return pairs


async def write_customer(ctx: Context, record: Record, mapping: ImportMapping | None) -> Result:
    data = record.data
    pairs = _identities(data)
    customer: Customer | None = None
    if mapping is not None:
        customer = await repo.customer(ctx.session, mapping.local_id)
    merged = False
    if customer is None:
        # One person across systems: match by e-mail, then phone, then external id.
        for kind, value in pairs:
            found = await customer_service.by_identity(ctx.session, kind, value)
            if found is not None:
                customer = await repo.customer(ctx.session, found.id)
                merged = True
                break
    org = data.get("organization_name") or ""
    if data.get("organization"):
        org = ctx.names.get(("organization", str(data["organization"])), {}).get("name") or org
    attrs: dict[str, Any] = {f"{ctx.source}_id": record.source_id}
    if data.get("phone") and not any(k == IdentityKind.PHONE for k, _v in pairs):
        attrs[f"{ctx.source}_phone"] = str(data["phone"])
    if data.get("notes"):
        attrs[f"{ctx.source}_notes"] = str(data["notes"])[:2000]
    created = customer is None
    if customer is None:
        customer = Customer(name=str(data.get("name") or "")[:120], tags=[], attributes={}, identities=[])
        if data.get("created_at"):
            customer.created_at = data["created_at"]
        if isinstance(data.get("locale"), str):
            customer.locale = data["locale"][:10]
        repo.add(ctx.session, customer)
        await repo.flush(ctx.session)
    elif data.get("name") and not customer.name:
        customer.name = str(data["name"])[:120]
    if org:
        customer.organization = str(org)[:200]
    customer.tags = sorted(set(customer.tags or []) | set(data.get("tags") or []))[:50]
    customer.attributes = {**(customer.attributes or {}), **attrs}
    known = {(i.kind, i.value) for i in customer.identities}
    for kind, value in pairs:
        if (kind, value) in known:
            continue
        holder = await customer_service.by_identity(ctx.session, kind, value)
        if holder is None:  # never take an identity another customer holds
            repo.add(ctx.session, Identity(customer_id=customer.id, kind=kind, value=value))
    return customer.id, "created" if created else "updated", merged
