"""A small generic CRUD view layer for admin objects (after netbox's generic views).

An admin object is declared once as an `AdminView` subclass: its list columns (text for
people, never raw codes), its form fields, the pydantic schema that validates a submission,
the service calls that create, update and delete or deactivate it, and the permission from
the role × action table. `mount()` turns a view into routes:

    GET  /admin/<slug>                 list (with the flash message of the last save)
    GET  /admin/<slug>/new             empty form        POST → create, redirect, flash
    GET  /admin/<slug>/<id>            edit form         POST → update, redirect, flash
    GET  /admin/<slug>/<id>/delete     confirm step      POST → delete / deactivate

Validation errors come back as the form again (422) with a Chinese message next to the
field; expected refusals (`KefuError`) show above the form with their status. CSRF is
checked by the principal dependency like every other form.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import quote, unquote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import KefuError, NotFound, Unauthorized
from kefu.kit.i18n import translations
from kefu.web.templates import render, request_locale

FLASH_COOKIE = "kefu_flash"
FLASH_KINDS = {"created", "saved", "deleted", "deactivated"}


def N_(message: str) -> str:  # noqa: N802 - the gettext marker name extraction looks for
    """Marks a message id for extraction; translated when rendered."""
    return message


class FieldError(Exception):
    """A submission value that cannot be read (raised while building the payload)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # message id
    kind: str = "text"  # text email password number textarea select multi checks check duration lines
    required: bool = False
    help: str = ""  # message id
    choices: str = ""  # key into AdminView.choices()
    blank: str = ""  # message id of the empty option of a select ("" = no empty option)
    only: str = ""  # "create" or "edit": shown in that mode only


@dataclass(frozen=True)
class Column:
    label: str  # message id
    value: Callable[[Ctx, Any], str]


@dataclass
class Ctx:
    """Everything a view needs for one request."""

    request: Request
    session: AsyncSession
    principal: Principal
    _: Callable[[str], str]
    aux: dict[str, Any] = field(default_factory=dict)


# --- validation messages in the user's language --------------------------------------------
_PYDANTIC = {
    "missing": N_("This field is required."),
    "string_too_short": N_("This field is required."),
    "too_short": N_("Add at least one."),
    "string_too_long": N_("Too long."),
    "too_long": N_("Too many entries."),
    "int_parsing": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."),
    "greater_than": N_("Must be greater than {gt}."),
    "greater_than_equal": N_("Must be at least {ge}."),
    "less_than": N_("Must be less than {lt}."),
    "less_than_equal": N_("Must be at most {le}."),
    "enum": N_("Choose one of the options."),
    "literal_error": N_("Choose one of the options."),
    "string_pattern_mismatch": N_("The format is not valid."),
    "value_error": N_("The value is not valid."),
    "bool_parsing": N_("Choose yes or no."),
    "date_from_datetime_parsing": N_("Use a date like 2026-10-01."),
    "date_parsing": N_("Use a date like 2026-10-01."),
    "decimal_parsing": N_("Enter an amount."),
}
_EMAIL = re.compile(r"email", re.I)


def pydantic_message(error: Mapping[str, Any], _: Callable[[str], str]) -> str:
    kind = str(error.get("type", ""))
    if kind == "value_error" and _EMAIL.search(str(error.get("msg", ""))):
        return _("Enter a valid email address.")
    template = _(_PYDANTIC.get(kind, N_("The value is not valid.")))
    ctx = error.get("ctx") or {}
    try:
        return template.format(**{k: v for k, v in ctx.items() if isinstance(v, int | float | str)})
    except (KeyError, IndexError):
        return template


def form_error(request: Request, exc: ValidationError, labels: Mapping[str, str]) -> str:
    """A rejected hand-written form in the user's language: "label: message" per field
    (`labels`: field name -> message id of its label), never pydantic's English."""
    locale = request_locale(request)
    _ = translations(locale).gettext
    colon, semicolon = ("：", "；") if locale == "zh_CN" else (": ", "; ")
    parts = []
    for e in exc.errors():
        field = next((str(p) for p in reversed(e["loc"]) if str(p) in labels), "")
        message = pydantic_message(e, _)
        parts.append(f"{_(labels[field])}{colon}{message}" if field else message)
    return semicolon.join(parts)


def submit_error(request: Request, exc: Exception, labels: Mapping[str, str] | None = None) -> str:
    """Any refusal of a hand-written form in the user's language (anything else propagates)."""
    if isinstance(exc, ValidationError):
        return form_error(request, exc, labels or {})
    if isinstance(exc, KefuError):
        return kefu_message(exc, request_locale(request))
    if isinstance(exc, ValueError):
        return str(exc)
    raise exc


# Refusals whose message is English only, by code, in the user's language.
CODE_MESSAGES = {
    "schedule_in_use": N_("An SLA policy still uses this schedule."),
    "invalid_schedule": N_("The working time is not valid."),
    "no_working_time": N_("The schedule has no working time."),
    "invalid_condition": N_("A condition is not valid."),
    "invalid_action": N_("An action is not valid."),
    "invalid_trigger": N_("Automations need the number of hours."),
    "unknown_group": N_("A chosen group no longer exists."),
}


def kefu_message(exc: KefuError, locale: str) -> str:
    """Bilingual literal messages ("中文 / English") show the half in the user's language."""
    text = exc.message
    if exc.code in CODE_MESSAGES and not any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return translations(locale).gettext(CODE_MESSAGES[exc.code])
    if " / " in text:
        zh, _sep, en = text.partition(" / ")
        has_cjk = any("\u4e00" <= ch <= "\u9fff" for ch in zh)
        if has_cjk:
            return zh if locale == "zh_CN" else en
    return text


# --- the view ------------------------------------------------------------------------------
class AdminView:
    slug: ClassVar[str]
    title: ClassVar[str]  # plural message id: the page heading and the navigation entry
    noun: ClassVar[str]  # singular message id ("staff member")
    perm: ClassVar[Perm] = Perm.SETTINGS_MANAGE
    columns: ClassVar[Sequence[Column]] = ()
    fields: ClassVar[Sequence[Field]] = ()
    create_schema: ClassVar[type[BaseModel]]
    update_schema: ClassVar[type[BaseModel] | None] = None  # default: create_schema
    remove: ClassVar[str] = "delete"  # delete | deactivate | "" (none)
    can_create: ClassVar[bool] = True
    intro: ClassVar[str] = ""  # message id shown above the list
    form_template: ClassVar[str] = "admin/crud/form.html"
    list_template: ClassVar[str] = "admin/crud/list.html"
    # Which form field a pydantic error location (joined by ".") belongs to.
    error_fields: ClassVar[dict[str, str]] = {}

    # data access -------------------------------------------------------------------------
    async def prepare(self, ctx: Ctx) -> None:
        """Load lookups the columns and forms need (group names ...) into ctx.aux."""

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        raise NotImplementedError

    async def load(self, ctx: Ctx, key: int) -> Any:
        for row in await self.rows(ctx):
            if self.key(row) == key:
                return row
        raise NotFound("not found")

    def key(self, obj: Any) -> int:
        return int(obj.id)

    def label(self, obj: Any) -> str:
        return str(getattr(obj, "name", "") or getattr(obj, "title", "") or self.key(obj))

    def is_active(self, obj: Any) -> bool:
        return bool(getattr(obj, "active", getattr(obj, "is_active", True)))

    async def choices(self, ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
        return {}

    async def list_context(self, ctx: Ctx) -> dict[str, Any]:
        """More template context for the list page."""
        return {}

    def form_fields(self, obj: Any | None) -> Sequence[Field]:
        """The fields of the form (per mode by default; a view may pick by the object)."""
        mode = "edit" if obj is not None else "create"
        return [f for f in self.fields if not f.only or f.only == mode]

    async def form_context(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        """More template context for the form (previews, builder rows)."""
        return {}

    # form <-> object ---------------------------------------------------------------------
    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        if obj is None:
            return {}
        return {f.name: getattr(obj, f.name, None) for f in self.fields if f.kind != "password"}

    def payload(self, ctx: Ctx, form: Mapping[str, Any], obj: Any | None) -> dict[str, Any]:
        """The schema input from the submitted form (FieldError for unreadable values)."""
        out: dict[str, Any] = {}
        for f in self.form_fields(obj):
            out.update(read_field(f, form))
        return out

    # service calls -----------------------------------------------------------------------
    async def create(self, ctx: Ctx, data: Any) -> Any:
        raise NotImplementedError

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        raise NotImplementedError

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        raise NotImplementedError

    # helpers -------------------------------------------------------------------------------
    def schema_for(self, obj: Any | None) -> type[BaseModel]:
        return self.update_schema if obj is not None and self.update_schema else self.create_schema

    def field_for(self, loc: Sequence[Any]) -> str:
        names = {f.name for f in self.fields}
        dotted = ".".join(str(p) for p in loc)
        for prefix in sorted(self.error_fields, key=len, reverse=True):
            if dotted == prefix or dotted.startswith(prefix + "."):
                return self.error_fields[prefix]
        for part in reversed([str(p) for p in loc]):
            if part in names:
                return part
        return ""


def read_field(f: Field, form: Mapping[str, Any]) -> dict[str, Any]:
    """One field's value from a Starlette form (multi values through getlist)."""
    getlist = getattr(form, "getlist", None)
    raw = form.get(f.name)
    text = raw.strip() if isinstance(raw, str) else ""
    if f.kind == "check":
        return {f.name: raw in ("on", "true", "1")}
    if f.kind in ("multi", "checks"):
        values = [v for v in (getlist(f.name) if getlist else [raw]) if isinstance(v, str) and v]
        return {f.name: values}
    if f.kind == "lines":
        return {f.name: [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]}
    if f.kind == "tags":
        return {f.name: [t.strip() for t in re.split(r"[,，、\n]", text) if t.strip()]}
    if f.kind == "duration":
        return {f.name: parse_duration(text, f.name)} if text else {}
    if f.kind == "password":
        return {f.name: raw} if isinstance(raw, str) and raw else {}
    if f.kind == "select" and not text:
        return {f.name: None} if f.blank else {}
    if not text and not f.required:
        return {} if f.kind == "number" else {f.name: text}
    return {f.name: text}


_HMM = re.compile(r"^(\d{1,4})(?::([0-5]\d))?$")


def parse_duration(text: str, name: str) -> int:
    """ "1:30" → 90 minutes; a bare number is hours ("8" → 480)."""
    match = _HMM.match(text.replace("：", ":"))
    if match is None:
        raise FieldError(name, N_("Use hours:minutes, e.g. 1:30."))
    return int(match.group(1)) * 60 + int(match.group(2) or 0)


def hmm(minutes: int | float | None) -> str:
    """Minutes as h:mm (targets are read in hours and minutes)."""
    if minutes is None:
        return "—"
    m = round(minutes)
    return f"{m // 60}:{m % 60:02d}"


# --- routes --------------------------------------------------------------------------------
async def _ctx(request: Request, session: AsyncSession, principal: Principal | None, view: AdminView) -> Ctx:
    if principal is None:
        raise Unauthorized("需要登录 / authentication required", code="not_authenticated")
    require(principal, view.perm)
    ctx = Ctx(request, session, principal, translations(request_locale(request)).gettext)
    await view.prepare(ctx)
    return ctx


def pop_flash(request: Request) -> str:
    """The confirmation of the last save, in the user's language ("" when none); the caller
    deletes the cookie with `drop_flash` so it shows once."""
    return _flash(request, translations(request_locale(request)).gettext)


def drop_flash(request: Request, response: Response) -> Response:
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/admin")
    return response


def flash_redirect(url: str, kind: str, name: str) -> Response:
    """Redirect after a save with a one-time confirmation (pages outside the CRUD layer)."""
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        FLASH_COOKIE, quote(f"{kind}:{name}"[:200]), httponly=True, samesite="lax", path="/admin"
    )
    return response


def _flash(request: Request, gettext: Callable[[str], str]) -> str:
    raw = unquote(request.cookies.get(FLASH_COOKIE, ""))
    kind, _sep, name = raw.partition(":")
    if kind not in FLASH_KINDS:
        return ""
    text = {
        "created": N_("Created: {name}"),
        "saved": N_("Saved: {name}"),
        "deleted": N_("Deleted: {name}"),
        "deactivated": N_("Deactivated: {name}"),
    }[kind]
    return gettext(text).format(name=name[:120])


def _redirect(view: AdminView, kind: str, name: str) -> Response:
    return flash_redirect(f"/admin/{view.slug}", kind, name)


def _base(view: AdminView, ctx: Ctx) -> dict[str, Any]:
    return {"view": view, "ctx": ctx, "nav": ADMIN_NAV, "hmm": hmm}


async def _form_page(
    view: AdminView,
    ctx: Ctx,
    obj: Any | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    mode = "edit" if obj is not None else "create"
    context = {
        **_base(view, ctx),
        "obj": obj,
        "mode": mode,
        "fields": view.form_fields(obj),
        "values": values,
        "errors": errors or {},
        "form_error": error,
        "choices": await view.choices(ctx),
        **await view.form_context(ctx, obj),
    }
    return render(ctx.request, view.form_template, context, status=status)


async def _save(view: AdminView, ctx: Ctx, obj: Any | None) -> Response:
    form = await ctx.request.form()
    key = view.key(obj) if obj is not None else None
    errors: dict[str, str] = {}
    error = ""
    status = 422
    try:
        data = view.schema_for(obj).model_validate(view.payload(ctx, form, obj))
        result = await (view.update(ctx, obj, data) if obj is not None else view.create(ctx, data))
        await ctx.session.flush()
        return _redirect(view, "saved" if obj is not None else "created", view.label(result))
    except FieldError as exc:
        errors[exc.field] = ctx._(exc.message)
    except ValidationError as exc:
        for e in exc.errors():
            name = view.field_for(e["loc"])
            message = pydantic_message(e, ctx._)
            if name:
                errors.setdefault(name, message)
            else:
                error = error or message
    except KefuError as exc:
        if exc.status_code in (401, 403):
            raise
        error, status = kefu_message(exc, request_locale(ctx.request)), exc.status_code
    ctx.session.info.pop("after_commit", None)
    await ctx.session.rollback()
    await view.prepare(ctx)
    if key is not None:
        obj = await view.load(ctx, key)  # the rollback expired the loaded object
    values = _echo(view, form)
    return await _form_page(view, ctx, obj, values, errors, error, status)


def _echo(view: AdminView, form: Any) -> dict[str, Any]:
    """The submitted values, shown again next to their errors."""
    values: dict[str, Any] = {}
    for f in view.fields:
        if f.kind in ("multi", "checks"):
            values[f.name] = form.getlist(f.name)
        elif f.kind == "check":
            values[f.name] = form.get(f.name) in ("on", "true", "1")
        elif f.kind != "password":
            values[f.name] = form.get(f.name, "")
    values["_form"] = form
    return values


def mount(router: APIRouter, view: AdminView) -> None:
    base = f"/admin/{view.slug}"

    async def list_page(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
        ctx = await _ctx(request, session, principal, view)
        context = {
            **_base(view, ctx),
            "rows": await view.rows(ctx),
            "flash": _flash(request, ctx._),
            **await view.list_context(ctx),
        }
        return drop_flash(request, render(request, view.list_template, context))

    async def new_page(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
        ctx = await _ctx(request, session, principal, view)
        return await _form_page(view, ctx, None, view.initial(ctx, None))

    async def create(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
        ctx = await _ctx(request, session, principal, view)
        return await _save(view, ctx, None)

    async def edit_page(
        key: int, request: Request, session: Session, principal: OptionalPrincipal
    ) -> Response:
        ctx = await _ctx(request, session, principal, view)
        obj = await view.load(ctx, key)
        return await _form_page(view, ctx, obj, view.initial(ctx, obj))

    async def update(key: int, request: Request, session: Session, principal: OptionalPrincipal) -> Response:
        ctx = await _ctx(request, session, principal, view)
        return await _save(view, ctx, await view.load(ctx, key))

    async def confirm_page(
        key: int, request: Request, session: Session, principal: OptionalPrincipal
    ) -> Response:
        ctx = await _ctx(request, session, principal, view)
        obj = await view.load(ctx, key)
        return render(request, "admin/crud/confirm.html", {**_base(view, ctx), "obj": obj, "error": ""})

    async def delete(key: int, request: Request, session: Session, principal: OptionalPrincipal) -> Response:
        ctx = await _ctx(request, session, principal, view)
        obj = await view.load(ctx, key)
        name = view.label(obj)
        try:
            await view.delete(ctx, obj)
            await session.flush()
        except KefuError as exc:
            if exc.status_code in (401, 403):
                raise
            session.info.pop("after_commit", None)
            await session.rollback()
            await view.prepare(ctx)
            obj = await view.load(ctx, key)
            context = {
                **_base(view, ctx),
                "obj": obj,
                "error": kefu_message(exc, request_locale(request)),
            }
            return render(request, "admin/crud/confirm.html", context, status=exc.status_code)
        return _redirect(view, "deleted" if view.remove == "delete" else "deactivated", name)

    router.add_api_route(base, list_page, methods=["GET"])
    if view.can_create:
        router.add_api_route(base, create, methods=["POST"])  # the pre-CRUD form address
        router.add_api_route(f"{base}/new", new_page, methods=["GET"])
        router.add_api_route(f"{base}/new", create, methods=["POST"])
    router.add_api_route(base + "/{key:int}", edit_page, methods=["GET"])
    router.add_api_route(base + "/{key:int}", update, methods=["POST"])
    if view.remove:
        router.add_api_route(base + "/{key:int}/delete", confirm_page, methods=["GET"])
        router.add_api_route(base + "/{key:int}/delete", delete, methods=["POST"])


# The admin navigation: (path, message id), filled by the admin package.
ADMIN_NAV: list[tuple[str, str]] = []
