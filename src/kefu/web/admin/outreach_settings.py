"""Outreach settings (主动触达设置) as a Chinese form — quiet hours, caps per channel, the SMS
gateway (key write-only, stored encrypted), the app's push webhook, the courier webhook's
secret, tracking on/off — and the 服务升级报告 editor: draft from the month's figures, edit,
approve, publish. Included by the outreach admin router."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from kefu.authz import Perm
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import KefuError
from kefu.kit.i18n import translations
from kefu.outreach.rules import CHANNELS
from kefu.outreach.schemas import ReportDraftIn, ReportEditIn, SettingsIn
from kefu.outreach.service import outreach_service
from kefu.outreach.service.reports import report_figures, service_report_service
from kefu.web.access import staff_with
from kefu.web.crud import ADMIN_NAV, N_, kefu_message, pydantic_message
from kefu.web.templates import render, request_locale

router = APIRouter(include_in_schema=False)
ADMIN_NAV.append(("/admin/outreach-settings", N_("Outreach settings")))
ADMIN_NAV.append(("/admin/service-reports", N_("Service upgrade reports")))


def _errors(request: Request, exc: Exception) -> list[str]:
    _ = translations(request_locale(request)).gettext
    if isinstance(exc, ValidationError):
        return [pydantic_message(e, _) for e in exc.errors()]
    if isinstance(exc, KefuError):
        return [kefu_message(exc, request_locale(request))]
    return [str(exc)]


def _payload(form: Mapping[str, Any]) -> dict[str, Any]:
    """The form as the settings document (blank secrets keep the stored ones)."""

    def text(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    caps = {
        c: {"max_sends": text(f"cap_{c}_max") or "0", "per_days": text(f"cap_{c}_days") or "1"}
        for c in CHANNELS
    }
    out: dict[str, Any] = {
        "policy": {
            "company": text("company"),
            "timezone": text("timezone") or "Asia/Shanghai",
            "quiet_start": text("quiet_start"),
            "quiet_end": text("quiet_end"),
            "caps": caps,
            "tracking": form.get("tracking") == "on",
        }
    }
    if text("sms_url"):
        out["sms"] = {
            "url": text("sms_url"),
            "sign_name": text("sms_sign"),
            "active": form.get("sms_active") == "on",
            **({"api_key": text("sms_key")} if text("sms_key") else {}),
        }
    if text("push_url"):
        out["app_push"] = {
            "url": text("push_url"),
            "active": form.get("push_active") == "on",
            **({"secret": text("push_secret")} if text("push_secret") else {}),
        }
    if text("courier_secret"):
        out["courier"] = {"secret": text("courier_secret")}
    return out


@router.get("/admin/outreach-settings")
async def settings_page(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    me = staff_with(principal, Perm.SETTINGS_MANAGE)
    current = await outreach_service.settings(session, me)
    saved = request.query_params.get("saved") == "1"
    return render(
        request,
        "admin/outreach/settings.html",
        {"s": current, "errors": [], "saved": saved, "channels": CHANNELS},
    )


@router.post("/admin/outreach-settings")
async def save_settings(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    me = staff_with(principal, Perm.SETTINGS_MANAGE)
    form = await request.form()
    try:
        await outreach_service.save_settings(session, me, SettingsIn.model_validate(_payload(form)))
    except (ValidationError, KefuError) as exc:
        if isinstance(exc, KefuError) and exc.status_code in (401, 403):
            raise
        errors = _errors(request, exc)
        session.info.pop("after_commit", None)
        await session.rollback()
        current = await outreach_service.settings(session, me)
        return render(
            request,
            "admin/outreach/settings.html",
            {"s": current, "errors": errors, "saved": False, "channels": CHANNELS},
            status=422,
        )
    return RedirectResponse("/admin/outreach-settings?saved=1", status_code=303)


# --- 服务升级报告 -----------------------------------------------------------------------------
@router.get("/admin/service-reports")
async def reports_page(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    me = staff_with(principal, Perm.REPORTS_READ)
    reports = await service_report_service.all_reports(session, me)
    return render(request, "admin/outreach/reports.html", {"reports": reports, "errors": []})


@router.post("/admin/service-reports")
async def draft_report(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    me = staff_with(principal, Perm.REPORTS_READ)
    form = await request.form()
    try:
        report = await service_report_service.draft(
            session, me, ReportDraftIn(period=str(form.get("period") or "")).period
        )
    except (ValidationError, KefuError) as exc:
        if isinstance(exc, KefuError) and exc.status_code in (401, 403):
            raise
        errors = _errors(request, exc)
        session.info.pop("after_commit", None)
        await session.rollback()
        reports = await service_report_service.all_reports(session, me)
        return render(
            request, "admin/outreach/reports.html", {"reports": reports, "errors": errors}, status=422
        )
    return RedirectResponse(f"/admin/service-reports/{report.id}", status_code=303)


@router.get("/admin/service-reports/{report_id:int}")
async def report_page(
    report_id: int, request: Request, session: Session, principal: OptionalPrincipal
) -> Response:
    me = staff_with(principal, Perm.REPORTS_READ)
    report = await service_report_service.get(session, me, report_id)
    return render(
        request,
        "admin/outreach/report.html",
        {
            "report": report,
            "figures": report_figures(report),
            "errors": [],
            "can_approve": me.can(Perm.SETTINGS_MANAGE),
            "planned": request.query_params.get("planned"),
        },
    )


@router.post("/admin/service-reports/{report_id:int}")
async def report_action(
    report_id: int, request: Request, session: Session, principal: OptionalPrincipal
) -> Response:
    """Save the text (lines = improvements), approve or publish."""
    me = staff_with(principal, Perm.REPORTS_READ)
    form = await request.form()
    action = str(form.get("action") or "save")
    suffix = ""
    try:
        if action == "approve":
            await service_report_service.approve(session, me, report_id)
        elif action == "publish":
            _report, planned = await service_report_service.publish(session, me, report_id)
            suffix = f"?planned={planned}"
        else:
            lines = [x.strip() for x in str(form.get("items") or "").splitlines() if x.strip()]
            current = await service_report_service.get(session, me, report_id)
            old = list(current.items or [])
            items = [
                {**(old[i] if i < len(old) and old[i].get("text") == text else {}), "text": text}
                for i, text in enumerate(lines)
            ]
            data = ReportEditIn.model_validate(
                {"title": str(form.get("title") or ""), "intro": str(form.get("intro") or ""), "items": items}
            )
            await service_report_service.edit(session, me, report_id, data)
    except (ValidationError, KefuError) as exc:
        if isinstance(exc, KefuError) and exc.status_code in (401, 403, 404):
            raise
        errors = _errors(request, exc)
        session.info.pop("after_commit", None)
        await session.rollback()
        report = await service_report_service.get(session, me, report_id)
        context = {
            "report": report,
            "figures": report_figures(report),
            "errors": errors,
            "can_approve": me.can(Perm.SETTINGS_MANAGE),
            "planned": None,
        }
        return render(request, "admin/outreach/report.html", context, status=409)
    return RedirectResponse(f"/admin/service-reports/{report_id}{suffix}", status_code=303)
