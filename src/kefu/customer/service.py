"""Customers and their identities; one person across channels."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.authz import Perm, Principal, ensure_can_see_customer, require, require_staff
from kefu.customer.events import CustomerCreated
from kefu.customer.identities import normalize_email, normalize_phone
from kefu.customer.masking import mask_address, mask_id_card, mask_identity
from kefu.customer.repository import customer_repository
from kefu.customer.schemas import CustomerCreate, CustomerOut, CustomerUpdate, IdentityOut
from kefu.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable
from kefu.kit.events import publish
from kefu.kit.security import hash_password_async, verify_password_async
from kefu.kit.time import utcnow
from kefu.models import Customer, Identity, IdentityKind


class CustomerService:
    def identities_of(self, data: CustomerCreate) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        if data.email:
            pairs.append((IdentityKind.EMAIL, normalize_email(str(data.email))))
        if data.phone:
            pairs.append((IdentityKind.PHONE, normalize_phone(data.phone)))
        if data.external_id:
            pairs.append((IdentityKind.EXTERNAL_ID, data.external_id))
        if data.wechat_openid:
            pairs.append((IdentityKind.WECHAT_OPENID, data.wechat_openid))
        return pairs

    async def create(
        self, session: AsyncSession, data: CustomerCreate, *, actor: Principal | None
    ) -> Customer:
        if actor is not None:
            require(actor, Perm.CUSTOMERS_WRITE)
        pairs = self.identities_of(data)
        for kind, value in pairs:
            existing = await customer_repository.identity(session, kind, value)
            if existing is not None:
                raise Conflict(
                    f"{kind} 已属于客户 {existing.customer_id} / "
                    f"already belongs to customer {existing.customer_id}",
                    code="identity_taken",
                )
        return await self._insert(session, data, pairs, actor=actor)

    async def _insert(
        self,
        session: AsyncSession,
        data: CustomerCreate,
        pairs: list[tuple[str, str]],
        *,
        actor: Principal | None,
    ) -> Customer:
        """A new customer with identities already checked to be free (the unique index on
        identities still refuses a concurrent claim)."""
        customer = Customer(
            name=data.name or "",
            address=data.address,
            id_card=data.id_card.upper(),
            birthday=data.birthday,
            locale=data.locale,
            identities=[Identity(kind=k, value=v) for k, v in pairs],
        )
        session.add(customer)
        await session.flush()
        await publish(
            session,
            CustomerCreated(customer_id=customer.id),
            actor_id=actor.user_id if actor else None,
        )
        return customer

    async def find_or_create(self, session: AsyncSession, data: CustomerCreate) -> Customer:
        """Match by any identity first (one person across channels), else create."""
        pairs = self.identities_of(data)
        if len(pairs) == 1:  # the usual case (a mail sender, a requester's email): one read
            found = await customer_repository.by_identity(session, *pairs[0])
            if found is not None:  # the one identity given is this one: nothing to attach
                return found
            return await self._insert(session, data, pairs, actor=None)
        for kind, value in pairs:
            existing = await customer_repository.identity(session, kind, value)
            if existing is not None:
                customer = await customer_repository.get(session, existing.customer_id)
                assert customer is not None
                await self._attach_missing(session, customer, pairs)
                return customer
        return await self._insert(session, data, pairs, actor=None)  # all looked up just now

    async def _attach_missing(
        self, session: AsyncSession, customer: Customer, pairs: list[tuple[str, str]]
    ) -> None:
        known = {(i.kind, i.value) for i in customer.identities}
        for kind, value in pairs:
            if (kind, value) in known:
                continue
            if await customer_repository.identity(session, kind, value) is None:
                session.add(Identity(customer_id=customer.id, kind=kind, value=value))

    async def tier(self, session: AsyncSession, customer_id: int) -> str:
        """The customer's tier (what SLA policies and queues look at); no statement when the
        unit has the customer loaded already, one without the identities otherwise."""
        customer = await customer_repository.get_plain(session, customer_id)
        if customer is None:
            raise NotFound("客户不存在 / customer not found")
        return customer.tier

    async def get(self, session: AsyncSession, principal: Principal | None, customer_id: int) -> Customer:
        if principal is not None:
            ensure_can_see_customer(principal, customer_id)
        customer = await customer_repository.get(session, customer_id)
        if customer is None:
            raise NotFound("客户不存在 / customer not found")
        return customer

    async def search(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        email: str | None = None,
        phone: str | None = None,
        external_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Customer]:
        require_staff(principal)
        require(principal, Perm.CUSTOMERS_READ)
        filters: list[tuple[str, str]] = []
        if email:
            filters.append((IdentityKind.EMAIL, normalize_email(email)))
        if phone:
            try:
                filters.append((IdentityKind.PHONE, normalize_phone(phone)))
            except Unprocessable:
                return []
        if external_id:
            filters.append((IdentityKind.EXTERNAL_ID, external_id))
        return list(await customer_repository.find(session, filters, limit=limit, offset=offset))

    async def browse(
        self, session: AsyncSession, principal: Principal, *, q: str = "", limit: int = 50, offset: int = 0
    ) -> list[Customer]:
        """The agents' customer list: recent first, or matching part of a name or contact."""
        require_staff(principal)
        require(principal, Perm.CUSTOMERS_READ)
        q = q.strip()
        if q and "@" in q:
            exact = await self.search(session, principal, email=q, limit=limit, offset=offset)
            if exact:
                return exact
        if q and q.lstrip("+").isdigit() and len(q) >= 8:
            exact = await self.search(session, principal, phone=q, limit=limit, offset=offset)
            if exact:
                return exact
        return list(await customer_repository.recent(session, name=q or None, limit=limit, offset=offset))

    async def primary_email(self, session: AsyncSession, customer_id: int) -> str | None:
        customer = await customer_repository.get(session, customer_id)
        if customer is None:
            return None
        return next((i.value for i in customer.identities if i.kind == IdentityKind.EMAIL), None)

    async def by_identity(self, session: AsyncSession, kind: str, value: str) -> Customer | None:
        """The customer holding this identity (channels: WeChat unionid, app user id ...)."""
        ident = await customer_repository.identity(session, kind, value)
        return await customer_repository.get(session, ident.customer_id) if ident else None

    async def attach_identity(self, session: AsyncSession, customer: Customer, kind: str, value: str) -> None:
        """Add an identity unless someone already holds it (never steals another's)."""
        await self._attach_missing(session, customer, [(kind, value)])

    async def by_email(self, session: AsyncSession, email: str) -> Customer | None:
        ident = await customer_repository.identity(session, IdentityKind.EMAIL, normalize_email(email))
        return await customer_repository.get(session, ident.customer_id) if ident else None

    async def authenticate(self, session: AsyncSession, email: str, password: str) -> Customer:
        """Portal sign-in with e-mail and password."""
        ident = await customer_repository.identity(session, IdentityKind.EMAIL, normalize_email(email))
        customer = await customer_repository.get(session, ident.customer_id) if ident else None
        ok = await verify_password_async(customer.password_hash if customer else None, password)
        if not ok or customer is None:
            raise Unauthorized("邮箱或密码错误 / invalid email or password", code="invalid_credentials")
        audit_service.record(session, "portal.login", target_type="customer", target_id=customer.id)
        return customer

    async def set_password(self, session: AsyncSession, customer: Customer, password: str) -> None:
        customer.password_hash = await hash_password_async(password)

    async def merge(
        self, session: AsyncSession, principal: Principal, source_id: int, target_id: int
    ) -> Customer:
        """Merge a duplicate into the customer that stays: identities, tickets, orders, points,
        coupons and sign-ins follow; the duplicate is removed; audited."""
        require(principal, Perm.CUSTOMERS_WRITE)
        if source_id == target_id:
            raise Unprocessable("不能合并到自身 / cannot merge a customer into itself", code="merge_self")
        source = await self.get(session, principal, source_id)
        target = await self.get(session, principal, target_id)
        if source.erased_at is not None or target.erased_at is not None:
            raise Conflict("已删除的客户不能合并 / erased customers cannot be merged", code="customer_erased")
        moved = await customer_repository.reassign(session, source.id, target.id)
        if not target.name and source.name:
            target.name = source.name
        target.birthday = target.birthday or source.birthday
        session.expunge(source)
        await customer_repository.delete(session, source_id)
        audit_service.record(
            session,
            "customer.merged",
            actor=principal,
            target_type="customer",
            target_id=target_id,
            detail={"from": source_id, "moved": moved},
        )
        await session.flush()
        session.expire_all()  # bulk updates bypassed the loaded objects
        return await self.get(session, principal, target_id)

    async def update(
        self, session: AsyncSession, principal: Principal, customer_id: int, data: CustomerUpdate
    ) -> Customer:
        require(principal, Perm.CUSTOMERS_WRITE)
        customer = await self.get(session, principal, customer_id)
        if customer.erased_at is not None:
            raise Conflict(
                "已删除的客户不能修改 / an erased customer cannot be changed", code="customer_erased"
            )
        changes = data.model_dump(exclude_unset=True)
        _drop_masked_echoes(customer, changes)
        for key in ("name", "birthday", "locale", "organization", "address", "id_card"):
            if key in changes and changes[key] is not None:
                setattr(customer, key, changes[key])
        if changes.get("tags") is not None:
            customer.tags = list(dict.fromkeys(t.strip() for t in changes["tags"] if t.strip()))
        if changes.get("attributes") is not None:
            customer.attributes = {**(customer.attributes or {}), **changes["attributes"]}
        if changes.get("consents") is not None:
            self._consent(session, principal, customer, changes["consents"])
        return customer

    async def set_own_consents(
        self, session: AsyncSession, principal: Principal, consents: dict[str, bool]
    ) -> Customer:
        """A customer's own answers (the portal's 我的通知设置: marketing, service notices),
        recorded and audited as theirs."""
        if principal.is_staff or principal.customer_id is None:
            raise Forbidden("customers only", code="customers_only")
        customer = await self.get(session, principal, principal.customer_id)
        if customer.erased_at is not None:
            raise Conflict(
                "已删除的客户不能修改 / an erased customer cannot be changed", code="customer_erased"
            )
        self._consent(session, principal, customer, consents)
        return customer

    @staticmethod
    def _consent(
        session: AsyncSession, principal: Principal, customer: Customer, consents: dict[str, bool]
    ) -> None:
        now = utcnow().isoformat()
        records = dict(customer.consents or {})
        for purpose, granted in consents.items():
            records[purpose] = {"granted": granted, "at": now, "by": principal.id, "kind": principal.kind}
        customer.consents = records
        audit_service.record(
            session,
            "customer.consent_changed",
            actor=principal,
            target_type="customer",
            target_id=customer.id,
            detail={"consents": consents},
        )

    def to_out(self, customer: Customer, principal: Principal | None) -> CustomerOut:
        """Serialise with personal data masked for viewers without the unmask permission."""
        unmask = principal is None or not principal.is_staff or principal.can(Perm.CUSTOMERS_UNMASK)
        idents = [
            IdentityOut(
                id=i.id,
                kind=i.kind,
                verified=i.verified,
                value=i.value if unmask else mask_identity(i.kind, i.value),
            )
            for i in customer.identities
        ]
        first = {i.kind: i.value for i in reversed(idents)}
        return CustomerOut(
            id=customer.id,
            name=customer.name,
            birthday=customer.birthday,
            locale=customer.locale,
            tier=customer.tier,
            advisor_id=customer.advisor_id,
            organization=customer.organization or "",
            address=customer.address if unmask else mask_address(customer.address or ""),
            id_card=customer.id_card if unmask else mask_id_card(customer.id_card or ""),
            tags=list(customer.tags or []),
            attributes=dict(customer.attributes or {}),
            consents=dict(customer.consents or {}),
            created_at=customer.created_at,
            identities=idents,
            email=first.get(IdentityKind.EMAIL),
            phone=first.get(IdentityKind.PHONE),
            external_id=first.get(IdentityKind.EXTERNAL_ID),
        )

    async def unmask(self, session: AsyncSession, principal: Principal, customer_id: int) -> CustomerOut:
        require(principal, Perm.CUSTOMERS_UNMASK)
        customer = await self.get(session, principal, customer_id)
        audit_service.record(
            session,
            "customer.unmasked",
            actor=principal,
            target_type="customer",
            target_id=customer_id,
        )
        return self.to_out(customer, None)


def _drop_masked_echoes(customer: Customer, changes: dict[str, Any]) -> None:
    """A viewer without unmask sees masked values; writing one back (a form round-trip)
    must never overwrite the real value, and no other masked-looking value is stored."""
    masked = {
        "address": (customer.address, mask_address(customer.address or "")),
        "id_card": (customer.id_card, mask_id_card(customer.id_card or "")),
    }
    for key, (real, shown) in masked.items():
        value = changes.get(key)
        if not isinstance(value, str) or "*" not in value:
            continue
        if real and value == shown:
            changes.pop(key)
        else:
            raise Unprocessable(f"{key}: masked values cannot be stored", code="masked_value")


customer_service = CustomerService()
