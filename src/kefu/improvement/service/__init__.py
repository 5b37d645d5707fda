"""Improvement rules, one module per concern; the singletons are re-exported here."""

from kefu.improvement.service.integrations import integration_service
from kefu.improvement.service.items import improvement_service
from kefu.improvement.service.sources import source_service
from kefu.improvement.service.verify import verify_service

__all__ = ["improvement_service", "integration_service", "source_service", "verify_service"]
