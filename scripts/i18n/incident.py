"""Major-incident mode (重大事故): the widget banner and the incident enum labels."""

_LABELS = {
    "incident_status_open": ("处理中", "Open"),
    "incident_status_resolved": ("已解决", "Resolved"),
    "severity_P1": ("P1 重大事故", "P1 critical"),
    "severity_P2": ("P2 严重", "P2 major"),
    "severity_P3": ("P3 一般", "P3 minor"),
    "severity_P4": ("P4 轻微", "P4 low"),
}

ZH = {k: v[0] for k, v in _LABELS.items()}
ZH.update({"Service notice": "服务公告"})
EN = {k: v[1] for k, v in _LABELS.items()}
DYNAMIC = list(_LABELS)
