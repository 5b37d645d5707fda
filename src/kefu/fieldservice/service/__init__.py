"""Field-service rules, one module per concern; the singletons are re-exported here."""

from kefu.fieldservice.service.devices import device_service
from kefu.fieldservice.service.diagnostics import diagnostic_service
from kefu.fieldservice.service.metrics import field_metrics_service
from kefu.fieldservice.service.orders import order_service
from kefu.fieldservice.service.points import point_service

__all__ = ["device_service", "diagnostic_service", "field_metrics_service", "order_service", "point_service"]
