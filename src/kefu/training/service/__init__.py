"""Training rules, one module per concern; the singletons are re-exported here."""

from kefu.training.service.cases import case_service
from kefu.training.service.dashboard import dashboard_service
from kefu.training.service.exams import exam_service
from kefu.training.service.learning import learning_service

__all__ = ["case_service", "dashboard_service", "exam_service", "learning_service"]
