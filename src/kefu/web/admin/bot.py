"""Admin pages of the bot: intents (list, edit, CSV), training status, the try-it box,
unanswered-question clusters and the dialogue settings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from kefu.authz import Perm, Principal, require
from kefu.bot.schemas import BotSettings, IntentIn, IntentUpdate
from kefu.bot.service import MAX_CSV_BYTES, bot_service
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import KefuError, Unauthorized
from kefu.kit.db import Database, reads
from kefu.kit.i18n import translations
from kefu.kit.schemas import Id
from kefu.web.crud import drop_flash, flash_redirect, pop_flash, submit_error
from kefu.web.templates import render, request_locale

router = APIRouter(include_in_schema=False)
LABELS = {  # field -> its label's message id, for refusals next to their meaning
    "greeting": "Greeting",
    "greeting_buttons": "Greeting buttons (intent titles, comma separated)",
    "offer_human_after": "Offer a human after this many misses",
    "max_misses": "Hand off after this many misses",
    "anger_handoff": "Hand off at anger (0–1)",
}
ACTIONS = ("answer", "handoff", "http", "ticket")


def _editor(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthorized("需要登录 / authentication required", code="not_authenticated")
    require(principal, Perm.KB_MANAGE)
    return principal


async def _home(request: Request, session: Any, me: Principal, **extra: Any) -> Response:
    status = int(extra.pop("status", 200))
    settings = await bot_service.settings(session)
    trans = translations(request_locale(request))
    intents = await bot_service.intents(session, me)
    context = {
        "intents": intents,
        "intent_titles": {i.name: i.title for i, _ in intents},
        "model": await bot_service.model_info(session, me),
        "clusters": await bot_service.unanswered(session, me),
        "stats": await bot_service.stats(session, me),
        "settings": settings,
        "question_rows": [
            *[q.model_dump() for q in settings.questions],
            *[{"field": "", "label": "", "prompt": "", "options": [], "pattern": ""}]
            * (QUESTION_ROWS - len(settings.questions)),
        ],
        "tier_options": [
            (code, trans.gettext(f"tier_{code}")) for code in ("high", "mid", "potential", "none")
        ],
        "flash": pop_flash(request),
        "can_settings": me.can(Perm.SETTINGS_MANAGE),
        "error": None,
        "tried": None,
        "imported": None,
        **extra,
    }
    return drop_flash(request, render(request, "admin/bot.html", context, status=status))


@router.get("/admin/bot")
async def bot_home(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    return await _home(request, session, _editor(principal))


@router.post("/admin/bot/try")
async def bot_try(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    text: Annotated[str, Form(max_length=4000)],
) -> Response:
    me = _editor(principal)
    if not text.strip():
        return await _home(request, session, me, error="请输入一句话 / enter a sentence", status=422)
    return await _home(request, session, me, tried=(text, await bot_service.try_text(session, me, text)))


@router.post("/admin/bot/train")
@reads  # the request holds no write unit: training stores the model in one of its own
async def bot_train(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    _editor(principal)
    db: Database = request.app.state.db
    await bot_service.train(db)
    return RedirectResponse("/admin/bot", status_code=303)


@router.post("/admin/bot/import")
async def bot_import(
    request: Request, session: Session, principal: OptionalPrincipal, file: UploadFile
) -> Response:
    me = _editor(principal)
    try:
        result = await bot_service.import_csv(session, me, await file.read(MAX_CSV_BYTES + 1))
    except (KefuError, ValidationError) as exc:
        return await _home(request, session, me, error=submit_error(request, exc, LABELS), status=422)
    return await _home(request, session, me, imported=result)


@router.post("/admin/bot/settings")
async def bot_settings(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    greeting: Annotated[str, Form(max_length=1000)] = "",
    greeting_buttons: Annotated[str, Form(max_length=500)] = "",
    offer_human_after: Annotated[int, Form()] = 2,
    max_misses: Annotated[int, Form()] = 3,
    anger_handoff: Annotated[float, Form()] = 0.55,
    handoff_tiers: Annotated[list[str] | None, Form()] = None,
) -> Response:
    me = _editor(principal)
    require(me, Perm.SETTINGS_MANAGE)  # a 403, not a form error
    try:
        data = BotSettings.model_validate(
            {
                "greeting": greeting,
                "greeting_buttons": _list(greeting_buttons),
                "offer_human_after": offer_human_after,
                "max_misses": max_misses,
                "anger_handoff": anger_handoff,
                "handoff_tiers": handoff_tiers or [],
                "questions": _questions(await request.form()),
            }
        )
        await bot_service.save_settings(session, me, data)
    except (KefuError, ValidationError, ValueError) as exc:
        return await _home(request, session, me, error=submit_error(request, exc, LABELS), status=422)
    name = translations(request_locale(request)).gettext("Dialogue settings")
    return flash_redirect("/admin/bot", "saved", name)


QUESTION_ROWS = 4  # BotSettings allows four questions


def _questions(form: Any) -> list[dict[str, Any]]:
    """Question rows of the settings form; a row without a question is dropped. The stored
    field key (used in the ticket's facts) is kept; new rows get q1, q2 ..."""
    out: list[dict[str, Any]] = []
    taken = {str(form.get(f"q-{i}-field") or "") for i in range(QUESTION_ROWS)}
    for i in range(QUESTION_ROWS):
        label = str(form.get(f"q-{i}-label") or "").strip()
        prompt = str(form.get(f"q-{i}-prompt") or "").strip()
        if not label and not prompt:
            continue
        field = str(form.get(f"q-{i}-field") or "")
        if not field:
            field = next(f"q{n}" for n in range(1, 99) if f"q{n}" not in taken)
            taken.add(field)
        out.append(
            {
                "field": field,
                "label": label or prompt[:40],
                "prompt": prompt or label,
                "options": _list(str(form.get(f"q-{i}-options") or "").replace("、", ",")),
                "pattern": str(form.get(f"q-{i}-pattern") or ""),
            }
        )
    return out


SLOT_ROWS = 5  # ActionConfig.slots' limit


def _http_form(config: dict[str, Any]) -> dict[str, Any]:
    """An intent's business-system settings as form fields (no JSON for the admin)."""
    timeout = float(config.get("timeout") or 3.0)
    return {
        "http_url": config.get("url") or "",
        "http_method": config.get("method") or "GET",
        "http_timeout": f"{timeout:g}",
        "slots": [
            {"name": s.get("name", ""), "prompt": s.get("prompt", ""), "pattern": s.get("pattern", "")}
            for s in config.get("slots") or []
        ],
    }


def _http_config(form: Any, url: str, method: str, timeout: str) -> dict[str, Any]:
    """The form's business-system fields as ActionConfig input: the address, method,
    timeout and the slot rows that have a name (the schema checks each value)."""
    config: dict[str, Any] = {}
    slots = []
    for i in range(SLOT_ROWS):
        name = str(form.get(f"slot-{i}-name") or "").strip()
        if name:
            slots.append(
                {
                    "name": name,
                    "prompt": str(form.get(f"slot-{i}-prompt") or "").strip(),
                    "pattern": str(form.get(f"slot-{i}-pattern") or "").strip(),
                }
            )
    if url.strip():
        config.update(url=url.strip(), method=method.strip().upper() or "GET")
        if timeout.strip():
            try:
                config["timeout"] = float(timeout)
            except ValueError:
                raise ValueError("超时须为秒数 / the timeout must be a number of seconds") from None
    if slots:
        config["slots"] = slots
    return config


def _slot_rows(form: dict[str, Any]) -> list[dict[str, str]]:
    """The slot rows to show: the saved or posted ones, then blanks up to the limit."""
    rows = list(form.get("slots") or [])
    if not rows:
        rows = [
            {k: str(form.get(f"slot-{i}-{k}") or "") for k in ("name", "prompt", "pattern")}
            for i in range(SLOT_ROWS)
            if form.get(f"slot-{i}-name")
        ]
    return rows + [{"name": "", "prompt": "", "pattern": ""}] * (SLOT_ROWS - len(rows))


@router.get("/admin/bot/intents/new")
async def intent_new(request: Request, principal: OptionalPrincipal, examples: str = "") -> Response:
    _editor(principal)
    form = {"examples": examples, "action": "answer", "enabled": True, "config": {}}
    return render(
        request,
        "admin/bot_intent.html",
        {
            "intent": None,
            "form": form,
            "actions": ACTIONS,
            "error": None,
            "slot_rows": _slot_rows(form),
        },
    )


@router.get("/admin/bot/intents/{intent_id}")
async def intent_edit(
    request: Request, session: Session, principal: OptionalPrincipal, intent_id: Id
) -> Response:
    me = _editor(principal)
    intent, examples = await bot_service.get(session, me, intent_id)
    form = {
        "name": intent.name,
        "title": intent.title,
        "examples": "\n".join(examples),
        "answer": intent.answer,
        "answer_en": intent.answer_en,
        "buttons": ", ".join(intent.buttons),
        "article_ids": ", ".join(str(a) for a in intent.article_ids),
        "action": intent.action,
        "group": (intent.config or {}).get("group", ""),
        **_http_form(intent.config or {}),
        "human_only": intent.human_only,
        "enabled": intent.enabled,
    }
    return render(
        request,
        "admin/bot_intent.html",
        {
            "intent": intent,
            "form": form,
            "actions": ACTIONS,
            "error": None,
            "slot_rows": _slot_rows(form),
        },
    )


@router.post("/admin/bot/intents")
async def intent_save(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    title: Annotated[str, Form(max_length=40)],
    examples: Annotated[str, Form(max_length=200_000)],
    intent_id: Annotated[int | None, Form()] = None,
    name: Annotated[str, Form(max_length=64)] = "",
    answer: Annotated[str, Form(max_length=4000)] = "",
    answer_en: Annotated[str, Form(max_length=4000)] = "",
    buttons: Annotated[str, Form(max_length=500)] = "",
    article_ids: Annotated[str, Form(max_length=200)] = "",
    action: Annotated[str, Form()] = "answer",
    group: Annotated[str, Form(max_length=80)] = "",
    http_url: Annotated[str, Form(max_length=500)] = "",
    http_method: Annotated[str, Form(max_length=8)] = "GET",
    http_timeout: Annotated[str, Form(max_length=10)] = "",
    human_only: Annotated[str, Form()] = "",
    enabled: Annotated[str, Form()] = "",
) -> Response:
    me = _editor(principal)
    form = dict(await request.form())
    try:
        config = _http_config(form, http_url, http_method, http_timeout)
        if group.strip():
            config["group"] = group.strip()
        fields: dict[str, Any] = {
            "title": title,
            "examples": [e for e in examples.splitlines() if e.strip()],
            "answer": answer,
            "answer_en": answer_en,
            "buttons": _list(buttons),
            "article_ids": [int(a) for a in _list(article_ids)],
            "action": action,
            "config": config,
            "human_only": human_only == "on",
            "enabled": enabled == "on",
        }
        if intent_id is None:
            saved = await bot_service.create(session, me, IntentIn.model_validate({"name": name, **fields}))
        else:
            saved = await bot_service.update(session, me, intent_id, IntentUpdate.model_validate(fields))
    except (KefuError, ValidationError, ValueError) as exc:
        intent = (await bot_service.get(session, me, intent_id))[0] if intent_id else None
        context = {
            "intent": intent,
            "form": form,
            "actions": ACTIONS,
            "error": submit_error(request, exc, LABELS),
            "slot_rows": _slot_rows(form),
        }
        return render(request, "admin/bot_intent.html", context, status=422)
    return RedirectResponse(f"/admin/bot#intent-{saved.id}", status_code=303)


def _list(text: str) -> list[str]:
    return [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]
